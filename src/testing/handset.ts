/**
 * A simulated handset of the test harness: texts a Parley number and waits for the replies of
 * that turn, through the simulator's HTTP API, exactly as a real client would.
 */
import { callApi, type Connection } from '../cli/api-client.js';
import type { WebhookExchange } from '../stores/records.js';

/** One message as the harness returns it. */
export interface TestMessage {
  sid: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  body: string;
  status: string;
  numMedia: number;
  dateCreated: Date;
}

/** Everything about one turn: the replies, the webhook exchanges and the error, if any. */
export interface Turn {
  message: TestMessage;
  replies: TestMessage[];
  /** True once Parley finished the turn (false when the wait timed out). */
  done: boolean;
  errorCode: number | null;
  errorMessage: string | null;
  exchanges: WebhookExchange[];
}

export interface SendOptions {
  /** The Parley number to text; may be left out when the gateway has exactly one number. */
  to?: string;
  /** Media URLs (MMS). */
  media?: string[];
  /** How long to wait for the app's replies, in ms (default 10 000). */
  timeoutMs?: number;
}

/** A turn that timed out or whose webhook failed; the message says what Parley saw. */
export class TurnError extends Error {
  override readonly name = 'TurnError';
  constructor(message: string, readonly turn: Turn) {
    super(message);
  }

  /** The Twilio error code of the turn (11200 webhook failure, 12100 bad TwiML, ...), or null. */
  get code(): number | null {
    return this.turn.errorCode;
  }
}

interface MessageJson {
  sid: string;
  direction: string;
  from: string;
  to: string;
  body: string;
  status: string;
  num_media: string;
  date_created: string;
}

interface TurnJson {
  message: MessageJson;
  turn: { status: string; error_code: number | null; error_message: string | null };
  replies: MessageJson[];
  exchanges: WebhookExchange[];
}

const MAX_WAIT_MS = 60_000; // the server caps one long-poll at a minute

export function toTestMessage(m: MessageJson): TestMessage {
  return {
    sid: m.sid, direction: m.direction === 'inbound' ? 'inbound' : 'outbound', from: m.from, to: m.to, body: m.body,
    status: m.status, numMedia: Number(m.num_media), dateCreated: new Date(m.date_created),
  };
}

/** One line per webhook exchange, for failure messages: `POST http://… → 500 (error 11200: …)`. */
export function summarizeExchanges(exchanges: WebhookExchange[]): string {
  if (exchanges.length === 0) return '  (no webhook exchange yet: is the number\'s SmsUrl set, and is the app listening?)';
  return exchanges.map((x) => {
    const status = x.response ? `${x.response.status} in ${x.response.durationMs} ms` : 'no response';
    const error = x.errorCode ? ` (error ${x.errorCode}: ${x.errorMessage ?? ''})` : '';
    const body = x.response && x.response.status >= 400 ? `\n      body: ${JSON.stringify(x.response.body.slice(0, 200))}` : '';
    return `  ${x.purpose} ${x.request.method} ${x.request.url} → ${status}${error}${body}`;
  }).join('\n');
}

export class Handset {
  constructor(
    readonly phoneNumber: string,
    private readonly conn: Connection,
    private readonly defaultNumber: () => Promise<string>,
  ) {}

  /**
   * Texts `body` and resolves with the replies of that turn. Rejects with a TurnError when the
   * app does not answer within the timeout or the webhook fails (the message includes each
   * webhook exchange and the Twilio error code).
   */
  async send(body: string, options: SendOptions = {}): Promise<TestMessage[]> {
    const turn = await this.turn(body, options);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const what = `${JSON.stringify(body)} from ${this.phoneNumber} to ${turn.message.to} (${turn.message.sid})`;
    if (!turn.done) {
      throw new TurnError(`no reply within ${timeoutMs} ms to ${what}; webhook exchanges so far:\n${summarizeExchanges(turn.exchanges)}`, turn);
    }
    if (turn.errorCode !== null) {
      throw new TurnError(
        `the turn for ${what} failed with Twilio error ${turn.errorCode}: ${turn.errorMessage ?? ''}\n${summarizeExchanges(turn.exchanges)}`, turn);
    }
    return turn.replies;
  }

  /** Like `send`, but resolves with the whole turn (errors included) instead of rejecting. */
  async turn(body: string, options: SendOptions = {}): Promise<Turn> {
    const to = options.to ?? await this.defaultNumber();
    const form: Array<[string, string]> = [['From', this.phoneNumber], ['To', to], ['Body', body]];
    for (const url of options.media ?? []) form.push(['MediaUrl', url]);
    const inbound = await callApi<MessageJson>(this.conn, 'POST', '/simulator/messages', form);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const waitMs = Math.max(1, Math.min(MAX_WAIT_MS, deadline - Date.now()));
      const view = await callApi<TurnJson>(this.conn, 'GET', `/simulator/messages/${inbound.sid}?Wait=${waitMs}ms`);
      const done = view.turn.status === 'done';
      if (done || Date.now() >= deadline) {
        return {
          message: toTestMessage(view.message), replies: view.replies.map(toTestMessage), done,
          errorCode: view.turn.error_code, errorMessage: view.turn.error_message, exchanges: view.exchanges,
        };
      }
    }
  }

  /** The handset's whole conversation, oldest first (optionally only with one Parley number). */
  async thread(options: { number?: string } = {}): Promise<TestMessage[]> {
    const query = options.number ? `?Number=${encodeURIComponent(options.number)}` : '';
    const result = await callApi<{ messages: MessageJson[] }>(this.conn, 'GET', `/simulator/handsets/${encodeURIComponent(this.phoneNumber)}/messages${query}`);
    return result.messages.map(toTestMessage);
  }
}
