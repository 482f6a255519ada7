/**
 * The PostgreSQL store's carrier tables: outbound parts the SMSC accepted and the receipts that
 * settle them, and the parts of long inbound messages until their group is complete. The same
 * logic as the SQLite store's (../sqlite/carrier.ts), with what several nodes add: a receipt and
 * its part may arrive on two nodes at once, and so may two parts of one group, so each operation
 * first takes a transaction-scoped advisory lock on the ids (or the group) it matches on.
 * Each method is one `serial` write (it reads before it decides what to write).
 */
import type { CarrierPartRepository, InboundPartRepository } from '../store.js';
import type { CarrierReceipt, InboundPart, MessageRecord, SubmittedPart, TurnClaim } from '../records.js';
import { conversationId } from '../records.js';
import type { Tx, Write, WriteOptions } from './group-commit.js';
import { SQL, type Read } from './sql.js';
import { inboundPartFromRow, onlyPartAfterReceipt, partFromRow, type CarrierPartRow, type InboundPartRow, type UnmatchedRow } from '../shared-rows.js';

const SERIAL: WriteOptions = { serial: true };

export function carrierParts(write: Write, read: Read): CarrierPartRepository {
  const partsOf = async (tx: Tx, sid: string): Promise<SubmittedPart[]> =>
    (await tx.query<CarrierPartRow>(SQL.carrierPartsOf, [sid])).rows.map(partFromRow);
  const settle = async (tx: Tx, part: Pick<CarrierPartRow, 'message_sid' | 'part_index'>, receipt: Pick<CarrierReceipt, 'state' | 'errorCode' | 'at'>): Promise<void> => {
    if (receipt.state === 'enroute') return;
    await tx.query(SQL.carrierPartSettle, [part.message_sid, part.part_index, receipt.state, receipt.errorCode, receipt.at]);
  };
  const lock = (tx: Tx, channel: string, ids: Array<string | null>): Promise<unknown> =>
    tx.query(SQL.carrierLock, [channel, ids.filter((id): id is string => id !== null)]);
  return {
    record: (part) => write(async (tx) => {
      await lock(tx, part.channel, [part.smscId, part.receiptKey]);
      await tx.query(SQL.carrierPartInsert, [part.messageSid, part.index, part.accountSid, part.channel, part.total, part.smscId, part.receiptKey, part.submittedAt]);
      const kept = (await tx.query<UnmatchedRow>(SQL.unmatchedFor, [part.channel, part.smscId, part.receiptKey])).rows[0];
      if (!kept) return null;
      await tx.query(SQL.unmatchedDelete, [kept.id]);
      // The receipt came first; its part is done no earlier than it was recorded as submitted.
      await settle(tx, { message_sid: part.messageSid, part_index: part.index }, {
        state: kept.state as CarrierReceipt['state'], errorCode: kept.error_code, at: Math.max(Number(kept.received_at), part.submittedAt),
      });
      return partsOf(tx, part.messageSid);
    }, SERIAL),
    ofMessage: async (sid) => (await read<CarrierPartRow>(SQL.carrierPartsOf, [sid])).map(partFromRow),
    applyReceipt: (receipt) => write(async (tx) => {
      await lock(tx, receipt.channel, [receipt.smscId, receipt.receiptKey]);
      const part = (await tx.query<CarrierPartRow>(SQL.carrierPartMatch, [receipt.channel, receipt.smscId, receipt.receiptKey])).rows[0];
      if (!part) {
        if (receipt.state !== 'enroute') {
          await tx.query(SQL.unmatchedInsert, [receipt.channel, receipt.smscId, receipt.receiptKey, receipt.state, receipt.errorCode, receipt.at]);
        }
        return null;
      }
      await settle(tx, part, receipt);
      return onlyPartAfterReceipt(part, receipt) ?? partsOf(tx, part.message_sid);
    }, SERIAL),
    expireUnmatched: (before) => write(async (tx) => (await tx.query(SQL.unmatchedExpire, [before])).rowCount ?? 0),
  };
}

/**
 * `insertTurn` stores an assembled inbound message with its pending turn the way `messages.insert`
 * does with `startTurn` (claim first, then the message), inside the caller's transaction.
 */
export function inboundParts(write: Write, read: Read, insertTurn: (tx: Tx, message: MessageRecord) => Promise<TurnClaim | null>): InboundPartRepository {
  const complete = async (tx: Tx, channel: string, groupKey: string, assemble: (parts: InboundPart[]) => MessageRecord | null): Promise<MessageRecord | null> => {
    const parts = (await tx.query<InboundPartRow>(SQL.inboundPartsOf, [channel, groupKey])).rows.map(inboundPartFromRow);
    if (parts.length === 0) return null;
    const message = assemble(parts);
    if (message) await insertTurn(tx, message);
    await tx.query(SQL.inboundPartsDelete, [channel, groupKey]);
    return message;
  };
  return {
    add: (part, assemble) => write(async (tx) => {
      await tx.query(SQL.inboundGroupLock, [part.channel, part.groupKey]);
      await tx.query(SQL.inboundPartInsert, [part.channel, part.groupKey, part.seq, part.total, part.accountSid, part.from, part.to, part.payload,
        part.dataCoding, part.receivedAt]);
      const stored = (await tx.query<InboundPartRow>(SQL.inboundPartsOf, [part.channel, part.groupKey])).rows;
      const seqs = new Set(stored.map((r) => r.seq));
      for (let seq = 1; seq <= part.total; seq++) if (!seqs.has(seq)) return null;
      return complete(tx, part.channel, part.groupKey, assemble);
    }, { serial: true, conversation: conversationId({ accountSid: part.accountSid, number: part.to, handset: part.from }) }),
    stale: async (channel, before, limit) => (await read<{ group_key: string; account_sid: string; to_number: string }>(SQL.inboundGroupsBefore, [channel, before, limit]))
      .map((g) => ({ groupKey: g.group_key, accountSid: g.account_sid, to: g.to_number })),
    complete: (channel, groupKey, assemble) => write(async (tx) => {
      await tx.query(SQL.inboundGroupLock, [channel, groupKey]);
      return complete(tx, channel, groupKey, assemble);
    }, SERIAL),
  };
}
