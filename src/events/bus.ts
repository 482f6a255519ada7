/**
 * In-process events: what the simulator's live stream, the console, the CLI's `tail` and the test
 * harness watch. Events describe committed state only (they are emitted after the store commits).
 */
import { EventEmitter } from 'node:events';
import type { AlertRecord, MessageRecord, WebhookExchange } from '../stores/records.js';

export type GatewayEvent =
  | { type: 'message'; message: MessageRecord }
  | { type: 'turn'; accountSid: string; messageSid: string; conversationId: string; errorCode: number | null }
  | { type: 'exchange'; exchange: WebhookExchange }
  | { type: 'alert'; alert: AlertRecord }
  | { type: 'conversation'; accountSid: string; conversationId: string }
  /** A carrier's delivery receipt that matched no message (for logs and metrics; never streamed). */
  | { type: 'receipt-unmatched'; channel: string; smscId: string };

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0); // one per open console tab or stream; bounded by connections
  }

  emit(event: GatewayEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: GatewayEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** Resolves with the first event that matches, or rejects after `timeoutMs`. */
  waitFor<T extends GatewayEvent>(match: (event: GatewayEvent) => event is T, timeoutMs: number): Promise<T>;
  waitFor(match: (event: GatewayEvent) => boolean, timeoutMs: number): Promise<GatewayEvent>;
  waitFor(match: (event: GatewayEvent) => boolean, timeoutMs: number): Promise<GatewayEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.subscribe((event) => {
        if (!match(event)) return;
        clearTimeout(timer);
        off();
        resolve(event);
      });
    });
  }
}
