/**
 * The default account: credentials from PARLEY_ACCOUNT_SID / PARLEY_AUTH_TOKEN, or generated once
 * and kept in the database, so a restart keeps the same credentials.
 */
import type { Store } from '../stores/store.js';
import type { AccountRecord } from '../stores/records.js';
import { newSecret, newSid } from '../ids/sid.js';

export const ACCOUNT_SID_SHAPE = /^AC[0-9a-f]{32}$/;
export const AUTH_TOKEN_SHAPE = /^[0-9a-f]{32}$/;

export interface DefaultAccountResult {
  account: AccountRecord;
  generated: boolean;
}

export async function ensureDefaultAccount(store: Store, now: number, wanted: { sid?: string; authToken?: string }): Promise<DefaultAccountResult> {
  if (wanted.sid !== undefined && !ACCOUNT_SID_SHAPE.test(wanted.sid)) {
    throw new Error('PARLEY_ACCOUNT_SID must be AC followed by 32 lower-case hex digits');
  }
  if (wanted.authToken !== undefined && !AUTH_TOKEN_SHAPE.test(wanted.authToken)) {
    throw new Error('PARLEY_AUTH_TOKEN must be 32 lower-case hex digits');
  }
  const existing = wanted.sid ? await store.accounts.get(wanted.sid) : await store.accounts.getDefault();
  if (existing) {
    // A token given in the environment wins over the stored one (rotating it is a restart away).
    if (wanted.authToken && existing.authToken !== wanted.authToken) {
      const updated = { ...existing, authToken: wanted.authToken, dateUpdated: now };
      await store.accounts.update(updated);
      return { account: updated, generated: false };
    }
    return { account: existing, generated: false };
  }
  const account: AccountRecord = {
    sid: wanted.sid ?? newSid('AC', now),
    authToken: wanted.authToken ?? newSecret(),
    friendlyName: 'Parley default account',
    status: 'active',
    ownerAccountSid: null,
    dateCreated: now,
    dateUpdated: now,
  };
  try {
    await store.accounts.insert(account);
  } catch (error) {
    // Nodes sharing a store and started together race to create it: the first one wins.
    const winner = wanted.sid ? await store.accounts.get(wanted.sid) : null;
    if (!winner) throw error;
    return ensureDefaultAccount(store, now, wanted);
  }
  if (wanted.sid === undefined) {
    // Generated credentials: if another node created a default account at the same time, the one
    // created first is the default for every node.
    const first = await store.accounts.getDefault();
    if (first && first.sid !== account.sid) return { account: first, generated: false };
  }
  return { account, generated: wanted.sid === undefined || wanted.authToken === undefined };
}
