/**
 * The PostgreSQL store's statements, kept apart from the code that runs them. Each has a name, so
 * every connection prepares it once (the driver's named prepared statements). Parameters are
 * positional; the row mappers in ./rows.ts build the value lists.
 */
import type { QueryResultRow } from 'pg';
import { MESSAGE_INSERT_COLUMNS } from '../shared-rows.js';
import { EXCHANGE_ROW_COLUMNS } from '../exchange-text.js';

export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** A read through the pool: a statement's rows. */
export type Read = <R extends QueryResultRow>(statement: Statement, values: unknown[]) => Promise<R[]>;

/**
 * The driver's query for a statement and its values, listed rather than spread (`{ ...statement,
 * values }`): V8's optimized code gives a spread copy with a new key a hidden class of its own, and
 * the driver's reads of each query then miss their inline caches (bench/README.md, finding 48).
 */
export function queryOf(statement: Statement, values: unknown[]): { name: string; text: string; values: unknown[] } {
  return { name: statement.name, text: statement.text, values };
}

const MESSAGE_COLUMNS = `${MESSAGE_INSERT_COLUMNS}, node`;
const MESSAGE_VALUES = MESSAGE_COLUMNS.split(',').map((_, i) => `$${i + 1}`).join(', ');
/**
 * The message filters of a list: account, to, from, sent after, sent before, a Parley number (either
 * direction), a handset (either direction), a direction (`outbound`: every outbound one), a status ($1..$9).
 */
const MESSAGE_FILTER = `account_sid = $1 AND ($2::text IS NULL OR to_number = $2) AND ($3::text IS NULL OR from_number = $3)
    AND ($4::bigint IS NULL OR COALESCE(date_sent, date_created) >= $4) AND ($5::bigint IS NULL OR COALESCE(date_sent, date_created) < $5)
    AND ($6::text IS NULL OR to_number = $6 OR from_number = $6) AND ($7::text IS NULL OR to_number = $7 OR from_number = $7)
    AND ($8::text IS NULL OR direction = $8 OR ($8 = 'outbound' AND direction <> 'inbound')) AND ($9::text IS NULL OR status = $9)`;
/** A node is alive while its heartbeat is younger than its lease (database time). */
const DEAD = (column: string): string => `(${column} IS NULL OR NOT parley_node_alive(${column}))`;
/**
 * The other nodes alive whose observers want something, as a column `watchers`: [[id, interest], ...].
 * A node of an earlier version, which never tells, may have streams open: it is sent everything.
 */
const WATCHERS = `(SELECT coalesce(json_agg(json_build_array(o.id, CASE WHEN o.tells_interest THEN o.watching ELSE '*|*' END)), '[]'::json)
    FROM nodes o WHERE o.id <> $1 AND (o.watching IS NOT NULL OR NOT o.tells_interest) AND parley_node_alive(o.id)) AS watchers`;

const statements = {
  // The account (never cached) and the configuration version, which validates the node's cache. One row
  // always, even if parley_config's row were gone (then the version is null and nothing is cached).
  accountGet: `SELECT (SELECT version FROM parley_config WHERE id = 1) AS config_version, a.*
    FROM (VALUES (1)) AS one LEFT JOIN accounts a ON a.sid = $1`,
  accountDefault: 'SELECT * FROM accounts WHERE owner_account_sid IS NULL ORDER BY date_created, seq LIMIT 1',
  accountInsert: `INSERT INTO accounts (sid, auth_token, friendly_name, status, owner_account_sid, date_created, date_updated)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  accountUpdate: 'UPDATE accounts SET auth_token = $2, friendly_name = $3, status = $4, date_updated = $5 WHERE sid = $1',
  accountsOwnedBy: 'SELECT * FROM accounts WHERE owner_account_sid = $1 ORDER BY sid',

  numberInsert: `INSERT INTO phone_numbers (sid, account_sid, phone_number, friendly_name, sms_url, sms_method, sms_fallback_url,
    sms_fallback_method, status_callback, status_callback_method, date_created, date_updated, iso_country)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
  numberUpdate: `UPDATE phone_numbers SET friendly_name = $3, sms_url = $4, sms_method = $5, sms_fallback_url = $6,
    sms_fallback_method = $7, status_callback = $8, status_callback_method = $9, date_updated = $10
    WHERE sid = $1 AND account_sid = $2`,
  numberDelete: 'DELETE FROM phone_numbers WHERE account_sid = $1 AND sid = $2',
  numberGet: 'SELECT * FROM phone_numbers WHERE account_sid = $1 AND sid = $2',
  numberByPhone: 'SELECT * FROM phone_numbers WHERE phone_number = $1',
  numberList: `SELECT * FROM phone_numbers WHERE account_sid = $1 AND ($2::text IS NULL OR phone_number = $2)
    AND ($3::text IS NULL OR friendly_name = $3) AND ($4::text IS NULL OR sid > $4)
    AND ($6::text IS NULL OR left(sid, 2) = $6) ORDER BY sid LIMIT $5`,

  messageInsert: `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${MESSAGE_VALUES})`,
  replyInsert: `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${MESSAGE_VALUES}) ON CONFLICT (inbound_sid, reply_seq) WHERE inbound_sid IS NOT NULL DO NOTHING`,
  messageSetSendAt: 'UPDATE messages SET send_at = $2 WHERE sid = $1',
  messageGet: 'SELECT * FROM messages WHERE sid = $1 AND account_sid = $2',
  messageList: `SELECT * FROM messages WHERE ${MESSAGE_FILTER}
    AND ($10::text IS NULL OR seq < (SELECT seq FROM messages WHERE sid = $10)) ORDER BY seq DESC LIMIT $11`,
  messageListBefore: `SELECT * FROM (SELECT * FROM messages WHERE ${MESSAGE_FILTER}
    AND seq > (SELECT seq FROM messages WHERE sid = $10) ORDER BY seq ASC LIMIT $11) AS page ORDER BY seq DESC`,
  messageThread: `SELECT * FROM (
      (SELECT * FROM messages WHERE account_sid = $1 AND from_number = $2 AND ($3::text IS NULL OR to_number = $3) ORDER BY seq DESC LIMIT $4)
      UNION ALL
      (SELECT * FROM messages WHERE account_sid = $1 AND to_number = $2 AND ($3::text IS NULL OR from_number = $3) ORDER BY seq DESC LIMIT $4)
    ) AS thread ORDER BY seq DESC LIMIT $4`,
  messageReplies: 'SELECT * FROM messages WHERE inbound_sid = $1 AND account_sid = $2 ORDER BY reply_seq',
  messageSetStatus: 'SELECT parley_set_status($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) AS applied',
  messageUpdate: `UPDATE messages SET body = $3, status = $4, error_code = $5, error_message = $6, date_updated = $7, date_sent = $8,
    media = $9, status_history = CASE WHEN status = $4 THEN status_history
      ELSE COALESCE(status_history, status || ':' || date_created) || ',' || $4 || ':' || $7::bigint END
    WHERE sid = $1 AND account_sid = $2`,
  messageStatusHistory: 'SELECT status, date_created, status_history FROM messages WHERE sid = $1 AND account_sid = $2',
  messageDelete: 'DELETE FROM messages WHERE account_sid = $1 AND sid = $2',
  messagesDue: `SELECT * FROM messages WHERE status = 'scheduled' AND send_at <= $1 ORDER BY send_at, seq LIMIT $2`,
  // Undelivered outbound messages of dead (or no) nodes, taken over by this one, and this node's own
  // that have not changed since $4 (lost from its memory after a failure), in arrival order.
  messagesTakeOver: `WITH picked AS (
      SELECT seq FROM messages WHERE status IN ('accepted', 'queued', 'sending') AND direction <> 'inbound'
        AND ($3::text IS NULL OR seq > (SELECT seq FROM messages WHERE sid = $3))
        AND (${DEAD('node')} OR (node = $1 AND date_updated < $4))
      ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED
    ), taken AS (
      UPDATE messages m SET node = $1 FROM picked WHERE m.seq = picked.seq AND m.node IS DISTINCT FROM $1 RETURNING m.seq
    )
    SELECT m.* FROM messages m JOIN picked USING (seq) ORDER BY m.seq`,

  turnsPending: `SELECT sid, account_sid, from_number, to_number FROM messages WHERE turn_state = 'pending' ORDER BY seq LIMIT $1`,
  turnState: 'SELECT turn_state FROM messages WHERE sid = $1',
  // A turn without an error keeps the inbound message's own (30009: a part of it never came).
  turnFinish: `UPDATE messages SET turn_state = 'done', error_code = COALESCE($2, error_code),
    error_message = CASE WHEN $2::integer IS NULL THEN error_message ELSE $3 END, date_updated = $4 WHERE sid = $1`,
  claim: 'SELECT claim_token, claim_how FROM parley_claim($1, $2)',
  fence: 'SELECT parley_fence($1, $2, $3)',
  nextTurns: 'SELECT message_sid, message_account FROM parley_next_turns($1, $2, $3, $4)',
  claimConversations: 'SELECT conversation_id, claim_token, claim_how FROM parley_claim_conversations($1, $2)',

  conversationGet: 'SELECT * FROM conversations WHERE id = $1',
  conversationList: 'SELECT * FROM conversations WHERE account_sid = $1 ORDER BY last_activity DESC LIMIT $2',
  conversationUpsert: `INSERT INTO conversations AS c (id, account_sid, number, handset, last_activity, cookies) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (id) DO UPDATE SET last_activity = GREATEST(c.last_activity, excluded.last_activity), cookies = excluded.cookies`,
  conversationTouch: `INSERT INTO conversations AS c (id, account_sid, number, handset, last_activity, cookies) VALUES ($1, $2, $3, $4, $5, NULL)
    ON CONFLICT (id) DO UPDATE SET last_activity = GREATEST(c.last_activity, excluded.last_activity)`,
  conversationForget: 'UPDATE conversations SET cookies = NULL WHERE account_sid = $1 AND id = $2',
  conversationsExpire: 'UPDATE conversations SET cookies = NULL WHERE cookies IS NOT NULL AND last_activity < $1',

  exchangeInsert: `INSERT INTO exchanges (${EXCHANGE_ROW_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`,
  exchangesForMessage: `SELECT ${EXCHANGE_ROW_COLUMNS} FROM exchanges WHERE message_sid = $1 AND account_sid = $2 ORDER BY sid`,
  // The latest exchanges of a conversation, oldest first: those of its latest $5 messages.
  exchangesForConversation: `SELECT ${EXCHANGE_ROW_COLUMNS} FROM (
      SELECT e.sid, e.account_sid, e.message_sid, e.conversation_id, e.record FROM (
        SELECT sid FROM (
          (SELECT seq, sid FROM messages WHERE account_sid = $1 AND from_number = $4 AND to_number = $3 ORDER BY seq DESC LIMIT $5)
          UNION ALL
          (SELECT seq, sid FROM messages WHERE account_sid = $1 AND to_number = $4 AND from_number = $3 ORDER BY seq DESC LIMIT $5)
        ) AS thread ORDER BY seq DESC LIMIT $5
      ) AS m JOIN exchanges e ON e.message_sid = m.sid
      WHERE e.conversation_id = $2 AND e.account_sid = $1
      ORDER BY e.sid DESC LIMIT $5
    ) AS latest ORDER BY sid`,
  exchangesDeleteBefore: 'DELETE FROM exchanges WHERE sid IN (SELECT sid FROM exchanges WHERE sid < $1 LIMIT 5000)',

  alertInsert: 'INSERT INTO alerts (sid, account_sid, record) VALUES ($1, $2, $3)',
  alertGet: 'SELECT record FROM alerts WHERE account_sid = $1 AND sid = $2',
  alertList: 'SELECT record FROM alerts WHERE account_sid = $1 AND ($2::text IS NULL OR sid < $2) ORDER BY sid DESC LIMIT $3',
  alertsDeleteBefore: 'DELETE FROM alerts WHERE sid IN (SELECT sid FROM alerts WHERE sid < $1 LIMIT 5000)',

  keyInsert: `INSERT INTO api_keys (sid, account_sid, friendly_name, secret, date_created, date_updated) VALUES ($1, $2, $3, $4, $5, $6)`,
  keyUpdate: 'UPDATE api_keys SET friendly_name = $3, date_updated = $4 WHERE sid = $1 AND account_sid = $2',
  keyGet: 'SELECT * FROM api_keys WHERE sid = $1',
  keyList: 'SELECT * FROM api_keys WHERE account_sid = $1 AND ($2::text IS NULL OR sid > $2) ORDER BY sid LIMIT $3',
  keyDelete: 'DELETE FROM api_keys WHERE account_sid = $1 AND sid = $2',

  optOutAdd: `INSERT INTO opt_outs (account_sid, number, handset, date_created) VALUES ($1, $2, $3, $4)
    ON CONFLICT (account_sid, number, handset) DO NOTHING`,
  optOutRemove: 'DELETE FROM opt_outs WHERE account_sid = $1 AND number = $2 AND handset = $3',
  optOutHas: 'SELECT 1 AS found FROM opt_outs WHERE account_sid = $1 AND number = $2 AND handset = $3',

  serviceUpsert: `INSERT INTO messaging_services (sid, account_sid, record) VALUES ($1, $2, $3)
    ON CONFLICT (sid) DO UPDATE SET record = excluded.record`,
  serviceGet: 'SELECT record FROM messaging_services WHERE account_sid = $1 AND sid = $2',
  serviceList: 'SELECT record FROM messaging_services WHERE account_sid = $1 AND ($2::text IS NULL OR sid > $2) ORDER BY sid LIMIT $3',
  serviceDelete: 'DELETE FROM messaging_services WHERE account_sid = $1 AND sid = $2',
  serviceNumbersDeleteAll: 'DELETE FROM service_numbers WHERE account_sid = $1 AND service_sid = $2',
  serviceNumberAdd: 'INSERT INTO service_numbers (service_sid, number_sid, account_sid, date_created) VALUES ($1, $2, $3, $4)',
  serviceNumberRemove: 'DELETE FROM service_numbers WHERE account_sid = $1 AND service_sid = $2 AND number_sid = $3',
  serviceNumbers: `SELECT s.number_sid, s.date_created, p.phone_number, p.iso_country FROM service_numbers s
    JOIN phone_numbers p ON p.sid = s.number_sid WHERE s.account_sid = $1 AND s.service_sid = $2 ORDER BY s.number_sid`,
  serviceOfNumber: 'SELECT service_sid FROM service_numbers WHERE number_sid = $1',

  callbackEnqueue: 'SELECT parley_enqueue_callback($1, $2, $3, $4, $5, $6)',
  // The due heads this node may send (unclaimed, its own, or a dead node's), claimed for it.
  callbackHeads: `WITH picked AS (
      SELECT id FROM status_callbacks WHERE head AND (node = $1 OR ${DEAD('node')})
      ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE status_callbacks s SET node = $1 FROM picked WHERE s.id = picked.id AND s.node IS DISTINCT FROM $1 RETURNING s.id
    )
    SELECT c.* FROM status_callbacks c JOIN picked USING (id) ORDER BY c.next_attempt_at, c.id`,
  callbackRetry: 'UPDATE status_callbacks SET attempts = $2, next_attempt_at = $3 WHERE id = $1',
  callbackFinish: 'SELECT parley_finish_callback($1)',

  carrierPartInsert: `INSERT INTO carrier_parts (message_sid, part_index, account_sid, channel, total, smsc_id, receipt_key, state, submitted_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8) ON CONFLICT (message_sid, part_index) DO NOTHING`,
  carrierPartsOf: 'SELECT * FROM carrier_parts WHERE message_sid = $1 ORDER BY part_index',
  // The latest part an id names: SMSCs reuse ids over time.
  // Two indexed lookups: an OR of the two columns would read every part of the channel.
  carrierPartMatch: `SELECT * FROM (
      (SELECT * FROM carrier_parts WHERE channel = $1 AND smsc_id = $2)
      UNION ALL (SELECT * FROM carrier_parts WHERE channel = $1 AND receipt_key = $3)
    ) AS found ORDER BY submitted_at DESC LIMIT 1`,
  carrierPartSettle: `UPDATE carrier_parts SET state = $3, error_code = $4, done_at = $5 WHERE message_sid = $1 AND part_index = $2 AND state = 'submitted'`,
  unmatchedInsert: `INSERT INTO unmatched_receipts (channel, smsc_id, receipt_key, state, error_code, received_at) VALUES ($1, $2, $3, $4, $5, $6)`,
  unmatchedFor: `SELECT * FROM (
      (SELECT * FROM unmatched_receipts WHERE channel = $1 AND smsc_id = $2)
      UNION ALL (SELECT * FROM unmatched_receipts WHERE channel = $1 AND receipt_key = $3)
    ) AS found ORDER BY id LIMIT 1`,
  unmatchedDelete: 'DELETE FROM unmatched_receipts WHERE id = $1',
  unmatchedExpire: 'DELETE FROM unmatched_receipts WHERE received_at < $1',
  // Receipts and parts of one id, on any node, take the same lock: a part recorded while its early
  // receipt is stored elsewhere cannot both miss each other. Several keys lock in one order.
  carrierLock: `SELECT pg_advisory_xact_lock(2, k) FROM (SELECT DISTINCT hashtext($1 || ':' || v) AS k FROM unnest($2::text[]) AS v ORDER BY 1) AS keys`,
  inboundPartInsert: `INSERT INTO inbound_parts (channel, group_key, seq, total, account_sid, from_number, to_number, payload, data_coding, received_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (channel, group_key, seq) DO NOTHING`,
  inboundPartsOf: 'SELECT * FROM inbound_parts WHERE channel = $1 AND group_key = $2 ORDER BY seq',
  inboundPartsDelete: 'DELETE FROM inbound_parts WHERE channel = $1 AND group_key = $2',
  inboundGroupLock: `SELECT pg_advisory_xact_lock(3, hashtext($1 || ':' || $2))`,
  inboundGroupsBefore: `SELECT group_key, MIN(account_sid) AS account_sid, MIN(to_number) AS to_number FROM inbound_parts WHERE channel = $1
    GROUP BY group_key HAVING MIN(received_at) < $2 ORDER BY MIN(received_at) LIMIT $3`,

  // Joining and each renewal also read what the other nodes' observers want: a node relays only that
  // (membership.ts, events/relay.ts). Joining keeps what this node's observers want, for later joiners.
  nodeJoin: `INSERT INTO nodes (id, lease_ms, heartbeat, started_at, pid, host, watching, tells_interest)
    VALUES ($1, $2, now(), now(), $3, $4, NULLIF($5, ''), true)
    RETURNING ${WATCHERS}`,
  // Renews only while the lease still runs: a node that comes back after it expired must join again.
  nodeRenew: `UPDATE nodes SET heartbeat = now() WHERE id = $1 AND heartbeat + lease_ms * interval '1 millisecond' > now()
    RETURNING id, ${WATCHERS}`,
  // Joining and watching take this lock in turn (membership.ts): a joiner either reads a watcher's row or is waited for.
  nodesOrder: 'SELECT pg_advisory_xact_lock(4, 0)',
  // What this node's observers want, kept for nodes that join later; returns the other nodes alive that answer, to wait for.
  nodeWatch: `WITH kept AS (UPDATE nodes SET watching = NULLIF($2, '') WHERE id = $1)
    SELECT o.id FROM nodes o WHERE o.id <> $1 AND o.tells_interest AND parley_node_alive(o.id)`,
  nodeTell: `SELECT pg_notify('parley_events', $1)`,
  nodeLeave: 'DELETE FROM nodes WHERE id = $1',
  // Rows of nodes dead for over an hour (their work was taken over long ago).
  nodesForget: `DELETE FROM nodes WHERE heartbeat + lease_ms * interval '1 millisecond' < now() - interval '1 hour'`,
  nodesList: `SELECT id, pid, host, started_at, heartbeat, lease_ms, parley_node_alive(id) AS alive FROM nodes ORDER BY started_at`,
  notify: `SELECT pg_notify('parley_events', p) FROM unnest($1::text[]) AS p`,
  ping: 'SELECT 1 AS ok',
  // Served by the partial indexes of pending turns and undelivered messages; the outbox is small.
  queueDepths: `SELECT (SELECT count(*) FROM messages WHERE turn_state = 'pending') AS turns,
    (SELECT count(*) FROM messages WHERE status IN ('accepted', 'queued', 'sending') AND direction <> 'inbound') AS outbound,
    (SELECT count(*) FROM status_callbacks) AS callbacks`,
} as const;

export type StatementName = keyof typeof statements;

/** Every statement with its name. */
export const SQL = Object.fromEntries(
  Object.entries(statements).map(([name, text]) => [name, { name: `parley_${name}`, text }]),
) as { readonly [K in StatementName]: Statement };
