/**
 * In-process events: what the simulator's live stream, the console, the CLI's `tail` and the test
 * harness watch. Events describe committed state only (they are emitted after the store commits).
 *
 * With a store shared by several nodes, this bus is the node's view: its own events, plus the other
 * nodes' events relayed to it (./relay.ts). Subscribers choose: by default a listener hears this
 * node's events only, which is what logic needs (opt-out keywords, metrics: acting on another
 * node's event would act twice); observers (event streams, long-polls) pass `everyNode`.
 */
import { EventEmitter } from 'node:events';
import type { AlertRecord, MessageRecord, WebhookExchange } from '../stores/records.js';
import type { Interest } from './interest.js';

export type GatewayEvent =
  /** A message stored, or its new status; `sameStatus` marks a change that is not a new status (a redaction). */
  /** `channel`: the one an inbound message came by, when this node received it. */
  | { type: 'message'; message: MessageRecord; sameStatus?: true; channel?: string }
  /** A turn committed: its error code (null when the app answered well) and how long it took, stored and sent. */
  | { type: 'turn'; accountSid: string; messageSid: string; conversationId: string; errorCode: number | null; durationMs: number }
  | { type: 'exchange'; exchange: WebhookExchange }
  | { type: 'alert'; alert: AlertRecord }
  | { type: 'conversation'; accountSid: string; conversationId: string }
  /** A carrier's delivery receipt that matched no message (for logs and metrics; never streamed). */
  | { type: 'receipt-unmatched'; channel: string; smscId: string };

export interface SubscribeOptions {
  /** Also hear the events of the other nodes sharing the store (observers only). */
  everyNode?: boolean;
}

/** Registers an observer's interest with the other nodes (./observers.ts); resolves with its release. */
export interface ObserverRegistry {
  observe(interest: Interest): Promise<() => void>;
}

export class EventBus {
  private readonly emitter = new EventEmitter();
  private observers: ObserverRegistry | null = null;
  /** Ends each pending `waitFor` (rejects it), for `endWaits`. */
  private readonly waits = new Set<() => void>();

  constructor() {
    this.emitter.setMaxListeners(0); // one per open console tab or stream; bounded by connections
  }

  emit(event: GatewayEvent): void {
    this.emitter.emit('event', event);
  }

  /** An event another node emitted (the relay): heard by `everyNode` subscribers only. */
  emitFromOtherNode(event: GatewayEvent): void {
    this.emitter.emit('remote', event);
  }

  /** Whether anyone listens to other nodes' events (the relay fetches nothing otherwise). */
  get hasEveryNodeListeners(): boolean {
    return this.emitter.listenerCount('remote') > 0;
  }

  /** Set by the relay (./relay.ts) on a node whose store other nodes share. */
  useObservers(observers: ObserverRegistry | null): void {
    this.observers = observers;
  }

  /**
   * An observer of every node's events declares what it wants, before it subscribes with
   * `everyNode`: other nodes relay only what some observer wants. Resolves once every other node
   * alive relays it (at once on a node alone, or without a shared store), with the release to call
   * when the observer ends.
   */
  observe(interest: Interest): Promise<() => void> {
    return this.observers?.observe(interest) ?? Promise.resolve(() => undefined);
  }

  subscribe(listener: (event: GatewayEvent) => void, options: SubscribeOptions = {}): () => void {
    this.emitter.on('event', listener);
    if (options.everyNode) this.emitter.on('remote', listener);
    return () => {
      this.emitter.off('event', listener);
      if (options.everyNode) this.emitter.off('remote', listener);
    };
  }

  /** Resolves with the first event that matches, or rejects after `timeoutMs`. */
  waitFor<T extends GatewayEvent>(match: (event: GatewayEvent) => event is T, timeoutMs: number, options?: SubscribeOptions): Promise<T>;
  waitFor(match: (event: GatewayEvent) => boolean, timeoutMs: number, options?: SubscribeOptions): Promise<GatewayEvent>;
  waitFor(match: (event: GatewayEvent) => boolean, timeoutMs: number, options: SubscribeOptions = {}): Promise<GatewayEvent> {
    return new Promise((resolve, reject) => {
      const end = (error: Error): void => {
        clearTimeout(timer);
        off();
        this.waits.delete(cancel);
        reject(error);
      };
      const cancel = (): void => end(new Error('the gateway is stopping'));
      const timer = setTimeout(() => end(new Error(`no matching event within ${timeoutMs} ms`)), timeoutMs);
      const off = this.subscribe((event) => {
        if (!match(event)) return;
        clearTimeout(timer);
        off();
        this.waits.delete(cancel);
        resolve(event);
      }, options);
      this.waits.add(cancel);
    });
  }

  /** Rejects every pending `waitFor` now: a stopping gateway's long-polls answer at once. */
  endWaits(): void {
    for (const cancel of [...this.waits]) cancel();
  }
}
