/**
 * A webhook exchange as both stores keep it (the `record` column): JSON, without what a read can
 * derive again (bench/README.md, finding 36). Left out, as null, in place:
 * - the signed string, when it is the recorded URL and parameters again (`recordedSignedString`;
 *   not when the URL carried credentials, which the record masks and the signature left out);
 * - the jar after the exchange, when it is the jar before it, as on most turns.
 * About a quarter of a turn's record (2,180 bytes to 1,670 in the bench). And the parameters are kept
 * as the form the request sent (`sentFormOf`, which also says whether the signed string can be
 * derived again), one string, which reads back to the same pairs
 * (finding 89): not when a parameter was not well-formed UTF-16 (the form has U+FFFD in its place),
 * nor for a request the client did not send. Records written before either keep the fields as they
 * were and read back as they are.
 *
 * The exchange's own SID, its account's, its message's and its conversation's id are columns of the
 * row beside the record, so the record leaves them out and a read takes them from the row (finding
 * 107): about 230 of a turn's 1,620 bytes. Records written with them read back as they are.
 */
import type { CookieView, ExchangeRequest, WebhookExchange } from './records.js';
import { recordedSignedString } from '../webhooks/signature.js';
import { sentFormOf } from '../webhooks/sent-form.js';

type StoredRequest = Omit<ExchangeRequest, 'signedString' | 'params'> & { params: Array<[string, string]> | string; signedString: string | null };

/** The fields a row keeps as columns of its own. */
type RowKeys = 'sid' | 'accountSid' | 'messageSid' | 'conversationId';

type StoredExchange = Omit<WebhookExchange, RowKeys | 'request' | 'jarAfter'> & {
  request: StoredRequest;
  jarAfter: CookieView[] | null;
};

/** An exchange's row as both stores write it and read it back, and its columns in that order. */
export const EXCHANGE_ROW_COLUMNS = 'sid, account_sid, message_sid, conversation_id, record';

export interface ExchangeRow {
  sid: string;
  account_sid: string;
  message_sid: string;
  conversation_id: string | null;
  record: string;
}

/** What `URLSearchParams` writes for U+FFFD, and for a lone surrogate, which it replaces with it. */
const REPLACEMENT_CHARACTER = '%EF%BF%BD';

/** The `record` column of `x`'s row; the row's other columns are `x`'s SIDs and conversation id. */
export function exchangeText(x: WebhookExchange): string {
  const stored: StoredExchange = {
    purpose: x.purpose, seq: x.seq, startedAt: x.startedAt, request: storedRequest(x.request), response: x.response, errorCode: x.errorCode,
    errorMessage: x.errorMessage, jarBefore: x.jarBefore, jarAfter: sameCookies(x.jarBefore, x.jarAfter) ? null : x.jarAfter, steps: x.steps,
  };
  return JSON.stringify(stored);
}

function storedRequest(r: ExchangeRequest): StoredRequest {
  const sent = sentFormOf(r);
  if (!sent) return r;
  const keepsForm = !sent.form.includes(REPLACEMENT_CHARACTER);
  const rederivable = sent.signedStringRederivable;
  if (!rederivable && !keepsForm) return r;
  // Written whole, in the request's own field order: reads give back the same keys in the same order.
  return { method: r.method, url: r.url, headers: r.headers, params: keepsForm ? sent.form : r.params, signedString: rederivable ? null : r.signedString, signature: r.signature };
}

export function exchangeFromRow(row: ExchangeRow): WebhookExchange {
  // A record written before finding 107 holds the keys too, with the same values: its own win.
  const stored = JSON.parse(row.record) as StoredExchange & Partial<Pick<WebhookExchange, RowKeys>>;
  const { request } = stored;
  const params = typeof request.params === 'string' ? [...new URLSearchParams(request.params)] : request.params;
  return {
    sid: row.sid, accountSid: row.account_sid, messageSid: row.message_sid, conversationId: row.conversation_id,
    ...stored,
    request: { ...request, params, signedString: request.signedString ?? recordedSignedString({ method: request.method, url: request.url, params }) },
    jarAfter: stored.jarAfter ?? stored.jarBefore.map((cookie) => ({ ...cookie })),
  };
}

function sameCookies(a: readonly CookieView[], b: readonly CookieView[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    return x.name === y.name && x.value === y.value && x.domain === y.domain && x.path === y.path
      && x.expires === y.expires && x.httpOnly === y.httpOnly && x.secure === y.secure;
  });
}
