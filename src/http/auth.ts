/**
 * HTTP Basic authentication (AccountSid:AuthToken) for the REST and simulator routes.
 * Credentials are compared in constant time; failures answer Twilio's 401 with code 20003 and
 * `WWW-Authenticate: Basic realm="Twilio API"`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Store } from '../stores/store.js';
import type { AccountRecord } from '../stores/records.js';
import { TwilioError } from '../errors/twilio-error.js';

export interface Credentials {
  username: string;
  password: string;
}

export function parseBasic(header: string | undefined): Credentials | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

export function unauthorized(): TwilioError {
  return new TwilioError(20003, 'Authenticate');
}

/** Resolves the account the credentials belong to, or throws 20003. */
export async function authenticate(store: Store, header: string | undefined): Promise<AccountRecord> {
  const credentials = parseBasic(header);
  if (!credentials) throw unauthorized();
  const account = /^AC[0-9a-f]{32}$/.test(credentials.username) ? await store.accounts.get(credentials.username) : null;
  // Compare against something even when the account is unknown, so timing does not reveal which SIDs exist.
  const ok = safeEqual(credentials.password, account?.authToken ?? 'x'.repeat(32)) && account !== null;
  if (!ok || !account) throw unauthorized();
  if (account.status === 'closed') throw new TwilioError(20005, 'Account is not active', 401);
  return account;
}
