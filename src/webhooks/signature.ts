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
  const pairs = sortedPairs(params);
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

/** Requests known to have signed `recordedSignedString(request)`: the stores need not keep it (stores/exchange-text.ts). */
const rederivable = new WeakSet<ExchangeRequest>();

export function markSignedStringRederivable(request: ExchangeRequest): void {
  rederivable.add(request);
}

export function signedStringIsRederivable(request: ExchangeRequest): boolean {
  return rederivable.has(request);
}

export function sign(authToken: string, data: string): string {
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Byte-wise (code unit) order, as Twilio's "Unix-style" sort; not locale order. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePairs(a: readonly [string, string], b: readonly [string, string]): number {
  return compareBytes(a[0], b[0]) || compareBytes(a[1], b[1]);
}

/** Up to this many pairs (a webhook has about twenty), an insertion sort; above it, the built-in sort. */
const INSERTION_SORT_MAX = 64;

/**
 * The pairs in signing order, as a new array. A webhook's twenty pairs by insertion sort cost
 * about a sixth of the built-in sort's instructions, which calls the comparator through a builtin
 * for each of its some ninety comparisons (1.8 % of a turn's instructions, bench/README.md
 * finding 47); its quadratic worst case is why it stops at INSERTION_SORT_MAX.
 */
function sortedPairs(params: FormParams): Array<readonly [string, string]> {
  const pairs = params.slice();
  if (pairs.length > INSERTION_SORT_MAX) return pairs.sort(comparePairs);
  for (let i = 1; i < pairs.length; i++) {
    const pair = pairs[i]!;
    let j = i - 1;
    while (j >= 0 && comparePairs(pairs[j]!, pair) > 0) {
      pairs[j + 1] = pairs[j]!;
      j--;
    }
    pairs[j + 1] = pair;
  }
  return pairs;
}
