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
  const order = recurringOrder(params);
  let out = url;
  if (order !== null) {
    for (let i = 0; i < order.length; i++) {
      const pair = params[order[i]!]!;
      out += pair[0] + pair[1];
    }
    return out;
  }
  // Sorted by name, then value; a pair repeated exactly counts once. (One sort of the pairs: a map of
  // sets per name cost several times as much on every webhook.)
  const pairs = params.slice().sort((a, b) => compareBytes(a[0], b[0]) || compareBytes(a[1], b[1]));
  let previous: readonly [string, string] | undefined;
  for (const pair of pairs) {
    if (previous === undefined || pair[0] !== previous[0] || pair[1] !== previous[1]) out += pair[0] + pair[1];
    previous = pair;
  }
  return out;
}

interface NameOrder {
  names: readonly string[];
  /** Indexes into the parameters, in signing order; null when a name repeats. */
  order: readonly number[] | null;
}

/** The last few sequences of distinct names seen, newest last. */
const recentOrders: NameOrder[] = [];
const RECENT_ORDERS = 8;

/**
 * The signing order of parameters whose names are all different, remembered by their sequence of
 * names; null when a name repeats (then values take part in the order, and exact repeats drop out).
 * Each kind of webhook sends the same names in the same order every time (./params.ts), and sorting
 * them again was most of the signed string's cost (bench/README.md, finding 93). With distinct
 * names, the order by name alone is the full order.
 */
function recurringOrder(params: FormParams): readonly number[] | null {
  const count = params.length;
  search: for (const known of recentOrders) {
    if (known.names.length !== count) continue;
    for (let i = 0; i < count; i++) if (known.names[i] !== params[i]![0]) continue search;
    return known.order;
  }
  const names = params.map((pair) => pair[0]);
  const sorted = names.map((_, i) => i).sort((a, b) => compareBytes(names[a]!, names[b]!));
  const order = sorted.some((index, i) => i > 0 && names[index] === names[sorted[i - 1]!]) ? null : sorted;
  if (recentOrders.length === RECENT_ORDERS) recentOrders.shift();
  recentOrders.push({ names, order });
  return order;
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
