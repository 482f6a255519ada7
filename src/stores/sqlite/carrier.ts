/**
 * The SQLite store's carrier tables: outbound parts the SMSC accepted and the receipts that settle
 * them (receipts that came before their part wait in `unmatched_receipts`), and the parts of long
 * inbound messages until their group is complete. Each method is one group-committed write.
 */
import type { CarrierPartRepository, InboundPartRepository } from '../store.js';
import type { CarrierReceipt, InboundPart, MessageRecord, SubmittedPart } from '../records.js';
import type { Statements } from './sql.js';
import {
  inboundPartFromRow, onlyPartAfterReceipt, partFromRow, type CarrierPartRow, type InboundPartRow, type UnmatchedRow,
} from '../shared-rows.js';
import { insertChained } from './chain.js';
import type { RecentParts } from './recent-parts.js';

type Write = <T>(run: () => T) => Promise<T>;
type Read = <T>(run: () => T) => Promise<T>;

/** `recent`: the parts this process recorded and no receipt settled yet (./recent-parts.ts). */
export function carrierParts(st: Statements, write: Write, read: Read, recent: RecentParts): CarrierPartRepository {
  const partsOf = (sid: string): SubmittedPart[] => (st.carrierPartsOf.all(sid) as CarrierPartRow[]).map(partFromRow);
  const settle = (part: CarrierPartRow, receipt: Pick<CarrierReceipt, 'state' | 'errorCode' | 'at'>): void => {
    if (receipt.state === 'enroute') return;
    st.carrierPartSettle.run(receipt.state, receipt.errorCode, receipt.at, part.message_sid, part.part_index);
    recent.forget(part.channel, part.smsc_id, part.receipt_key); // settled: a later receipt reads the table
  };
  return {
    record: (part) => write(() => {
      const inserted = st.carrierPartInsert.run(part.messageSid, part.index, part.accountSid, part.channel, part.total, part.smscId, part.receiptKey, part.submittedAt).changes > 0;
      const kept = st.unmatchedFor.get(part.channel, part.smscId, part.channel, part.receiptKey) as UnmatchedRow | undefined;
      if (!kept) {
        // Held from now on, in place of any part its ids named before (a part not inserted, being
        // recorded already, changes nothing in the table, so nothing here either).
        if (inserted) recent.add(submittedRow(part));
        return null;
      }
      st.unmatchedDelete.run(kept.id);
      const row = st.carrierPartsOf.all(part.messageSid).find((r) => (r as CarrierPartRow).part_index === part.index) as CarrierPartRow;
      // The receipt came first; its part is done no earlier than it was recorded as submitted.
      settle(row, { state: kept.state as CarrierReceipt['state'], errorCode: kept.error_code, at: Math.max(kept.received_at, part.submittedAt) });
      return partsOf(part.messageSid);
    }),
    ofMessage: (sid) => read(() => partsOf(sid)),
    applyReceipt: (receipt) => write(() => {
      const part = recent.match(receipt.channel, receipt.smscId, receipt.receiptKey) ?? st.carrierPartMatch.get(receipt.channel, receipt.smscId, receipt.channel, receipt.receiptKey) as CarrierPartRow | undefined;
      if (!part) {
        if (receipt.state !== 'enroute') {
          st.unmatchedInsert.run(receipt.channel, receipt.smscId, receipt.receiptKey, receipt.state, receipt.errorCode, receipt.at);
        }
        return null;
      }
      settle(part, receipt);
      return onlyPartAfterReceipt(part, receipt) ?? partsOf(part.message_sid);
    }),
    expireUnmatched: (before) => write(() => st.unmatchedExpire.run(before).changes),
  };
}

/** A part's row as `carrierPartInsert` writes it. */
function submittedRow(part: Omit<SubmittedPart, 'state' | 'errorCode' | 'doneAt'>): CarrierPartRow {
  return {
    message_sid: part.messageSid, part_index: part.index, account_sid: part.accountSid, channel: part.channel, total: part.total,
    smsc_id: part.smscId, receipt_key: part.receiptKey, state: 'submitted', error_code: null, submitted_at: part.submittedAt, done_at: null,
  };
}

export function inboundParts(st: Statements, write: Write, read: Read): InboundPartRepository {
  /** Inserts the assembled message (with its pending turn) and forgets the group; inside a write. */
  const complete = (channel: string, groupKey: string, assemble: (parts: InboundPart[]) => MessageRecord | null): MessageRecord | null => {
    const parts = (st.inboundPartsOf.all(channel, groupKey) as InboundPartRow[]).map(inboundPartFromRow);
    if (parts.length === 0) return null;
    const message = assemble(parts);
    if (message) insertChained(st, st.messageInsert, message, 'pending');
    st.inboundPartsDelete.run(channel, groupKey);
    return message;
  };
  return {
    add: (part, assemble) => write(() => {
      st.inboundPartInsert.run({
        channel: part.channel, group_key: part.groupKey, seq: part.seq, total: part.total, account_sid: part.accountSid, from_number: part.from,
        to_number: part.to, payload: part.payload, data_coding: part.dataCoding, received_at: part.receivedAt,
      });
      const stored = st.inboundPartsOf.all(part.channel, part.groupKey) as InboundPartRow[];
      const seqs = new Set(stored.map((r) => r.seq));
      for (let seq = 1; seq <= part.total; seq++) if (!seqs.has(seq)) return null;
      return complete(part.channel, part.groupKey, assemble);
    }),
    stale: (channel, before, limit) => read(() => (st.inboundGroupsBefore.all(channel, before, limit) as Array<{ group_key: string; account_sid: string; to_number: string }>)
      .map((g) => ({ groupKey: g.group_key, accountSid: g.account_sid, to: g.to_number }))),
    complete: (channel, groupKey, assemble) => write(() => complete(channel, groupKey, assemble)),
  };
}
