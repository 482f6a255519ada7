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
 */
import type { CookieView, ExchangeRequest, WebhookExchange } from './records.js';
import { recordedSignedString } from '../webhooks/signature.js';
import { sentFormOf } from '../webhooks/sent-form.js';

type StoredRequest = Omit<ExchangeRequest, 'signedString' | 'params'> & { params: Array<[string, string]> | string; signedString: string | null };

type StoredExchange = Omit<WebhookExchange, 'request' | 'jarAfter'> & {
  request: StoredRequest;
  jarAfter: CookieView[] | null;
};

/** What `URLSearchParams` writes for U+FFFD, and for a lone surrogate, which it replaces with it. */
const REPLACEMENT_CHARACTER = '%EF%BF%BD';

export function exchangeText(x: WebhookExchange): string {
  const request = storedRequest(x.request);
  const jarAfter = sameCookies(x.jarBefore, x.jarAfter) ? null : x.jarAfter;
  const stored: StoredExchange = request === x.request && jarAfter !== null ? x : { ...x, request, jarAfter };
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

export function exchangeFromText(text: string): WebhookExchange {
  const stored = JSON.parse(text) as StoredExchange;
  const { request } = stored;
  const params = typeof request.params === 'string' ? [...new URLSearchParams(request.params)] : request.params;
  return {
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
