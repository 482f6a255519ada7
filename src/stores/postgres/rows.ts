/**
 * Row <-> record mapping for the PostgreSQL store. Rows read back have the SQLite store's column
 * names and types (bigint milliseconds come back as numbers, ./connection.ts), so reading reuses
 * its mappers; writing builds the positional value lists of ./sql.ts's statements.
 */
import { messageColumnValues } from '../shared-rows.js';
import type { AccountRecord, ApiKeyRecord, ConversationRecord, MessageRecord, PhoneNumberRecord } from '../records.js';

export {
  accountFromRow, conversationFromRow, keyFromRow, messageFromRow, numberFromRow, poolEntryFromRow,
  type AccountRow, type ApiKeyRow, type ConversationRow, type MessageRow, type PhoneNumberRow, type PoolEntryRow,
} from '../sqlite/rows.js';

export function accountValues(a: AccountRecord): unknown[] {
  return [a.sid, a.authToken, a.friendlyName, a.status, a.ownerAccountSid, a.dateCreated, a.dateUpdated];
}

export function accountUpdateValues(a: AccountRecord): unknown[] {
  return [a.sid, a.authToken, a.friendlyName, a.status, a.dateUpdated];
}

export function numberValues(n: PhoneNumberRecord): unknown[] {
  return [n.sid, n.accountSid, n.phoneNumber, n.friendlyName, n.smsUrl, n.smsMethod, n.smsFallbackUrl, n.smsFallbackMethod,
    n.statusCallback, n.statusCallbackMethod, n.dateCreated, n.dateUpdated, n.isoCountry ?? null];
}

export function numberUpdateValues(n: PhoneNumberRecord): unknown[] {
  return [n.sid, n.accountSid, n.friendlyName, n.smsUrl, n.smsMethod, n.smsFallbackUrl, n.smsFallbackMethod, n.statusCallback,
    n.statusCallbackMethod, n.dateUpdated];
}

/** The `messageInsert` values: the record, its turn state, and its delivering node (outbound). */
export function messageValues(m: MessageRecord, turnState: string | null, node: string | null): unknown[] {
  const values = messageColumnValues(m, turnState);
  values.push(node);
  return values;
}

export function messageUpdateValues(m: MessageRecord): unknown[] {
  return [m.sid, m.accountSid, m.body, m.status, m.errorCode, m.errorMessage, m.dateUpdated, m.dateSent,
    m.media.length ? JSON.stringify(m.media) : null];
}

export function conversationValues(c: ConversationRecord): unknown[] {
  return [c.id, c.accountSid, c.number, c.handset, c.lastActivity, c.cookies];
}

export function keyValues(k: ApiKeyRecord): unknown[] {
  return [k.sid, k.accountSid, k.friendlyName, k.secret, k.dateCreated, k.dateUpdated];
}
