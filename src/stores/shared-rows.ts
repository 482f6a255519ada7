/**
 * Rows that both adapters read or write the same way (the same column names and types in SQLite and
 * PostgreSQL): the carrier tables' (../sqlite/carrier.ts, ../postgres/carrier.ts), the status
 * callbacks' outbox, with the records they map to, and the values of a new message's row.
 */
import { formatStatusHistory } from './status-history.js';
import type { CarrierReceipt, InboundPart, MessageRecord, StatusCallbackJob, SubmittedPart } from './records.js';

/** The `messages` columns a new message's row sets in both engines, in the order of `messageColumnValues`. */
export const MESSAGE_INSERT_COLUMNS = `sid, account_sid, direction, from_number, to_number, body, status, num_segments, media,
  error_code, error_message, messaging_service_sid, status_callback, status_callback_method, inbound_sid, reply_seq,
  turn_state, date_created, date_updated, date_sent, valid_until, status_history`;

/**
 * A new message's row as positional values (MESSAGE_INSERT_COLUMNS): bound by position, which costs
 * SQLite's driver a third of binding 22 named parameters from an object.
 */
export function messageColumnValues(m: MessageRecord, turnState: string | null): unknown[] {
  return [m.sid, m.accountSid, m.direction, m.from, m.to, m.body, m.status, m.numSegments, m.media.length ? JSON.stringify(m.media) : null,
    m.errorCode, m.errorMessage, m.messagingServiceSid, m.statusCallback, m.statusCallbackMethod, m.inboundSid, m.replySeq,
    turnState, m.dateCreated, m.dateUpdated, m.dateSent, m.validUntil, m.statusHistory ? formatStatusHistory(m.statusHistory) : null];
}

export interface CarrierPartRow {
  message_sid: string; part_index: number; account_sid: string; channel: string; total: number; smsc_id: string; receipt_key: string;
  state: string; error_code: number | null; submitted_at: number; done_at: number | null;
}

export interface UnmatchedRow {
  id: number; channel: string; smsc_id: string | null; receipt_key: string; state: string; error_code: number | null; received_at: number;
}

export interface InboundPartRow {
  channel: string; group_key: string; seq: number; total: number; account_sid: string; from_number: string; to_number: string;
  payload: Buffer; data_coding: number; received_at: number;
}

export function partFromRow(r: CarrierPartRow): SubmittedPart {
  return {
    messageSid: r.message_sid, accountSid: r.account_sid, channel: r.channel, index: r.part_index, total: r.total, smscId: r.smsc_id,
    receiptKey: r.receipt_key, state: r.state as SubmittedPart['state'], errorCode: r.error_code, submittedAt: r.submitted_at, doneAt: r.done_at,
  };
}

/**
 * The parts of a message after a receipt settled `part` (the row before it), when the message has
 * only that part: what `carrierPartsOf` would read back, without reading it (bench/README.md,
 * finding 84). Null for a message of several parts, whose other parts only the table knows.
 * Mirrors `carrierPartSettle`: an `enroute` receipt changes nothing, nor does a part already settled.
 */
export function onlyPartAfterReceipt(part: CarrierPartRow, receipt: Pick<CarrierReceipt, 'state' | 'errorCode' | 'at'>): SubmittedPart[] | null {
  if (part.total !== 1) return null;
  const settles = receipt.state !== 'enroute' && part.state === 'submitted';
  return [partFromRow(settles ? { ...part, state: receipt.state, error_code: receipt.errorCode, done_at: receipt.at } : part)];
}

export function inboundPartFromRow(r: InboundPartRow): InboundPart {
  return {
    channel: r.channel, groupKey: r.group_key, accountSid: r.account_sid, from: r.from_number, to: r.to_number, seq: r.seq, total: r.total,
    payload: r.payload, dataCoding: r.data_coding, receivedAt: r.received_at,
  };
}

export interface CallbackRow {
  id: number;
  account_sid: string;
  message_sid: string;
  conversation_id: string | null;
  url: string;
  params: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
}

export function callbackFromRow(r: CallbackRow): StatusCallbackJob {
  return {
    id: r.id, accountSid: r.account_sid, messageSid: r.message_sid, conversationId: r.conversation_id, url: r.url,
    params: JSON.parse(r.params) as Array<[string, string]>, attempts: r.attempts, createdAt: r.created_at, nextAttemptAt: r.next_attempt_at,
  };
}
