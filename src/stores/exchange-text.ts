/**
 * A webhook exchange as both stores keep it (the `record` column): JSON, without what a read can
 * derive again (bench/README.md, finding 36). Left out, as null, in place:
 * - the signed string, when it is the recorded URL and parameters again (`recordedSignedString`;
 *   not when the URL carried credentials, which the record masks and the signature left out);
 * - the jar after the exchange, when it is the jar before it, as on most turns.
 * About a quarter of a turn's record (2,180 bytes to 1,670 in the bench). Records written before
 * this keep both fields and read back as they are.
 */
import type { CookieView, ExchangeRequest, WebhookExchange } from './records.js';
import { recordedSignedString, signedStringIsRederivable } from '../webhooks/signature.js';

type StoredExchange = Omit<WebhookExchange, 'request' | 'jarAfter'> & {
  request: Omit<ExchangeRequest, 'signedString'> & { signedString: string | null };
  jarAfter: CookieView[] | null;
};

export function exchangeText(x: WebhookExchange): string {
  const request = signedStringIsRederivable(x.request) ? { ...x.request, signedString: null } : x.request;
  const jarAfter = sameCookies(x.jarBefore, x.jarAfter) ? null : x.jarAfter;
  const stored: StoredExchange = request === x.request && jarAfter !== null ? x : { ...x, request, jarAfter };
  return JSON.stringify(stored);
}

export function exchangeFromText(text: string): WebhookExchange {
  const stored = JSON.parse(text) as StoredExchange;
  const { request } = stored;
  return {
    ...stored,
    request: { ...request, signedString: request.signedString ?? recordedSignedString(request) },
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
