/**
 * Status callbacks: a message's `StatusCallback` (API create, a Messaging Service, or the
 * `statusCallback` of a TwiML `<Message>`) is told of each status change, as Twilio does: POST,
 * form-encoded, signed with the account's auth token (reference 6.8).
 *
 * Durability (issue 6): the callback is not sent from memory. `statusCallbackOf` builds the job and
 * the store writes it in the same transaction as the status change (`messages.setStatus`), into
 * an outbox table. This dispatcher sends from that table: a message's callbacks one at a time in
 * the order of its changes; a failed one is retried with exponential backoff for a bounded time
 * (`RetryPolicy`), then recorded as an alert and given up. A crash loses nothing: after a restart
 * every waiting callback is sent (at-least-once, with the same `I-Twilio-Idempotency-Token`).
 * Initial statuses (queued, accepted, scheduled) send none, except `queued` for a message of a
 * Messaging Service (reference 6.7).
 */
import type { Gateway } from '../gateway/gateway.js';
import type { AlertRecord, MessageRecord, MessageStatus, NewStatusCallback, StatusCallbackJob, WebhookExchange } from '../stores/records.js';
import { conversationId } from '../stores/records.js';
import { lookupError } from '../errors/catalog.js';
import { alertFor } from '../errors/alerts.js';
import { newSid } from '../ids/sid.js';
import { WebhookClient, recordedResponse } from './client.js';
import { idempotencyToken } from './params.js';
import { withoutChannelPrefix } from '../phone/numbers.js';

const NOTIFIED: ReadonlySet<MessageStatus> = new Set(['sent', 'failed', 'delivered', 'undelivered', 'canceled', 'read']);

/** How long and how often a failing callback is tried again. */
export interface RetryPolicy {
  /** Delay before the first retry; each later one doubles it, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Give up once the next attempt would start later than this after the status change. */
  windowMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { firstDelayMs: 1000, maxDelayMs: 60_000, windowMs: 10 * 60_000 };

/** At most this many callbacks in flight at once (one per message). */
const MAX_IN_FLIGHT = 32;
/** How long a handled callback is remembered against stale reads of the outbox (far longer than a read takes). */
const HANDLED_KEPT_MS = 60_000;
/** A safety poll, for jobs written by paths that did not kick the dispatcher. */
const POLL_MS = 1000;

export function statusCallbackParams(m: MessageRecord): Array<[string, string]> {
  const params: Array<[string, string]> = [
    ['SmsSid', m.sid], ['SmsStatus', m.status], ['MessageStatus', m.status], ['To', m.to], ['MessageSid', m.sid],
    ['AccountSid', m.accountSid], ['From', m.from], ['ApiVersion', '2010-04-01'],
  ];
  if (m.messagingServiceSid) params.push(['MessagingServiceSid', m.messagingServiceSid]);
  if ((m.status === 'failed' || m.status === 'undelivered') && m.errorCode !== null) params.push(['ErrorCode', String(m.errorCode)]);
  // The carrier's delivery-receipt time (reference 6.8); the simulator's receipt is the status change.
  if (m.status === 'delivered' || m.status === 'undelivered') params.push(['RawDlrDoneDate', rawDlrDoneDate(m.dateUpdated)]);
  return params;
}

/** `YYMMDDhhmm` in UTC, the format of an SMPP delivery receipt's "done date". */
export function rawDlrDoneDate(at: number): string {
  const d = new Date(at);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}

/** The outbox job reporting this (new) status of the message, or null when none is due. */
export function statusCallbackOf(m: MessageRecord): NewStatusCallback | null {
  if (!m.statusCallback) return null;
  if (!NOTIFIED.has(m.status) && !(m.status === 'queued' && m.messagingServiceSid)) return null;
  const outbound = m.direction !== 'inbound';
  return {
    accountSid: m.accountSid,
    messageSid: m.sid,
    conversationId: outbound ? conversationId({ accountSid: m.accountSid, number: withoutChannelPrefix(m.from), handset: withoutChannelPrefix(m.to) }) : null,
    url: m.statusCallback,
    params: statusCallbackParams(m),
    createdAt: m.dateUpdated,
  };
}

export class StatusCallbacks {
  private readonly client = new WebhookClient({ connections: 16 });
  private readonly policy: RetryPolicy;
  /** Messages whose head callback is being sent now (their next one waits for it). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * Callbacks this dispatcher finished or rescheduled lately, with the attempts they had then
   * (finished: Infinity). A read of the outbox that started before that write committed (a
   * database read is not instant) still shows the old row: it must not be sent again.
   */
  private readonly handled = new Map<number, { attempts: number; at: number }>();
  private timer: NodeJS.Timeout | null = null;
  private passing: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly gateway: Gateway, policy: Partial<RetryPolicy> = {}) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...policy };
    // The job is already committed with the status; this only saves waiting for the poll
    // (and costs nothing for the many messages without a callback).
    gateway.delivery.onStatus((message) => {
      if (message.statusCallback) this.kick();
    });
  }

  /** Starts sending what is waiting (including what a previous run left). */
  start(): void {
    this.kick();
  }

  /** Looks at the outbox now (call after writing a job). */
  kick(): void {
    if (this.stopped) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = this.pass()
      .catch((error: unknown) => this.gateway.logger.error({ err: error }, 'status callback pass failed; the poll tries again'))
      .finally(() => {
        this.passing = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Stops taking jobs; lets requests in flight finish. Waiting jobs stay in the outbox. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.passing;
    await Promise.all(this.inFlight.values());
    await this.client.close();
  }

  private async pass(): Promise<void> {
    const { store, clock } = this.gateway;
    const heads = await store.callbacks.heads(this.inFlight.size + MAX_IN_FLIGHT * 2);
    const now = clock.now();
    let nextAt = now + POLL_MS;
    const cutoff = Date.now() - HANDLED_KEPT_MS;
    for (const [id, { at }] of this.handled) { // oldest first: stop at the first one still kept
      if (at >= cutoff) break;
      this.handled.delete(id);
    }
    for (const job of heads) {
      if (this.inFlight.has(job.messageSid)) continue;
      if (job.attempts < (this.handled.get(job.id)?.attempts ?? 0)) continue; // a stale read of a job handled since
      if (job.nextAttemptAt > now) {
        nextAt = Math.min(nextAt, job.nextAttemptAt);
        continue;
      }
      if (this.inFlight.size >= MAX_IN_FLIGHT) break;
      const attempt = this.attempt(job)
        .then((attempts) => void this.handled.set(job.id, { attempts, at: Date.now() }))
        .catch((error: unknown) => this.gateway.logger.error({ err: error, messageSid: job.messageSid }, 'status callback attempt failed'))
        .finally(() => {
          this.inFlight.delete(job.messageSid);
          this.kick(); // the message's next callback, if any, is now the head
        });
      this.inFlight.set(job.messageSid, attempt);
    }
    if (this.timer) clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.kick(), Math.max(10, nextAt - now));
    this.timer.unref();
  }

  /** Sends the callback once; resolves with its attempts so far, or Infinity once it is finished. */
  private async attempt(job: StatusCallbackJob): Promise<number> {
    const { store, clock, events } = this.gateway;
    const account = await store.accounts.get(job.accountSid);
    if (!account) {
      await store.callbacks.finish(job.id, null, null);
      return Number.POSITIVE_INFINITY;
    }
    const startedAt = clock.now();
    const result = await this.client.send({
      method: 'POST',
      configuredUrl: job.url,
      params: job.params,
      authToken: account.authToken,
      // One token per callback, the same on every retry and after a restart.
      idempotencyToken: idempotencyToken(`${job.messageSid}:status-callback`, job.id),
      cookie: null,
    }, () => clock.now());
    const errorCode = result.errorCode ?? (result.response && result.response.status >= 400 ? 11200 : null);
    const attempts = job.attempts + 1;
    const status = job.params.find(([k]) => k === 'MessageStatus')?.[1] ?? '';
    const exchange: WebhookExchange = {
      sid: newSid('WX', startedAt),
      accountSid: job.accountSid,
      messageSid: job.messageSid,
      conversationId: job.conversationId,
      purpose: 'status-callback',
      seq: job.id,
      startedAt,
      request: result.request,
      response: recordedResponse(result.response),
      errorCode,
      errorMessage: result.errorMessage ?? (errorCode === 11200 ? `HTTP retrieval failure: the app answered ${result.response?.status ?? ''}` : null),
      jarBefore: [],
      jarAfter: [],
      steps: [`MessageStatus=${status}`, `attempt ${attempts}`],
    };
    if (errorCode === null) {
      await store.callbacks.finish(job.id, exchange, null);
      events.emit({ type: 'exchange', exchange });
      return Number.POSITIVE_INFINITY;
    }
    const now = clock.now();
    const delay = Math.min(this.policy.maxDelayMs, this.policy.firstDelayMs * 2 ** (attempts - 1));
    if (now + delay - job.createdAt <= this.policy.windowMs) {
      await store.callbacks.retryLater(job.id, attempts, now + delay, exchange);
      events.emit({ type: 'exchange', exchange });
      return attempts;
    }
    const alert = givenUpAlert(job, exchange, errorCode, attempts, now);
    await store.callbacks.finish(job.id, exchange, alert);
    events.emit({ type: 'exchange', exchange });
    events.emit({ type: 'alert', alert });
    return Number.POSITIVE_INFINITY;
  }
}

/** The error-log entry of a callback Parley stopped trying, with the last request and answer. */
function givenUpAlert(job: StatusCallbackJob, exchange: WebhookExchange, code: number, attempts: number, at: number): AlertRecord {
  const seconds = Math.round((at - job.createdAt) / 1000);
  // Always an error here, even for a code the catalog calls a warning: the callback is lost.
  return {
    ...alertFor({
      accountSid: job.accountSid, resourceSid: job.messageSid, code, exchange, at,
      text: `Status callback to ${exchange.request.url} failed (${lookupError(code)?.title ?? 'error'}); gave up after ${attempts} attempts over ${seconds} s`,
    }),
    logLevel: 'error',
  };
}

