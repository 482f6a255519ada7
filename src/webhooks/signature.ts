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

export type FormParams = ReadonlyArray<readonly [string, string]>;

/** The exact string that is signed, shown by the console next to the signature. */
export function signedString(url: string, params: FormParams): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) {
    let values = byName.get(name);
    if (!values) byName.set(name, (values = new Set()));
    values.add(value);
  }
  let out = url;
  for (const name of [...byName.keys()].sort(compareBytes)) {
    for (const value of [...byName.get(name)!].sort(compareBytes)) out += name + value;
  }
  return out;
}

export function sign(authToken: string, data: string): string {
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Byte-wise (code unit) order, as Twilio's "Unix-style" sort; not locale order. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
