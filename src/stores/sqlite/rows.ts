/** Row <-> record mapping for the SQLite store: the only place that knows column names. */
import { formatStatusHistory, parseStatusHistory } from '../status-history.js';
import type {
  AccountRecord, ApiKeyRecord, HttpMethod, MediaRecord, MessageDirection, MessageRecord, MessageStatus, PhoneNumberRecord,
  ConversationRecord, StatusChange,
} from '../records.js';
import type { PoolEntry } from '../store.js';

export interface AccountRow {
  sid: string; auth_token: string; friendly_name: string; status: string; owner_account_sid: string | null;
  date_created: number; date_updated: number;
}

export function accountFromRow(row: AccountRow): AccountRecord {
  return {
    sid: row.sid, authToken: row.auth_token, friendlyName: row.friendly_name,
    status: row.status as AccountRecord['status'], ownerAccountSid: row.owner_account_sid,
    dateCreated: row.date_created, dateUpdated: row.date_updated,
  };
}

export function accountToRow(a: AccountRecord): AccountRow {
  return {
    sid: a.sid, auth_token: a.authToken, friendly_name: a.friendlyName, status: a.status,
    owner_account_sid: a.ownerAccountSid, date_created: a.dateCreated, date_updated: a.dateUpdated,
  };
}

export interface PhoneNumberRow {
  sid: string; account_sid: string; phone_number: string; friendly_name: string; sms_url: string; sms_method: string;
  sms_fallback_url: string; sms_fallback_method: string; status_callback: string; status_callback_method: string;
  date_created: number; date_updated: number; iso_country: string | null;
}

export function numberFromRow(r: PhoneNumberRow): PhoneNumberRecord {
  return {
    sid: r.sid, accountSid: r.account_sid, phoneNumber: r.phone_number, friendlyName: r.friendly_name,
    smsUrl: r.sms_url, smsMethod: r.sms_method as HttpMethod, smsFallbackUrl: r.sms_fallback_url,
    smsFallbackMethod: r.sms_fallback_method as HttpMethod, statusCallback: r.status_callback,
    statusCallbackMethod: r.status_callback_method as HttpMethod, dateCreated: r.date_created, dateUpdated: r.date_updated,
    ...(r.iso_country !== null ? { isoCountry: r.iso_country } : {}),
  };
}

export interface PoolEntryRow {
  number_sid: string; date_created: number; phone_number: string; iso_country: string | null;
}

export function poolEntryFromRow(r: PoolEntryRow): PoolEntry {
  return { numberSid: r.number_sid, phoneNumber: r.phone_number, isoCountry: r.iso_country, dateCreated: r.date_created };
}

export function numberToRow(n: PhoneNumberRecord): PhoneNumberRow {
  return {
    sid: n.sid, account_sid: n.accountSid, phone_number: n.phoneNumber, friendly_name: n.friendlyName,
    sms_url: n.smsUrl, sms_method: n.smsMethod, sms_fallback_url: n.smsFallbackUrl, sms_fallback_method: n.smsFallbackMethod,
    status_callback: n.statusCallback, status_callback_method: n.statusCallbackMethod,
    date_created: n.dateCreated, date_updated: n.dateUpdated, iso_country: n.isoCountry ?? null,
  };
}

export interface MessageRow {
  sid: string; account_sid: string; direction: string; from_number: string; to_number: string; body: string;
  status: string; num_segments: number; media: string | null; error_code: number | null; error_message: string | null;
  messaging_service_sid: string | null; status_callback: string | null; status_callback_method: string;
  inbound_sid: string | null; reply_seq: number | null; turn_state: string | null;
  date_created: number; date_updated: number; date_sent: number | null; valid_until: number | null; status_history?: string | null;
}

export function messageFromRow(r: MessageRow): MessageRecord {
  return {
    sid: r.sid, accountSid: r.account_sid, direction: r.direction as MessageDirection, from: r.from_number,
    to: r.to_number, body: r.body, status: r.status as MessageStatus, numSegments: r.num_segments,
    media: r.media ? (JSON.parse(r.media) as MediaRecord[]) : [], errorCode: r.error_code, errorMessage: r.error_message,
    messagingServiceSid: r.messaging_service_sid, statusCallback: r.status_callback,
    statusCallbackMethod: r.status_callback_method as HttpMethod, inboundSid: r.inbound_sid, replySeq: r.reply_seq,
    dateCreated: r.date_created, dateUpdated: r.date_updated, dateSent: r.date_sent, validUntil: r.valid_until,
  };
}

export function messageToRow(m: MessageRecord, turnState: string | null): MessageRow {
  return {
    sid: m.sid, account_sid: m.accountSid, direction: m.direction, from_number: m.from, to_number: m.to, body: m.body,
    status: m.status, num_segments: m.numSegments, media: m.media.length ? JSON.stringify(m.media) : null,
    error_code: m.errorCode, error_message: m.errorMessage, messaging_service_sid: m.messagingServiceSid,
    status_callback: m.statusCallback, status_callback_method: m.statusCallbackMethod, inbound_sid: m.inboundSid,
    reply_seq: m.replySeq, turn_state: turnState, date_created: m.dateCreated, date_updated: m.dateUpdated,
    date_sent: m.dateSent, valid_until: m.validUntil, status_history: m.statusHistory ? formatStatusHistory(m.statusHistory) : null,
  };
}

export interface StatusHistoryRow {
  status: string; date_created: number; status_history: string | null;
}

export function statusHistoryFromRow(r: StatusHistoryRow): StatusChange[] {
  return parseStatusHistory(r.status, r.date_created, r.status_history);
}

export interface ConversationRow {
  id: string; account_sid: string; number: string; handset: string; last_activity: number; cookies: string | null;
}

export function conversationFromRow(r: ConversationRow): ConversationRecord {
  return { id: r.id, accountSid: r.account_sid, number: r.number, handset: r.handset, lastActivity: r.last_activity, cookies: r.cookies };
}

export interface ApiKeyRow {
  sid: string; account_sid: string; friendly_name: string; secret: string; date_created: number; date_updated: number;
}

export function keyFromRow(r: ApiKeyRow): ApiKeyRecord {
  return {
    sid: r.sid, accountSid: r.account_sid, friendlyName: r.friendly_name, secret: r.secret,
    dateCreated: r.date_created, dateUpdated: r.date_updated,
  };
}

export function keyToRow(k: ApiKeyRecord): ApiKeyRow {
  return {
    sid: k.sid, account_sid: k.accountSid, friendly_name: k.friendlyName, secret: k.secret,
    date_created: k.dateCreated, date_updated: k.dateUpdated,
  };
}
