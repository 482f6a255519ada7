/**
 * The outbound queue of one SMPP channel: messages wait here until every part has a successful
 * submit_sm_resp, which is when `send()` resolves `sent`.
 *
 * - Order per conversation: a message's parts go only once the conversation's previous message is
 *   wholly accepted, so nothing overtakes, also across throttling, retries and reconnects. The
 *   parts of one message are pipelined.
 * - `window` submit_sm at most without a response on each bind (bind-windows.ts, which picks the
 *   bind), `throughput` per second at most for the channel (throughput.ts). A bind that drops only
 *   takes its own submits with it.
 * - A temporary error retries the part after a delay that doubles per attempt; throttling
 *   (ESME_RTHROTTLED, ESME_RMSGQFUL) pauses every submit for such a delay. A submit_sm with no
 *   response in time, or in flight when the link dropped, is sent again (at least once: the SMSC
 *   may have taken it). A session-level status drops that bind, and the part goes on another or
 *   waits for the rebind.
 * - A permanent error ends the message `failed` with the mapped Twilio code (errors.ts).
 * - A message waiting past its ValidityPeriod before any part was accepted fails with 30036.
 * - Each accepted part is recorded (host.recordSubmitted) before it counts; a message sent again
 *   after a restart skips the parts recorded before.
 */
import type { MessageRecord } from '../../stores/records.js';
import type { ChannelHost, SendOptions, SendOutcome } from '../channel.js';
import type { SmppChannelConfig } from '../../config/channels.js';
import type { Clock } from '../../clock/clock.js';
import type { Logger } from '../../logging/logger.js';
import { validUntilOf } from '../../messages/validity.js';
import { classifySubmitStatus, type ErrorOverrides } from './errors.js';
import { submitIdKey } from './receipts.js';
import { prepare, submitRequest, Unsendable, type PreparedMessage } from './outbound.js';
import { RateLimit } from './throughput.js';
import { validityPeriodField } from './validity-period.js';
import type { SmppSession } from './session.js';
import { statusText, type PDU } from './library.js';
import { Fifo } from './fifo.js';
import { BindWindows, type Transmitter } from './bind-windows.js';

export type QueueConfig = Pick<SmppChannelConfig, 'name' | 'window' | 'throughput' | 'retryDelayMs' | 'retryDelayMaxMs' | 'dataCoding' | 'longMessages' | 'receiptId'
  | 'serviceType' | 'sourceTon' | 'sourceNpi' | 'destTon' | 'destNpi' | 'priority' | 'validityPeriod' | 'receipts'>;

interface Slot {
  index: number;
  state: 'waiting' | 'in-flight' | 'accepted';
  /** submit_sm sent for this part so far. */
  sends: number;
}

interface Job {
  message: MessageRecord;
  conversation: string;
  prepared: PreparedMessage | null;
  slots: Slot[];
  accepted: number;
  inFlight: number;
  /** Not before this (monotonic ms): a retry's delay. */
  notBefore: number;
  retryTimer: NodeJS.Timeout | null;
  /** In the runnable queue now. */
  queued: boolean;
  /** No part can have been accepted before (SendOptions.firstHandover): nothing to read. */
  firstHandover: boolean;
  settled: boolean;
  resolve(outcome: SendOutcome): void;
}

export interface QueueDeps {
  config: QueueConfig;
  overrides: ErrorOverrides;
  host: () => ChannelHost | null;
  /** The channel's binds that submit, in their order. */
  transmitters: readonly Transmitter[];
  clock: Clock;
  logger: Logger;
}

const monotonic = (): number => performance.now();

export class SendQueue {
  private readonly conversations = new Map<string, Job[]>();
  private readonly runnable = new Fifo<Job>();
  private rate: RateLimit;
  private jobs = 0;
  private readonly windows: BindWindows;
  private pausedUntil = 0;
  private throttles = 0;
  private wakeTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private drained: (() => void) | null = null;

  constructor(private deps: QueueDeps) {
    this.rate = new RateLimit(deps.config.throughput);
    this.windows = new BindWindows(deps.transmitters, deps.config.window);
  }

  /**
   * A reload's new settings and binds, taken while running (SmppChannel.adjust): the window and
   * throughput apply at once; messages already held keep the parts they were prepared with.
   */
  configure(config: QueueConfig, overrides: ErrorOverrides, transmitters: readonly Transmitter[]): void {
    if (config.throughput !== this.deps.config.throughput) this.rate = new RateLimit(config.throughput);
    this.deps = { ...this.deps, config, overrides, transmitters };
    this.windows.configure(transmitters, config.window);
    this.pump();
  }

  /** Messages held (not yet wholly accepted by the SMSC). */
  get waiting(): number {
    return this.jobs;
  }

  /** submit_sm sent without a response yet. */
  get inFlight(): number {
    return this.windows.inFlight;
  }

  /** submit_sm sent on one session without a response yet. */
  inFlightOn(session: SmppSession): number {
    return this.windows.inFlightOn(session);
  }

  send(message: MessageRecord, options?: SendOptions): Promise<SendOutcome> {
    // Not started (or stopped): without the host the parts sent before a restart cannot be known.
    if (this.stopping || !this.deps.host()) return Promise.resolve({ kind: 'retry', errorCode: 30008, retryAfterMs: 1000 });
    return new Promise<SendOutcome>((resolve) => {
      const job: Job = {
        message, conversation: `${message.accountSid} ${message.from} ${message.to}`, prepared: null, slots: [], accepted: 0, inFlight: 0,
        notBefore: 0, retryTimer: null, queued: false, firstHandover: options?.firstHandover === true, settled: false, resolve,
      };
      // In the conversation's line at once, so the order is the order of `send` calls.
      const line = this.conversations.get(job.conversation);
      if (line) line.push(job);
      else this.conversations.set(job.conversation, [job]);
      this.jobs++;
      this.startExpiry();
      void this.load(job);
    });
  }

  /** The link is bound: go. */
  wake(): void {
    this.pump();
  }

  /**
   * Stops submitting, waits (at most `timeoutMs`) for the responses of submits in flight, then
   * hands every message still held back as `retry`: they stay queued in the store.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.windows.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drained = () => { clearTimeout(timer); resolve(); };
      });
    }
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    for (const line of this.conversations.values()) {
      for (const job of line) this.settle(job, { kind: 'retry', errorCode: 30008, retryAfterMs: 1000 });
    }
    this.conversations.clear();
  }

  /**
   * Hands back the held messages `leave` picks (Channel.release): from the front of each
   * conversation's line, while the messages have no submit in flight; the first that stays keeps
   * the rest of its line behind it.
   */
  release(leave: (message: MessageRecord) => boolean): MessageRecord[] {
    const released: MessageRecord[] = [];
    for (const [conversation, line] of this.conversations) {
      let count = 0;
      while (count < line.length && line[count]!.inFlight === 0 && leave(line[count]!.message)) count++;
      if (count === 0) continue;
      for (const job of line.splice(0, count)) {
        this.settle(job, { kind: 'retry', errorCode: 30008, retryAfterMs: 0, released: true });
        released.push(job.message);
      }
      if (line.length === 0) this.conversations.delete(conversation);
      else this.enqueue(line[0]!);
    }
    return released;
  }

  /** Prepares a job's parts and skips those accepted before a restart. */
  private async load(job: Job): Promise<void> {
    try {
      job.prepared = prepare(job.message, this.deps.config);
    } catch (error) {
      const errorCode = error instanceof Unsendable ? error.errorCode : 30008;
      this.deps.logger.warn({ channel: this.deps.config.name, messageSid: job.message.sid, reason: (error as Error).message }, 'message cannot go over SMPP');
      this.finish(job, { kind: 'failed', errorCode });
      return;
    }
    const total = job.prepared.text.parts.length;
    job.slots = Array.from({ length: total }, (_, index) => ({ index, state: 'waiting' as const, sends: 0 }));
    const host = this.deps.host();
    let before: Awaited<ReturnType<ChannelHost['submittedParts']>>;
    try {
      // A first hand-over skips the read (a store round trip a message, bench/README.md finding 60).
      before = host && !job.firstHandover ? await host.submittedParts(job.message.sid) : [];
    } catch (error) {
      // Not knowing what went before, send nothing yet: read again later (the conversation waits).
      this.deps.logger.error({ err: error, channel: this.deps.config.name, messageSid: job.message.sid }, 'could not read the parts accepted before; trying again');
      job.prepared = null;
      job.retryTimer = setTimeout(() => {
        job.retryTimer = null;
        if (!job.settled) void this.load(job);
      }, this.backoff(1));
      return;
    }
    for (const part of before) {
      const slot = job.slots[part.index];
      if (slot && slot.state !== 'accepted') {
        slot.state = 'accepted';
        job.accepted++;
      }
    }
    if (job.settled) return;
    if (job.accepted === total) {
      this.finish(job, { kind: 'sent' });
      return;
    }
    if (this.isHead(job)) this.enqueue(job);
  }

  private isHead(job: Job): boolean {
    return this.conversations.get(job.conversation)?.[0] === job;
  }

  private enqueue(job: Job, front = false): void {
    if (job.queued || job.settled || !job.prepared) return;
    if (job.notBefore > monotonic()) {
      this.later(job);
      return;
    }
    job.queued = true;
    if (front) this.runnable.unshift(job);
    else this.runnable.push(job);
    this.pump();
  }

  /** Puts a job back once its retry delay has passed. */
  private later(job: Job): void {
    if (job.retryTimer) return;
    job.retryTimer = setTimeout(() => {
      job.retryTimer = null;
      this.enqueue(job, true);
    }, Math.max(0, job.notBefore - monotonic()));
  }

  /** Submits what the binds' windows, the rate and the SMSC's pause allow. */
  private pump(): void {
    if (this.stopping) return;
    for (;;) {
      // None bound, or every window full: a bind calls wake() once bound, a response pumps again.
      const at = this.windows.roomiest();
      if (at < 0) return;
      const job = this.runnable.peek();
      if (!job) return;
      const now = monotonic();
      const until = Math.max(this.pausedUntil, this.rate.nextAt(now));
      if (until > now) {
        this.wakeAt(until);
        return;
      }
      if (job.settled || !job.prepared || job.notBefore > now) {
        this.runnable.shift();
        job.queued = false;
        if (!job.settled && job.prepared) this.later(job);
        continue;
      }
      const slot = job.slots.find((s) => s.state === 'waiting');
      if (slot) {
        const session = this.windows.take(at);
        slot.state = 'in-flight';
        slot.sends++;
        job.inFlight++;
        this.rate.take(now);
        this.submit(job, slot, session);
      }
      if (!job.slots.some((s) => s.state === 'waiting')) {
        this.runnable.shift();
        job.queued = false;
      }
    }
  }

  private wakeAt(at: number): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.pump();
    }, Math.max(1, Math.ceil(at - monotonic())));
  }

  private submit(job: Job, slot: Slot, session: SmppSession): void {
    const prepared = job.prepared!;
    const part = prepared.text.parts[slot.index]!;
    const { validityPeriod } = this.deps.config;
    // The default (`none`) reads no clock: the field goes empty.
    const validity = validityPeriod === 'none' ? '' : validityPeriodField(validityPeriod, validUntilOf(job.message), this.deps.clock.now(), Date.now());
    session.requestThen('submit_sm', submitRequest(prepared, part, validity), (response) => this.answered(job, slot, response, session), (error) => {
      this.submitDone(job, session);
      // No response in time, or the link dropped with it in flight: send it again (at least once).
      const timeout = error.kind === 'timeout';
      this.deps.logger.warn({ channel: this.deps.config.name, messageSid: job.message.sid, part: slot.index + 1, reason: error.message }, 'submit_sm unanswered; it will be sent again');
      this.retry(job, slot, timeout ? this.backoff(slot.sends) : 0);
    });
  }

  /**
   * A submit_sm_resp, as it is read. An accepted part's record starts at once, ahead of any receipt
   * read with the response: the receipt then finds its part in the same commit, instead of being kept
   * as unmatched (a warning and a count in parley_receipts_unmatched_total) until the part is
   * recorded (bench/README.md, finding 91). Any other status is handled after the read, as before.
   */
  private answered(job: Job, slot: Slot, response: PDU, session: SmppSession): void {
    const status = response.command_status;
    const outcome = classifySubmitStatus(status, { attempt: slot.sends, overrides: this.deps.overrides });
    if (outcome.kind === 'ok') {
      this.submitDone(job, session);
      this.throttles = 0;
      void this.accept(job, slot, typeof response.message_id === 'string' ? response.message_id : '');
      return;
    }
    queueMicrotask(() => {
      this.submitDone(job, session);
      switch (outcome.kind) {
        case 'retry':
          if (outcome.throttle) {
            this.throttles++;
            this.pausedUntil = monotonic() + this.backoff(this.throttles);
            this.retry(job, slot, 0);
          } else {
            this.retry(job, slot, this.backoff(slot.sends));
          }
          return;
        case 'rebind':
          // Drop first, so the part goes on another bind or waits for the new one, not on this session again.
          void session.destroy(`${statusText(status)} on submit_sm: binding again`);
          this.retry(job, slot, 0);
          return;
        case 'failed':
          this.deps.logger.warn({ channel: this.deps.config.name, messageSid: job.message.sid, status: statusText(status), errorCode: outcome.errorCode }, 'the SMSC refused a message');
          this.finish(job, { kind: 'failed', errorCode: outcome.errorCode });
      }
    });
  }

  private submitDone(job: Job, session: SmppSession): void {
    job.inFlight--;
    this.windows.done(session);
    if (this.windows.inFlight === 0 && this.drained) this.drained();
  }

  /** Records an accepted part; the message is `sent` once every part is. */
  private async accept(job: Job, slot: Slot, smscId: string): Promise<void> {
    const host = this.deps.host();
    try {
      if (!host) throw new Error('the channel is stopped');
      await host.recordSubmitted({
        messageSid: job.message.sid, accountSid: job.message.accountSid, channel: this.deps.config.name, index: slot.index,
        total: job.slots.length, smscId, receiptKey: submitIdKey(smscId, this.deps.config.receiptId), submittedAt: this.deps.clock.now(),
      });
    } catch (error) {
      // Not recorded, so not accepted: the part goes again (the SMSC may get it twice).
      this.deps.logger.error({ err: error, channel: this.deps.config.name, messageSid: job.message.sid }, 'could not record an accepted part; it will be sent again');
      this.retry(job, slot, this.backoff(slot.sends));
      return;
    }
    slot.state = 'accepted';
    job.accepted++;
    if (job.accepted === job.slots.length) this.finish(job, { kind: 'sent' });
    else this.pump();
  }

  private retry(job: Job, slot: Slot, delayMs: number): void {
    slot.state = 'waiting';
    if (job.settled) return;
    if (delayMs > 0) job.notBefore = Math.max(job.notBefore, monotonic() + delayMs);
    this.enqueue(job, true);
    this.pump();
  }

  private backoff(attempt: number): number {
    const { retryDelayMs, retryDelayMaxMs } = this.deps.config;
    return Math.min(retryDelayMs * 2 ** Math.max(0, attempt - 1), retryDelayMaxMs);
  }

  /** Ends a job with its outcome; the conversation's next message may go. */
  private finish(job: Job, outcome: SendOutcome): void {
    if (job.settled) return;
    this.settle(job, outcome);
    const line = this.conversations.get(job.conversation);
    if (!line) return;
    const at = line.indexOf(job);
    if (at >= 0) line.splice(at, 1);
    if (line.length === 0) this.conversations.delete(job.conversation);
    else if (at === 0) this.enqueue(line[0]!);
    this.pump();
  }

  private settle(job: Job, outcome: SendOutcome): void {
    if (job.settled) return;
    job.settled = true;
    if (job.retryTimer) clearTimeout(job.retryTimer);
    this.jobs--;
    job.resolve(outcome);
  }

  /** Fails, with 30036, messages still wholly unsent past their ValidityPeriod (checked each second). */
  private startExpiry(): void {
    if (this.expiryTimer) return;
    this.expiryTimer = setInterval(() => {
      if (this.jobs === 0) {
        clearInterval(this.expiryTimer!);
        this.expiryTimer = null;
        return;
      }
      const now = this.deps.clock.now();
      for (const line of [...this.conversations.values()]) {
        for (const job of [...line]) {
          if (job.accepted === 0 && job.inFlight === 0 && now > validUntilOf(job.message)) this.finish(job, { kind: 'failed', errorCode: 30036 });
        }
      }
    }, 1000);
    this.expiryTimer.unref();
  }
}
