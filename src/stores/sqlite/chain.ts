/**
 * A conversation's messages as a chain (migration 13). A message written while its conversation's
 * row exists keeps the seq of the conversation's previous message (`prev_seq`, 0 for the first) and
 * becomes the conversation's latest (`last_message_seq`); a message written without one (an API
 * message to a new handset, a new handset's first message) keeps `prev_seq` NULL and is found through
 * the partial index messages_by_handset instead. A thread is the union of both (sql.ts, THREAD).
 *
 * The conversation is the message's own Parley number and handset, exactly as stored (channel
 * prefix and all), so a chained message always has its conversation's number and handset.
 */
import type { Statement } from 'better-sqlite3';
import type { MessageRecord } from '../records.js';
import { conversationId } from '../records.js';
import { messageColumnValues } from '../shared-rows.js';
import type { Statements } from './sql.js';

/** The id of the conversation a message belongs to: its handset is From when inbound, To otherwise. */
export function chainOf(m: Pick<MessageRecord, 'accountSid' | 'direction' | 'from' | 'to'>): string {
  return m.direction === 'inbound'
    ? conversationId({ accountSid: m.accountSid, number: m.to, handset: m.from })
    : conversationId({ accountSid: m.accountSid, number: m.from, handset: m.to });
}

/**
 * Inserts a message with `insert` (messageInsert or replyInsert) and makes it its conversation's
 * latest, unless replyInsert ignored it (a reply stored already); inside a write.
 */
export function insertChained(st: Pick<Statements, 'chainAdvance'>, insert: Statement, m: MessageRecord, turnState: string | null): void {
  const id = chainOf(m);
  const seq = insertRow(insert, m, turnState, id);
  if (seq !== null) st.chainAdvance.run(seq, id); // no row, no chain: then this changes nothing
}

/**
 * Inserts a reply of conversation `id` with `replyInsertAhead`, before the turn's conversation upsert,
 * and answers its seq for that upsert to make it the conversation's latest: one statement where
 * `insertChained` runs two (bench/README.md, finding 100). Null when the reply is stored already
 * (ignored), and the chain then stays as it is; inside a write.
 */
export function insertReplyAhead(st: Pick<Statements, 'replyInsertAhead'>, reply: MessageRecord, id: string): number | null {
  return insertRow(st.replyInsertAhead, reply, null, id);
}

/** Runs a message insert of this module with the row and its conversation's id last: the new seq, or null when it inserted nothing. */
function insertRow(insert: Statement, m: MessageRecord, turnState: string | null, id: string): number | null {
  const values = messageColumnValues(m, turnState);
  values.push(id);
  // Spread, not the array: better-sqlite3 reads an array's elements through V8's API one Get at a
  // time, which costs more than the call's own arguments (bench/README.md, finding 63).
  const inserted = insert.run(...values);
  return inserted.changes > 0 ? Number(inserted.lastInsertRowid) : null;
}

interface ChainLink {
  seq: number;
  prev_seq: number | null;
  account_sid: string;
  direction: MessageRecord['direction'];
  from_number: string;
  to_number: string;
}

/** Deletes a message, first closing the gap it leaves in its chain; inside a write. */
export function deleteChained(st: Pick<Statements, 'messageChainLink' | 'chainHeadBack' | 'chainRelink' | 'messageDeleteSeq'>,
  accountSid: string, sid: string): boolean {
  const link = st.messageChainLink.get(accountSid, sid) as ChainLink | undefined;
  if (!link) return false;
  if (link.prev_seq !== null) {
    const id = chainOf({ accountSid: link.account_sid, direction: link.direction, from: link.from_number, to: link.to_number });
    const chain = { id, seq: link.seq, prev: link.prev_seq };
    // The latest message: its conversation's head moves back. Otherwise the one after it skips it.
    if (st.chainHeadBack.run(chain).changes === 0) st.chainRelink.run(chain);
  }
  st.messageDeleteSeq.run(link.seq);
  return true;
}
