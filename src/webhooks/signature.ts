/**
 * X-Twilio-Signature: base64(HMAC-SHA1(authToken, url + sorted(name + value)...)).
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 *
 * The URL is signed exactly as configured (explicit port kept, none added), minus the
 * connection-override fragment; GET requests sign the URL with its query string and append no
 * parameters. Repeated names contribute each distinct value in sorted order, as the official
 * validators compute it.
 */
import { createHmac } from 'node:crypto';
import type { ExchangeRequest } from '../stores/records.js';

export type FormParams = ReadonlyArray<readonly [string, string]>;

/** The exact string that is signed, shown by the console next to the signature. */
export function signedString(url: string, params: FormParams): string {
  // Sorted by name, then value; a pair repeated exactly counts once. (One sort of the pairs: a map of
  // sets per name cost several times as much on every webhook.)
  const pairs = params.slice().sort((a, b) => compareBytes(a[0], b[0]) || compareBytes(a[1], b[1]));
  let out = url;
  let previous: readonly [string, string] | undefined;
  for (const pair of pairs) {
    if (previous === undefined || pair[0] !== previous[0] || pair[1] !== previous[1]) out += pair[0] + pair[1];
    previous = pair;
  }
  return out;
}

/**
 * What a request as recorded signed: its URL (GET), or its URL and parameters (POST). True of every
 * request the webhook client records, unless its URL carried credentials: those are masked in the
 * record and were never signed.
 */
export function recordedSignedString(request: Pick<ExchangeRequest, 'method' | 'url' | 'params'>): string {
  return request.method === 'GET' ? request.url : signedString(request.url, request.params);
}

export function sign(authToken: string, data: string): string {
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Byte-wise (code unit) order, as Twilio's "Unix-style" sort; not locale order. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
