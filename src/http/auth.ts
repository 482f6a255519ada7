/**
 * HTTP Basic authentication (AccountSid:AuthToken, or an API key's SK… SID and secret) for the
 * REST and simulator routes. A parent account's credentials also act on its subaccounts' paths.
 * Credentials are compared in constant time; failures answer Twilio's 401 with code 20003 and
 * `WWW-Authenticate: Basic realm="Twilio API"`.
 */
import { timingSafeEqual } from 'node:crypto';
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
  const da = Buffer.from(a);
  const db = Buffer.from(b);
  // Only the length can show in the timing, and it tells nothing: every auth token and API key
  // secret has the same, documented length. (Hashing both sides first cost two SHA-256 a request.)
  return da.length === db.length && timingSafeEqual(da, db);
}

export function unauthorized(): TwilioError {
  return new TwilioError(20003, 'Authenticate');
}

/** Resolves the account the credentials belong to, or throws 20003. */
export async function authenticate(store: Store, header: string | undefined): Promise<AccountRecord> {
  const credentials = parseBasic(header);
  if (!credentials) throw unauthorized();
  let account: AccountRecord | null = null;
  let secret: string | undefined;
  if (/^AC[0-9a-f]{32}$/.test(credentials.username)) {
    account = await store.accounts.get(credentials.username);
    secret = account?.authToken;
  } else if (/^SK[0-9a-f]{32}$/.test(credentials.username)) {
    const key = await store.keys.get(credentials.username);
    secret = key?.secret;
    account = key ? await store.accounts.get(key.accountSid) : null;
  }
  // Compare against something even when the account is unknown, so timing does not reveal which SIDs exist.
  const ok = safeEqual(credentials.password, secret ?? 'x'.repeat(32)) && account !== null;
  if (!ok || !account) throw unauthorized();
  // Twilio's 20003 page lists "Account is suspended or closed" among its causes: a suspended
  // account's own credentials (and its API keys) fail like wrong ones. Its parent still acts on
  // it (that is how it is reactivated), see `authenticateFor`.
  if (account.status === 'suspended') throw unauthorized();
  if (account.status === 'closed') throw new TwilioError(20005, 'Account is not active', 401);
  return account;
}

/**
 * The account a request acts as: the authenticated one, or, when the path names one of its
 * subaccounts (`/2010-04-01/Accounts/AC…/…`), that subaccount. Any other account in the path is
 * left for `accountFor` to refuse.
 */
export async function authenticateFor(store: Store, header: string | undefined, path: string): Promise<AccountRecord> {
  const account = await authenticate(store, header);
  const named = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})(?:[/.]|$)/.exec(path)?.[1];
  if (named === undefined || named === account.sid) return account;
  const sub = await store.accounts.get(named);
  if (sub && sub.ownerAccountSid === account.sid) {
    if (sub.status === 'closed') throw new TwilioError(20005, 'Account is not active', 401);
    return sub;
  }
  return account;
}
