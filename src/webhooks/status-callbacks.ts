/**
 * Status callbacks: a message's `StatusCallback` (API create, or the `statusCallback` of a TwiML
 * `<Message>`) is told of each status change, as Twilio does: POST, form-encoded, signed with the
 * account's auth token (reference 6.8). Callbacks of one message go out one at a time in the
 * order of its changes; each is recorded as a webhook exchange the console can show.
 * Initial statuses (queued, accepted, scheduled) send none (reference 6.7).
 */
import type { Gateway } from '../gateway/gateway.js';
import type { MessageRecord, MessageStatus, WebhookExchange } from '../stores/records.js';
import { conversationId } from '../stores/records.js';
import { newSid } from '../ids/sid.js';
import { WebhookClient } from './client.js';
import { idempotencyToken } from './params.js';

const NOTIFIED: ReadonlySet<MessageStatus> = new Set(['sent', 'failed', 'delivered', 'undelivered', 'canceled', 'read']);

export function statusCallbackParams(m: MessageRecord): Array<[string, string]> {
  const params: Array<[string, string]> = [
    ['SmsSid', m.sid], ['SmsStatus', m.status], ['MessageStatus', m.status], ['To', m.to], ['MessageSid', m.sid],
    ['AccountSid', m.accountSid], ['From', m.from], ['ApiVersion', '2010-04-01'],
  ];
  if (m.messagingServiceSid) params.push(['MessagingServiceSid', m.messagingServiceSid]);
  if ((m.status === 'failed' || m.status === 'undelivered') && m.errorCode !== null) params.push(['ErrorCode', String(m.errorCode)]);
  return params;
}

export class StatusCallbacks {
  private readonly client = new WebhookClient({ connections: 16 });
  /** The tail of each message's callback chain: a callback starts after the previous one ended. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly seqs = new Map<string, number>();

  constructor(private readonly gateway: Gateway) {
    gateway.delivery.onStatus((message) => this.notify(message));
  }

  /** Queues the callback for this status of the message (if it has a StatusCallback). */
  notify(message: MessageRecord): void {
    if (!message.statusCallback || !NOTIFIED.has(message.status)) return;
    const previous = this.chains.get(message.sid) ?? Promise.resolve();
    // A failed request is recorded on its exchange; nothing here may break the chain.
    const next = previous.then(() => this.send(message)).catch(() => undefined);
    this.chains.set(message.sid, next);
    void next.finally(() => {
      if (this.chains.get(message.sid) === next) {
        this.chains.delete(message.sid);
        this.seqs.delete(message.sid);
      }
    });
  }

  /** Waits for every queued callback (shutdown). */
  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.client.close();
  }

  private async send(message: MessageRecord): Promise<void> {
    const { store, clock } = this.gateway;
    const account = await store.accounts.get(message.accountSid);
    if (!account || !message.statusCallback) return;
    const seq = (this.seqs.get(message.sid) ?? 0) + 1;
    this.seqs.set(message.sid, seq);
    const startedAt = clock.now();
    const result = await this.client.send({
      method: 'POST',
      configuredUrl: message.statusCallback,
      params: statusCallbackParams(message),
      authToken: account.authToken,
      // Distinct from the inbound turn's tokens: keyed on the status, stable across a retry.
      idempotencyToken: idempotencyToken(`${message.sid}:${message.status}`, seq),
      cookie: null,
    }, () => clock.now());
    const outbound = message.direction !== 'inbound';
    const exchange: WebhookExchange = {
      sid: newSid('WX', startedAt),
      accountSid: message.accountSid,
      messageSid: message.sid,
      conversationId: outbound ? conversationId({ accountSid: message.accountSid, number: bare(message.from), handset: bare(message.to) }) : null,
      purpose: 'status-callback',
      seq,
      startedAt,
      request: result.request,
      response: result.response && {
        status: result.response.status, headers: result.response.headers, body: result.response.body,
        durationMs: result.response.durationMs,
      },
      errorCode: result.errorCode ?? (result.response && result.response.status >= 400 ? 11200 : null),
      errorMessage: result.errorMessage,
      jarBefore: [],
      jarAfter: [],
      steps: [`MessageStatus=${message.status}`],
    };
    await store.exchanges.insert(exchange);
    this.gateway.events.emit({ type: 'exchange', exchange });
  }
}

function bare(address: string): string {
  const colon = address.indexOf(':');
  return colon > 0 ? address.slice(colon + 1) : address;
}
