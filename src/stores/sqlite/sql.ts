/** The SQLite store's statements, kept apart from the code that runs them. */
import type { Database, Statement } from 'better-sqlite3';
import { MESSAGE_INSERT_COLUMNS } from '../shared-rows.js';
import { EXCHANGE_ROW_COLUMNS } from '../exchange-text.js';

/** A new message's row, bound by position (shared-rows.ts `messageColumnValues`). */
const MESSAGE_VALUES = MESSAGE_INSERT_COLUMNS.split(',').map(() => '?').join(', ');

/**
 * Outbound messages not yet handed over or settled: the condition of the partial index
 * messages_undelivered (migration 11), spelt exactly as there so the planner uses the index.
 */
const UNDELIVERED = "(status = 'accepted' OR status = 'queued' OR status = 'sending') AND direction <> 'inbound'";

/**
 * A message's handset (From when inbound, To otherwise) and its Parley number (the other side): the
 * keys of the indexes messages_by_handset and messages_by_number (migration 12; the first partial
 * since migration 13), spelt exactly as there so the planner uses them.
 */
const HANDSET = "(CASE WHEN direction = 'inbound' THEN from_number ELSE to_number END)";
const NUMBER = "(CASE WHEN direction = 'inbound' THEN to_number ELSE from_number END)";

/**
 * A new message's place in its conversation's chain (migration 13): the seq of the conversation's
 * latest message, 0 when it is the first, NULL when there is no conversation (the message is then
 * found through messages_by_handset, whose partial condition is `prev_seq IS NULL`).
 */
const CHAIN_TAIL = '(SELECT COALESCE(last_message_seq, 0) FROM conversations WHERE id = ?)';

/**
 * The same for a reply written just before its turn's `conversationUpsert` (chain.ts,
 * `insertReplyAhead`): the upsert creates the conversation if it is new, so the reply joins its chain
 * all the same, first (0) when there is no row yet.
 */
const CHAIN_TAIL_AHEAD = 'COALESCE((SELECT last_message_seq FROM conversations WHERE id = ?), 0)';

/**
 * A handset's thread (@account, @handset, @number or NULL, @limit): the latest @limit messages of its
 * conversations' chains, each walked down from its head at most @limit steps, and the messages that
 * joined no chain, found by handset; and, when @handset is a Parley number, its messages by number.
 * Chained messages have exactly their conversation's number and handset (chain.ts). CROSS JOIN
 * fixes the order of the joins: the planner would scan messages and look each one up in the walk.
 */
const THREAD = `WITH RECURSIVE walk(seq, depth) AS (
      SELECT last_message_seq, 1 FROM conversations INDEXED BY conversations_by_handset
        WHERE account_sid = @account AND handset = @handset AND (@number IS NULL OR number = @number) AND last_message_seq IS NOT NULL
      UNION ALL
      SELECT m.prev_seq, walk.depth + 1 FROM walk CROSS JOIN messages m ON m.seq = walk.seq WHERE m.prev_seq > 0 AND walk.depth < @limit
    )
    SELECT * FROM (
      SELECT m.* FROM walk CROSS JOIN messages m ON m.seq = walk.seq
      UNION ALL
      SELECT * FROM messages INDEXED BY messages_by_handset
        WHERE account_sid = @account AND ${HANDSET} = @handset AND prev_seq IS NULL AND (@number IS NULL OR ${NUMBER} = @number)
      UNION ALL
      SELECT * FROM messages INDEXED BY messages_by_number
        WHERE account_sid = @account AND ${NUMBER} = @handset AND (@number IS NULL OR ${HANDSET} = @number)
    ) ORDER BY seq DESC LIMIT @limit`;

/** A message list's filters (store.ts `MessageFilter`): Twilio's, then the message log's; NULL means "any". */
const MESSAGE_FILTERS = `(@to IS NULL OR to_number = @to) AND (@from IS NULL OR from_number = @from)
    AND (@sentAfter IS NULL OR COALESCE(date_sent, date_created) >= @sentAfter)
    AND (@sentBefore IS NULL OR COALESCE(date_sent, date_created) < @sentBefore)
    AND (@number IS NULL OR to_number = @number OR from_number = @number)
    AND (@handset IS NULL OR to_number = @handset OR from_number = @handset)
    AND (@direction IS NULL OR direction = @direction OR (@direction = 'outbound' AND direction <> 'inbound'))
    AND (@status IS NULL OR status = @status)`;

/** The SET clause that adds `status` (`@status`, or `?` bound by position) at `at` to the status history, unless the status stays the same. */
function historyAppend(at: string, status = '@status'): string {
  return `status_history = CASE WHEN status = ${status} THEN status_history
    ELSE COALESCE(status_history, status || ':' || date_created) || ',' || ${status} || ':' || ${at} END`;
}

/**
 * A status change's statement, bound by position (`statusChangeValues`): better-sqlite3 looks each
 * named parameter up on the object it is given, a cost a status change need not pay (bench/README.md,
 * finding 85). `from` adds the condition on the current status, bound after the other values.
 */
function statusChange(from: boolean): string {
  return `UPDATE messages SET status = ?, error_code = COALESCE(?, error_code), error_message = COALESCE(?, error_message),
    date_sent = COALESCE(?, date_sent), date_updated = ?, ${historyAppend('?', '?')}
    WHERE sid = ?${from ? " AND instr(?, ',' || status || ',') > 0" : ''}`;
}

/** The values of `statusChange` in the order of its `?`s: the status and the time again where the history uses them. */
export function statusChangeValues(sid: string, status: string, changes: { errorCode?: number | null; errorMessage?: string | null; dateSent?: number; at: number }): unknown[] {
  const { at } = changes;
  return [status, changes.errorCode ?? null, changes.errorMessage ?? null, changes.dateSent ?? null, at, status, status, at, sid];
}

export const SQL = {
  accountGet: 'SELECT * FROM accounts WHERE sid = ?',
  accountDefault: 'SELECT * FROM accounts WHERE owner_account_sid IS NULL ORDER BY date_created, rowid LIMIT 1',
  accountInsert: `INSERT INTO accounts (sid, auth_token, friendly_name, status, owner_account_sid, date_created, date_updated)
    VALUES (@sid, @auth_token, @friendly_name, @status, @owner_account_sid, @date_created, @date_updated)`,
  accountUpdate: `UPDATE accounts SET auth_token = @auth_token, friendly_name = @friendly_name, status = @status,
    date_updated = @date_updated WHERE sid = @sid`,
  accountsOwnedBy: 'SELECT * FROM accounts WHERE owner_account_sid = ? ORDER BY sid',

  numberInsert: `INSERT INTO phone_numbers (sid, account_sid, phone_number, friendly_name, sms_url, sms_method, sms_fallback_url,
    sms_fallback_method, status_callback, status_callback_method, date_created, date_updated, iso_country) VALUES (@sid,
    @account_sid, @phone_number, @friendly_name, @sms_url, @sms_method, @sms_fallback_url, @sms_fallback_method,
    @status_callback, @status_callback_method, @date_created, @date_updated, @iso_country)`,
  numberUpdate: `UPDATE phone_numbers SET friendly_name = @friendly_name, sms_url = @sms_url, sms_method = @sms_method,
    sms_fallback_url = @sms_fallback_url, sms_fallback_method = @sms_fallback_method, status_callback = @status_callback,
    status_callback_method = @status_callback_method, date_updated = @date_updated WHERE sid = @sid AND account_sid = @account_sid`,
  numberDelete: 'DELETE FROM phone_numbers WHERE account_sid = ? AND sid = ?',
  numberGet: 'SELECT * FROM phone_numbers WHERE account_sid = ? AND sid = ?',
  numberByPhone: 'SELECT * FROM phone_numbers WHERE phone_number = ?',
  numberList: `SELECT * FROM phone_numbers WHERE account_sid = @account AND (@phone IS NULL OR phone_number = @phone)
    AND (@name IS NULL OR friendly_name = @name) AND (@type IS NULL OR substr(sid, 1, 2) = @type)
    AND (@after IS NULL OR sid > @after) ORDER BY sid LIMIT @limit`,

  // The last value is the message's conversation id (chain.ts): the message joins that
  // conversation's chain if the conversation exists, and stays in messages_by_handset otherwise.
  messageInsert: `INSERT INTO messages (${MESSAGE_INSERT_COLUMNS}, prev_seq) VALUES (${MESSAGE_VALUES}, ${CHAIN_TAIL})`,
  replyInsert: `INSERT OR IGNORE INTO messages (${MESSAGE_INSERT_COLUMNS}, prev_seq) VALUES (${MESSAGE_VALUES}, ${CHAIN_TAIL})`,
  replyInsertAhead: `INSERT OR IGNORE INTO messages (${MESSAGE_INSERT_COLUMNS}, prev_seq) VALUES (${MESSAGE_VALUES}, ${CHAIN_TAIL_AHEAD})`,
  chainAdvance: 'UPDATE conversations SET last_message_seq = ? WHERE id = ?',
  messageGet: 'SELECT * FROM messages WHERE sid = ? AND account_sid = ?',
  messageList: `SELECT * FROM messages WHERE account_sid = @account
    AND ${MESSAGE_FILTERS}
    AND (@after IS NULL OR seq < (SELECT seq FROM messages WHERE sid = @after)) ORDER BY seq DESC LIMIT @limit`,
  messageListBefore: `SELECT * FROM (SELECT * FROM messages WHERE account_sid = @account
    AND ${MESSAGE_FILTERS}
    AND seq > (SELECT seq FROM messages WHERE sid = @before) ORDER BY seq ASC LIMIT @limit) ORDER BY seq DESC`,
  // A handset's messages (From or To is @handset), with @number on the other side if given: its
  // conversations' chains, its messages outside any chain, and, when @handset is one of Parley's own
  // numbers, the messages of that number.
  messageThread: THREAD,
  messageReplies: 'SELECT * FROM messages WHERE inbound_sid = ? AND account_sid = ? ORDER BY reply_seq',
  // A status change appends to the row's history in the same statement (the first change writes
  // the status the message was stored with first); SET reads the row's values before the update.
  messageSetStatus: statusChange(false),
  // The same, only from the listed statuses (`from` is ',queued,sent,'): a late change never overwrites a later one.
  messageSetStatusFrom: statusChange(true),
  messageUpdate: `UPDATE messages SET body = @body, status = @status, error_code = @error_code, error_message = @error_message,
    date_updated = @date_updated, date_sent = @date_sent, media = @media, ${historyAppend('@date_updated')}
    WHERE sid = @sid AND account_sid = @account_sid`,
  messageStatusHistory: 'SELECT status, date_created, status_history FROM messages WHERE sid = ? AND account_sid = ?',
  // Deleting a message takes it out of its conversation's chain first (chain.ts).
  messageChainLink: 'SELECT seq, prev_seq, account_sid, direction, from_number, to_number FROM messages WHERE account_sid = ? AND sid = ?',
  chainHeadBack: 'UPDATE conversations SET last_message_seq = NULLIF(@prev, 0) WHERE id = @id AND last_message_seq = @seq',
  // The message the deleted one (@seq) came just before points past it: found by walking the chain
  // down from its head (no index by predecessor: deletes are rare, turns are not). CROSS JOIN keeps the walk
  // outermost, as in THREAD: the planner would otherwise scan messages for the walk's rows.
  chainRelink: `WITH RECURSIVE walk(seq, prev) AS (
      SELECT m.seq, m.prev_seq FROM conversations c CROSS JOIN messages m ON m.seq = c.last_message_seq WHERE c.id = @id
      UNION ALL
      SELECT m.seq, m.prev_seq FROM walk CROSS JOIN messages m ON m.seq = walk.prev WHERE walk.prev > @seq
    ) UPDATE messages SET prev_seq = @prev WHERE seq = (SELECT seq FROM walk WHERE prev = @seq)`,
  messageDeleteSeq: 'DELETE FROM messages WHERE seq = ?',
  messagesUndelivered: `SELECT * FROM messages WHERE ${UNDELIVERED}
    AND (@after IS NULL OR seq > (SELECT seq FROM messages WHERE sid = @after)) ORDER BY seq LIMIT @limit`,

  turnsPending: `SELECT sid, account_sid, from_number, to_number FROM messages WHERE turn_state = 'pending' ORDER BY seq LIMIT ?`,
  turnState: 'SELECT turn_state FROM messages WHERE sid = ?',
  // A turn without an error keeps the inbound message's own (30009: a part of it never came).
  // By position: the error code (twice), the error message, the time, the sid.
  turnFinish: `UPDATE messages SET turn_state = 'done', error_code = COALESCE(?, error_code),
    error_message = CASE WHEN ? IS NULL THEN error_message ELSE ? END, date_updated = ? WHERE sid = ?`,

  conversationGet: 'SELECT * FROM conversations WHERE id = ?',
  conversationList: 'SELECT * FROM conversations WHERE account_sid = ? ORDER BY last_activity DESC LIMIT ?',
  // The last value is the conversation's new latest message (a reply written ahead, chain.ts), or
  // NULL to leave the chain as it is.
  conversationUpsert: `INSERT INTO conversations (id, account_sid, number, handset, last_activity, cookies, last_message_seq)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET last_activity = MAX(last_activity, excluded.last_activity), cookies = excluded.cookies,
      last_message_seq = COALESCE(excluded.last_message_seq, last_message_seq)`,
  conversationTouch: `INSERT INTO conversations (id, account_sid, number, handset, last_activity, cookies)
    VALUES (@id, @account_sid, @number, @handset, @last_activity, NULL)
    ON CONFLICT (id) DO UPDATE SET last_activity = MAX(last_activity, excluded.last_activity)`,
  conversationForget: 'UPDATE conversations SET cookies = NULL WHERE account_sid = ? AND id = ?',
  conversationsExpire: 'UPDATE conversations SET cookies = NULL WHERE cookies IS NOT NULL AND last_activity < ?',

  exchangeInsert: `INSERT INTO exchanges (${EXCHANGE_ROW_COLUMNS}) VALUES (?, ?, ?, ?, ?)`,
  exchangesForMessage: `SELECT ${EXCHANGE_ROW_COLUMNS} FROM exchanges WHERE message_sid = ? AND account_sid = ? ORDER BY sid`,
  // The latest exchanges of a conversation, oldest first: those of its latest @limit messages (an
  // exchange belongs to one message and comes after it), which are its handset's thread with its number.
  exchangesForConversation: `SELECT ${EXCHANGE_ROW_COLUMNS} FROM (
      SELECT e.sid, e.account_sid, e.message_sid, e.conversation_id, e.record FROM (${THREAD}) AS m CROSS JOIN exchanges e ON e.message_sid = m.sid
      WHERE e.conversation_id = @id AND e.account_sid = @account
      ORDER BY e.sid DESC LIMIT @limit
    ) ORDER BY sid`,

  keyInsert: `INSERT INTO api_keys (sid, account_sid, friendly_name, secret, date_created, date_updated)
    VALUES (@sid, @account_sid, @friendly_name, @secret, @date_created, @date_updated)`,
  keyUpdate: 'UPDATE api_keys SET friendly_name = @friendly_name, date_updated = @date_updated WHERE sid = @sid AND account_sid = @account_sid',
  keyGet: 'SELECT * FROM api_keys WHERE sid = ?',
  keyList: 'SELECT * FROM api_keys WHERE account_sid = @account AND (@after IS NULL OR sid > @after) ORDER BY sid LIMIT @limit',
  keyDelete: 'DELETE FROM api_keys WHERE account_sid = ? AND sid = ?',

  optOutAdd: `INSERT INTO opt_outs (account_sid, number, handset, date_created) VALUES (?, ?, ?, ?)
    ON CONFLICT (account_sid, number, handset) DO NOTHING`,
  optOutRemove: 'DELETE FROM opt_outs WHERE account_sid = ? AND number = ? AND handset = ?',
  optOutHas: 'SELECT 1 AS found FROM opt_outs WHERE account_sid = ? AND number = ? AND handset = ?',
  optOutCount: 'SELECT count(*) AS n FROM opt_outs',
  optOutAll: 'SELECT account_sid, number, handset FROM opt_outs',

  messageSetSendAt: 'UPDATE messages SET send_at = ? WHERE sid = ?',
  messagesDue: `SELECT * FROM messages WHERE status = 'scheduled' AND send_at <= ? ORDER BY send_at, seq LIMIT ?`,

  serviceUpsert: `INSERT INTO messaging_services (sid, account_sid, record) VALUES (?, ?, ?)
    ON CONFLICT (sid) DO UPDATE SET record = excluded.record`,
  serviceGet: 'SELECT record FROM messaging_services WHERE account_sid = ? AND sid = ?',
  serviceList: `SELECT record FROM messaging_services WHERE account_sid = @account AND (@after IS NULL OR sid > @after)
    ORDER BY sid LIMIT @limit`,
  serviceDelete: 'DELETE FROM messaging_services WHERE account_sid = ? AND sid = ?',
  serviceNumbersDeleteAll: 'DELETE FROM service_numbers WHERE account_sid = ? AND service_sid = ?',
  serviceNumberAdd: 'INSERT INTO service_numbers (service_sid, number_sid, account_sid, date_created) VALUES (?, ?, ?, ?)',
  serviceNumberRemove: 'DELETE FROM service_numbers WHERE account_sid = ? AND service_sid = ? AND number_sid = ?',
  serviceNumbers: `SELECT s.number_sid, s.date_created, p.phone_number, p.iso_country FROM service_numbers s
    JOIN phone_numbers p ON p.sid = s.number_sid WHERE s.account_sid = ? AND s.service_sid = ? ORDER BY s.number_sid`,
  serviceOfNumber: 'SELECT service_sid FROM service_numbers WHERE number_sid = ?',

  // The outbox: a message's callbacks go out oldest first, so only the head of each message (its
  // oldest waiting callback, marked `head`) is a candidate; the heads are read in the order they
  // fall due through a partial index, however many callbacks wait behind them.
  callbackInsert: `INSERT INTO status_callbacks (account_sid, message_sid, conversation_id, url, params, attempts, created_at,
    next_attempt_at, head) VALUES (@account_sid, @message_sid, @conversation_id, @url, @params, 0, @created_at, @created_at,
    NOT EXISTS (SELECT 1 FROM status_callbacks WHERE message_sid = @message_sid))`,
  callbackHeads: 'SELECT * FROM status_callbacks WHERE head = 1 ORDER BY next_attempt_at, id LIMIT ?',
  callbackRetry: 'UPDATE status_callbacks SET attempts = ?, next_attempt_at = ? WHERE id = ?',
  callbackDelete: 'DELETE FROM status_callbacks WHERE id = ? RETURNING message_sid',
  callbackPromote: `UPDATE status_callbacks SET head = 1
    WHERE id = (SELECT MIN(id) FROM status_callbacks WHERE message_sid = ?)`,

  // SIDs are time-ordered (ids/sid.ts), so the primary key finds old rows; in slices, so one
  // sweep never holds the write lock for long.
  exchangesDeleteBefore: 'DELETE FROM exchanges WHERE sid IN (SELECT sid FROM exchanges WHERE sid < ? LIMIT 5000)',
  alertsDeleteBefore: 'DELETE FROM alerts WHERE sid IN (SELECT sid FROM alerts WHERE sid < ? LIMIT 5000)',
  alertInsert: 'INSERT INTO alerts (sid, account_sid, record) VALUES (?, ?, ?)',
  alertGet: 'SELECT record FROM alerts WHERE account_sid = ? AND sid = ?',
  alertList: 'SELECT record FROM alerts WHERE account_sid = @account AND (@after IS NULL OR sid < @after) ORDER BY sid DESC LIMIT @limit',

  // The carrier statements bind by position, in the order of their columns (carrier.ts).
  carrierPartInsert: `INSERT INTO carrier_parts (message_sid, part_index, account_sid, channel, total, smsc_id, receipt_key, state, submitted_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'submitted', ?)
    ON CONFLICT (message_sid, part_index) DO NOTHING`,
  carrierPartsOf: 'SELECT * FROM carrier_parts WHERE message_sid = ? ORDER BY part_index',
  // The latest part an id names: SMSCs reuse ids over time.
  // Two indexed lookups joined, not one OR: with the OR SQLite used only the channel prefix of an
  // index and read every part of the channel for each receipt (30 ms a receipt at 200,000 parts).
  // The lookups carry only rowid and time, and max() picks the latest row without a sort: sorting
  // whole rows (ORDER BY … LIMIT 1) took two temporary B-trees, 28 µs a receipt against 5
  // (bench/README.md, finding 77). No match: the aggregate's one row has a null id, so no part.
  carrierPartMatch: `SELECT * FROM carrier_parts WHERE rowid = (SELECT id FROM (SELECT id, max(at) FROM (
      SELECT rowid AS id, submitted_at AS at FROM carrier_parts WHERE channel = ? AND smsc_id = ?
      UNION ALL SELECT rowid, submitted_at FROM carrier_parts WHERE channel = ? AND receipt_key = ?)))`,
  carrierPartSettle: `UPDATE carrier_parts SET state = ?, error_code = ?, done_at = ?
    WHERE message_sid = ? AND part_index = ? AND state = 'submitted'`,
  unmatchedInsert: `INSERT INTO unmatched_receipts (channel, smsc_id, receipt_key, state, error_code, received_at)
    VALUES (?, ?, ?, ?, ?, ?)`,
  unmatchedFor: `SELECT * FROM (
      SELECT * FROM unmatched_receipts WHERE channel = ? AND smsc_id = ?
      UNION ALL SELECT * FROM unmatched_receipts WHERE channel = ? AND receipt_key = ?
    ) ORDER BY id LIMIT 1`,
  unmatchedDelete: 'DELETE FROM unmatched_receipts WHERE id = ?',
  unmatchedExpire: 'DELETE FROM unmatched_receipts WHERE received_at < ?',
  inboundPartInsert: `INSERT INTO inbound_parts (channel, group_key, seq, total, account_sid, from_number, to_number, payload, data_coding, received_at)
    VALUES (@channel, @group_key, @seq, @total, @account_sid, @from_number, @to_number, @payload, @data_coding, @received_at)
    ON CONFLICT (channel, group_key, seq) DO NOTHING`,
  inboundPartsOf: 'SELECT * FROM inbound_parts WHERE channel = ? AND group_key = ? ORDER BY seq',
  inboundPartsDelete: 'DELETE FROM inbound_parts WHERE channel = ? AND group_key = ?',
  // Served by the partial indexes messages_pending_turns and messages_undelivered: each counts only
  // the rows waiting, so a scrape costs little however many messages are stored.
  depthTurns: "SELECT count(*) AS n FROM messages WHERE turn_state = 'pending'",
  depthOutbound: `SELECT count(*) AS n FROM messages WHERE ${UNDELIVERED}`,
  depthCallbacks: 'SELECT count(*) AS n FROM status_callbacks',
  inboundGroupsBefore: `SELECT group_key, MIN(account_sid) AS account_sid, MIN(to_number) AS to_number FROM inbound_parts WHERE channel = ?
    GROUP BY group_key HAVING MIN(received_at) < ? ORDER BY MIN(received_at) LIMIT ?`,
} as const;

export type Statements = { [K in keyof typeof SQL]: Statement };

/** Every statement prepared once on this connection (the store, and the write-path benchmark). */
export function prepareStatements(db: Database): Statements {
  return Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)])) as Statements;
}
