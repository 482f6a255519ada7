/**
 * A best-effort message channel between the nodes of one database: `NOTIFY` on one channel, the
 * payloads of one tick sent in one statement outside the write batches (a notifying transaction
 * takes a database-wide lock at commit; kept out of the batches, it never serialises their WAL
 * flushes), and a dedicated `LISTEN` connection that reconnects by itself. Each payload starts
 * with the sender's node id, so a node skips its own.
 *
 * A payload that starts with `!` is a control text between nodes' memberships (what their
 * observers watch, and the answers: ./membership.ts), never a listener's.
 *
 * Not a queue: a node whose listening connection is down misses what is sent meanwhile, and
 * nothing is stored. Whatever correctness needs is polled from the tables; this only makes other
 * nodes' live views (console, event streams) immediate.
 */
import type pg from 'pg';
import { SQL, queryOf } from './sql.js';

/** NOTIFY's payload limit is 8000 bytes; the node id and a separator come first. */
export const MAX_PAYLOAD_BYTES = 7600;
const CHANNEL = 'parley_events';
/** Announced by the configuration trigger (./migrations.ts): another node changed a number, say. */
const CONFIG_CHANNEL = 'parley_config';

export interface NotificationsOptions {
  /** Opens the listening connection. */
  connect: () => Promise<pg.Client>;
  /** Whether a payload's sender is this process. */
  isOwn: (nodeId: string) => boolean;
  /** The sender id to stamp on payloads. */
  nodeId: () => string;
  /** The configuration changed, or may have while the listening connection was down. */
  onConfigChanged: () => void;
  /** A control text (starting with `!`) from node `sender`. */
  onControl?: (sender: string, text: string) => void;
  onError?: (error: unknown, what: string) => void;
}

export class Notifications {
  private outbox: string[] = [];
  private scheduled = false;
  private sending: Promise<void> | null = null;
  private listener: pg.Client | null = null;
  private readonly listeners = new Set<(payload: string) => void>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly pool: pg.Pool, private readonly options: NotificationsOptions) {}

  /** Starts listening (and keeps doing so across reconnects). */
  async start(): Promise<void> {
    await this.listen();
  }

  send(payload: string): void {
    if (this.closed) return;
    this.outbox.push(`${this.options.nodeId()} ${payload}`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.outbox;
      this.outbox = [];
      // One statement at a time, in order, so other nodes see a node's payloads in the order sent.
      const run: Promise<void> = (this.sending ?? Promise.resolve())
        .then(() => this.pool.query(queryOf(SQL.notify, [batch])))
        .then(() => undefined, (error: unknown) => this.options.onError?.(error, 'notifying other nodes failed'))
        .finally(() => {
          if (this.sending === run) this.sending = null;
        });
      this.sending = run;
    });
  }

  subscribe(listener: (payload: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.sending;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = await this.options.connect();
    client.on('notification', (message) => {
      if (message.channel === CONFIG_CHANNEL) {
        this.options.onConfigChanged();
        return;
      }
      const text = message.payload;
      if (message.channel !== CHANNEL || text === undefined) return;
      // "<node id> <payload>" (an older version also sent its id alone, on joining: nothing to do).
      const space = text.indexOf(' ');
      if (space < 0) return;
      const sender = text.slice(0, space);
      if (this.options.isOwn(sender)) return;
      const payload = text.slice(space + 1);
      if (payload.startsWith('!')) {
        this.options.onControl?.(sender, payload);
        return;
      }
      for (const listener of this.listeners) listener(payload);
    });
    const lost = (error?: unknown): void => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => undefined);
      if (error !== undefined) this.options.onError?.(error, 'the connection listening to other nodes broke; reconnecting');
      this.reconnectLater();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    this.listener = client;
    await client.query(`LISTEN ${CHANNEL}; LISTEN ${CONFIG_CHANNEL}`);
    // Whatever changed while this node was not listening (a reconnect) is unknown: start over.
    this.options.onConfigChanged();
  }

  private reconnectLater(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.listen().catch((error: unknown) => {
        this.options.onError?.(error, 'reconnecting to listen to other nodes failed');
        this.listener = null;
        this.reconnectLater();
      });
    }, 1000);
    this.reconnectTimer.unref();
  }
}
