/**
 * Keeps one bind up: connects and binds, and after a drop or a refused bind tries again after a
 * delay that doubles up to a cap (reset by a successful bind). Each attempt is a new session.
 * Its state (bound, connecting, down and why, since when) is what `status()` shows.
 */
import type { Clock } from '../../clock/clock.js';
import type { Logger } from '../../logging/logger.js';
import type { PDU } from './library.js';
import { SmppSession, type BindMode, type SessionSettings } from './session.js';

export interface LinkState {
  state: 'bound' | 'connecting' | 'down';
  reason: string | null;
  since: number;
}

export interface LinkOptions {
  settings: SessionSettings;
  mode: BindMode;
  /** The bind's name in the channel's status and the log: its mode, numbered when the channel keeps several (`transceiver 2`). */
  name: string;
  reconnectDelayMs: number;
  reconnectDelayMaxMs: number;
  clock: Clock;
  logger: Logger;
  /** The channel's name, for the log. */
  channel: string;
  /** A deliver_sm on this link (answered by the handler). */
  deliver(pdu: PDU, session: SmppSession): void;
  /** The link is bound (again): queued work may go. */
  bound(session: SmppSession): void;
  /** Its state changed. */
  changed(state: LinkState): void;
}

export class SmppLink {
  private session: SmppSession | null = null;
  private current: LinkState;
  private delayMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  /** When the pending retry is due (ms, monotonic), while one is. */
  private retryAt = 0;
  private stopped = false;
  private attempt: Promise<void> | null = null;

  constructor(private readonly options: LinkOptions) {
    this.current = { state: 'connecting', reason: null, since: options.clock.now() };
    this.delayMs = options.reconnectDelayMs;
  }

  /** The bound session, or null while there is none. */
  get bound(): SmppSession | null {
    return this.session?.isOpen ? this.session : null;
  }

  get mode(): BindMode {
    return this.options.mode;
  }

  /** Its name in the channel's status and the log; a channel whose number of binds changes renames them. */
  get name(): string {
    return this.options.name;
  }

  set name(name: string) {
    this.options.name = name;
  }

  state(): LinkState {
    return this.current;
  }

  start(): void {
    this.connect();
  }

  /**
   * A reload's reconnect delays, taken without dropping the bind: a bound link starts its next
   * backoff from the new first delay; a link waiting to retry keeps its place in the backoff within
   * the new bounds, and retries no later than the new cap from now.
   */
  setReconnectDelays(firstMs: number, maxMs: number): void {
    this.options.reconnectDelayMs = firstMs;
    this.options.reconnectDelayMaxMs = maxMs;
    this.delayMs = this.session ? firstMs : Math.min(Math.max(this.delayMs, firstMs), maxMs);
    if (this.retryTimer && this.retryAt - performance.now() > maxMs) {
      clearTimeout(this.retryTimer);
      this.scheduleRetry(maxMs);
    }
  }

  /** Stops reconnecting and unbinds the session, if any; resolves once the connection is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.attempt;
    await this.session?.unbind();
    this.session = null;
  }

  private connect(): void {
    if (this.stopped) return;
    this.enter('connecting', this.current.reason);
    this.attempt = SmppSession.open(this.options.settings, this.options.mode, {
      deliver: (pdu, session) => this.options.deliver(pdu, session),
      closed: (reason) => this.onClosed(reason),
    }).then((session) => {
      if (this.stopped) return session.unbind();
      this.session = session;
      this.delayMs = this.options.reconnectDelayMs;
      this.enter('bound', null);
      this.options.logger.info({ channel: this.options.channel, bind: this.options.name }, 'SMPP bind established');
      this.options.bound(session);
      return undefined;
    }, (error: unknown) => {
      this.retryLater(error instanceof Error ? error.message : String(error));
    }).finally(() => {
      this.attempt = null;
    });
  }

  private onClosed(reason: string): void {
    this.session = null;
    if (this.stopped) return;
    this.retryLater(reason);
  }

  private retryLater(reason: string): void {
    if (this.stopped) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.options.reconnectDelayMaxMs);
    this.enter('down', reason);
    this.options.logger.warn({ channel: this.options.channel, bind: this.options.name, reason, retryInMs: delay }, 'SMPP link down; binding again later');
    this.scheduleRetry(delay);
  }

  private scheduleRetry(delayMs: number): void {
    this.retryAt = performance.now() + delayMs;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delayMs);
  }

  private enter(state: LinkState['state'], reason: string | null): void {
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = { state, reason, since: this.options.clock.now() };
    this.options.changed(this.current);
  }
}
