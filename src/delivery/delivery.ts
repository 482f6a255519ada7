/**
 * Hands stored outbound messages to the channel and records each status change
 * (queued → sent → delivered, or failed/undelivered) in the store, then announces it.
 * A message is only ever handed over after it is committed, so a crash loses nothing: on start,
 * every message still `accepted`, `queued` or `sending` is handed over again.
 * A status change and the status callback reporting it commit in one transaction (the callback
 * outbox, see `webhooks/status-callbacks.ts`), so a crash never loses a callback.
 * A message still waiting past its validity period (a scheduled message due long ago, a backlog
 * after a restart, a channel that kept asking for retries) is not sent: it fails with 30036.
 */
import type { SendOptions, SendOutcome } from '../channels/channel.js';
import type { Clock } from '../clock/clock.js';
import type { EventBus } from '../events/bus.js';
import type { Store } from '../stores/store.js';
import type { MessageRecord, MessageStatus } from '../stores/records.js';
import { statusCallbackOf } from '../webhooks/status-callbacks.js';
import { lookupError } from '../errors/catalog.js';
import { validUntilOf } from '../messages/validity.js';
import { StoreUnavailableError } from '../stores/errors.js';

/** Told of every status change after it is committed (status callbacks hook in here). */
export type StatusListener = (message: MessageRecord) => void;

/**
 * Checked before a message is handed to the channel: a Twilio error code refuses it (the message
 * ends `failed` with that code, e.g. 21610 for an opted-out recipient), null lets it through.
 */
export type SendScreen = (message: MessageRecord) => Promise<number | null>;

/** Where committed messages go: the channel router (or one channel). */
export interface Sender {
  send(message: MessageRecord, options?: SendOptions): Promise<SendOutcome>;
}

/** Statuses a message is still on its way in; a change from anything else would go backwards. */
const UNSENT: readonly MessageStatus[] = ['accepted', 'queued', 'sending'];
const NOT_FINAL: readonly MessageStatus[] = [...UNSENT, 'sent'];

/** Sent messages kept in memory for their receipt (the simulator's comes at once); older ones are read back. */
const SENT_KEPT = 20_000;

export class Delivery {
  /** Messages being handed to their channel (until sent, failed, or a retry is scheduled). */
  private readonly inFlight = new Map<string, MessageRecord>();
  /** Sent messages waiting for a receipt, newest last (bounded: a receipt for an older one reads the store). */
  private readonly sent = new Map<string, MessageRecord>();
  /** `sent` writes waiting for their commit, by SID (see markSent). */
  private readonly sentWrites = new Map<string, Promise<MessageRecord>>();
  private readonly listeners: StatusListener[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly deps: { store: Store; channel: Sender; clock: Clock; events: EventBus; screen?: SendScreen }) {}

  onStatus(listener: StatusListener): void {
    this.listeners.push(listener);
  }

  /**
   * Sends a committed message; resolves with its record once the channel has taken it (or failed).
   * `firstHandover` goes to the channel with this hand-over only: one after a retry is never first.
   */
  async deliver(message: MessageRecord, options?: SendOptions): Promise<MessageRecord> {
    if (this.inFlight.has(message.sid)) return message;
    this.inFlight.set(message.sid, message);
    if (this.deps.clock.now() > validUntilOf(message)) return this.fail(message, 30036);
    // A Messaging Service message is `accepted` until its sender is settled (it was picked at create).
    if (message.status === 'accepted') message = await this.transition(message, 'queued', {}, ['accepted']);
    let refusal: number | null;
    try {
      refusal = this.deps.screen ? await this.deps.screen(message) : null;
    } catch {
      return this.retryLater(message, STORE_RETRY_MS); // the screen could not read the store: try again
    }
    if (refusal !== null) return this.fail(message, refusal);
    let outcome: SendOutcome;
    try {
      outcome = await this.deps.channel.send(message, options);
    } catch {
      outcome = { kind: 'retry', errorCode: 30008, retryAfterMs: 1000 };
    }
    if (outcome.kind === 'sent') {
      const sent = await this.markSent(message);
      // A fast receipt may have settled it meanwhile: only a message still `sent` waits for one.
      const latest = this.inFlight.get(message.sid) ?? sent;
      this.inFlight.delete(message.sid);
      if (latest.status === 'sent') this.keepSent(latest);
      return sent;
    }
    if (outcome.kind === 'failed') return this.fail(message, outcome.errorCode);
    return this.retryLater(message, outcome.retryAfterMs);
  }

  /**
   * Hands the message over again after `ms`. It stays in `inFlight` meanwhile, so a `resume()`
   * that offers it again (a shared store re-offers a node's own undelivered messages) does not
   * start a second delivery.
   */
  private retryLater(message: MessageRecord, ms: number): MessageRecord {
    if (this.stopped) {
      this.inFlight.delete(message.sid);
      return message; // handed over again on the next start
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.inFlight.delete(message.sid);
      void this.deliver(message).catch(() => undefined); // still undelivered in the store: offered again later
    }, ms);
    timer.unref();
    this.retryTimers.add(timer);
    return message;
  }

  /**
   * A delivery receipt for a message this node is sending or sent: it becomes `delivered` or
   * `undelivered` unless it already has a final status. Read back from the store when it is no
   * longer in memory (a receipt on one node for a message another node sent).
   */
  async report(message: Pick<MessageRecord, 'sid' | 'accountSid'>, status: 'delivered' | 'undelivered', errorCode: number | null, options: { accepted?: boolean } = {}): Promise<void> {
    const { sid } = message;
    let known = this.sent.get(sid) ?? this.inFlight.get(sid) ?? await this.deps.store.messages.get(message.accountSid, sid);
    if (!known || !NOT_FINAL.includes(known.status)) return;
    // `accepted`: the network took every part (a carrier's receipts settle them), so the message was
    // sent even if the receipt came before `sent` was written: it still goes through `sent` (its
    // status callback included) before the final status, as on Twilio.
    if (options.accepted && UNSENT.includes(known.status)) known = await this.markSent(known);
    const settled = await this.transition(known, status, errorCode === null ? {} : { errorCode }, NOT_FINAL);
    if (settled !== known) this.sent.delete(sid);
  }

  /**
   * Announces a message stored already settled (./settled.ts): its record at each status, the
   * first being its creation, as if it had gone through `deliver` and a receipt.
   */
  announce(steps: readonly MessageRecord[]): void {
    steps.forEach((message, i) => {
      this.deps.events.emit({ type: 'message', message });
      if (i > 0) for (const listener of this.listeners) listener(message);
    });
  }

  /**
   * Writes `sent` once, however many ask: the channel's outcome and a receipt that came before it
   * (`report`) both do, often while the other's write is still waiting for its commit. The second
   * then shares the first's write instead of an UPDATE that changes nothing: about four messages in
   * ten of the carrier loop (bench/README.md, finding 78). Resolves like `transition`.
   */
  private markSent(message: MessageRecord): Promise<MessageRecord> {
    const sid = message.sid;
    const known = this.inFlight.get(sid) ?? message;
    if (!UNSENT.includes(known.status)) return Promise.resolve(known);
    let write = this.sentWrites.get(sid);
    if (!write) {
      write = this.transition(known, 'sent', { dateSent: this.deps.clock.now() }, UNSENT).finally(() => this.sentWrites.delete(sid));
      this.sentWrites.set(sid, write);
    }
    return write;
  }

  private keepSent(message: MessageRecord): void {
    this.sent.set(message.sid, message);
    if (this.sent.size > SENT_KEPT) this.sent.delete(this.sent.keys().next().value!);
  }

  /**
   * After a restart: hand over again everything accepted but never taken by the channel, in
   * arrival order and in batches, so a large backlog never sits in memory at once.
   */
  async resume(batchSize = 1000): Promise<number> {
    let total = 0;
    let after: string | undefined;
    for (;;) {
      if (this.stopped) return total;
      const batch = await this.deps.store.messages.undelivered(batchSize, after);
      if (batch.length === 0 || this.stopped) return total;
      total += batch.length;
      after = batch[batch.length - 1]!.sid;
      await Promise.all(batch.map((m) => this.deliver(m)));
    }
  }

  /**
   * Forgets every message held in memory: this node lost its lease on a shared store, and other
   * nodes (or this one under its new id) deliver what it had from now on.
   */
  forget(): void {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.inFlight.clear();
    this.sent.clear();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private async fail(message: MessageRecord, errorCode: number): Promise<MessageRecord> {
    const failed = await this.transition(this.inFlight.get(message.sid) ?? message, 'failed', { errorCode }, UNSENT);
    this.inFlight.delete(message.sid);
    return failed;
  }

  /**
   * Runs a status write, waiting and trying again while the store is unavailable (a database
   * restart): the channel may have the message already, so the change must not be lost, and
   * sending it again instead would send it twice. Any other failure, or a stop, goes to the caller.
   */
  private async untilStored(write: () => Promise<boolean>): Promise<boolean> {
    for (;;) {
      try {
        return await write();
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || this.stopped) throw error;
        await new Promise((resolve) => setTimeout(resolve, STORE_RETRY_MS).unref());
      }
    }
  }

  /**
   * Commits a status change (with its status callback) if the message's stored status is still one
   * of `from`; then announces it. Resolves with the new record, or the previous one if it did not apply.
   */
  private async transition(previous: MessageRecord, status: MessageStatus, changes: { errorCode?: number; dateSent?: number }, from: readonly MessageStatus[]): Promise<MessageRecord> {
    const at = this.deps.clock.now();
    const sid = previous.sid;
    const updated: MessageRecord = {
      ...previous,
      status,
      dateUpdated: at,
      dateSent: changes.dateSent ?? previous.dateSent,
      errorCode: changes.errorCode ?? previous.errorCode,
      // The catalog's title, as Twilio's `error_message` describes the code.
      errorMessage: changes.errorCode === undefined ? previous.errorMessage : titleOf(changes.errorCode),
    };
    // Object.assign, not a spread: V8 would give each change a hidden class of its own (bench/README.md,
    // finding 48).
    const stored = Object.assign({}, changes, { errorMessage: updated.errorMessage, at });
    const applied = await this.untilStored(() => this.deps.store.messages.setStatus(sid, status, stored, statusCallbackOf(updated) ?? undefined, { from }));
    if (!applied) return previous;
    if (this.inFlight.has(sid)) this.inFlight.set(sid, updated);
    if (this.sent.has(sid)) this.sent.set(sid, updated);
    this.deps.events.emit({ type: 'message', message: updated });
    for (const listener of this.listeners) listener(updated);
    return updated;
  }
}

/** How long a status write waits before trying again while the store is unavailable. */
const STORE_RETRY_MS = 1000;

function titleOf(code: number): string | null {
  return lookupError(code)?.title ?? null;
}
