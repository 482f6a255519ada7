/**
 * Migration 5's leaner message indexes (no SID in their keys): every statement of the SQLite store
 * still finds its rows through an index, never a full scan of messages, conversations or exchanges.
 * Migration 11: writing a message never builds a temporary B-tree to check a partial index.
 * Migration 12: the indexes by handset and by Parley number find exactly the messages the indexes by
 * To and by From found, on a database migrated with its messages in place (and so does migration 13,
 * whose chains hold only messages written after it: test/stores/message-chains.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { applyMigrations } from '../../src/stores/sqlite/migrations.js';
import { SQL } from '../../src/stores/sqlite/sql.js';

/** Runs `prefix` + a store statement with every parameter bound to NULL, by name or by position. */
function withNulls<Row>(db: Database.Database, prefix: string, sql: string): Row[] {
  const names = [...new Set(sql.match(/@\w+/g) ?? [])].map((n) => n.slice(1));
  const statement = db.prepare(`${prefix} ${sql}`);
  return (names.length > 0
    ? statement.all(Object.fromEntries(names.map((n) => [n, null])))
    : statement.all(...Array<null>((sql.match(/\?/g) ?? []).length).fill(null))) as Row[];
}

describe('message indexes (migrations 5, 11, 12 and 13)', () => {
  test('no statement of the store scans messages, conversations or exchanges', () => {
    const db = new Database(':memory:');
    try {
      applyMigrations(db);
      for (const [name, sql] of Object.entries(SQL)) {
        const detail = withNulls<{ detail: string }>(db, 'EXPLAIN QUERY PLAN', sql).map((r) => r.detail).join(' | ');
        assert.doesNotMatch(detail, /SCAN (messages|conversations|exchanges)(?! USING)/, `${name}: ${detail}`);
        // Each branch seeks its handset or number in the index: an expression spelt unlike migration
        // 12's would leave only the account to seek, and read every message of the account.
        const seek = (index: string): string => `${index} \\(account_sid=\\? AND <expr>=\\?\\)`;
        // A thread (migration 13) walks its conversations' chains by primary key, found by handset.
        const walk = 'SEARCH conversations USING INDEX conversations_by_handset \\(account_sid=\\? AND handset=\\?\\).*SCAN walk \\| SEARCH m USING INTEGER PRIMARY KEY';
        if (name === 'messageThread' || name === 'exchangesForConversation') {
          assert.match(detail, new RegExp(`${walk}.*${seek('messages_by_handset')}.*${seek('messages_by_number')}`), detail);
        }
        if (name === 'exchangesForConversation') assert.match(detail, /SEARCH e USING INDEX exchanges_message \(message_sid=\?\)/, detail);
      }
    } finally {
      db.close();
    }
  });

  test('a turn\'s writes of messages build no temporary B-tree (migration 11: no IN list in a partial index)', () => {
    const db = new Database(':memory:');
    try {
      applyMigrations(db);
      for (const name of ['messageInsert', 'replyInsert', 'replyInsertAhead', 'turnFinish', 'messageSetStatus', 'messageSetStatusFrom', 'messageUpdate'] as const) {
        const rows = withNulls<{ opcode: string }>(db, 'EXPLAIN', SQL[name]);
        assert.ok(rows.length > 0, name);
        assert.deepEqual(rows.filter((r) => r.opcode === 'OpenEphemeral'), [], `${name} opens a temporary B-tree`);
      }
    } finally {
      db.close();
    }
  });

  test('migrations 12 and 13 keep every thread as the indexes by To and by From found it', () => {
    const db = new Database(':memory:');
    try {
      applyMigrations(db, 11);
      // Handsets texting two Parley numbers, replies, an API message, and two Parley numbers texting
      // each other (each message then has a Parley number on both sides).
      const rows: Array<[string, string, string]> = [
        ['inbound', '+15550001', '+15559001'], ['outbound-reply', '+15559001', '+15550001'],
        ['inbound', '+15550001', '+15559002'], ['outbound-api', '+15559002', '+15550001'],
        ['inbound', '+15550002', '+15559001'], ['outbound-reply', '+15559001', '+15550002'],
        ['outbound-api', '+15559001', '+15559002'], ['inbound', '+15559001', '+15559002'],
        ['outbound-reply', '+15559002', '+15559001'], ['inbound', '+15550001', '+15559001'],
      ];
      const insert = db.prepare(`INSERT INTO messages (sid, account_sid, direction, from_number, to_number, body, status,
        num_segments, status_callback_method, date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, 'received', 1, 'POST', 0, 0)`);
      rows.forEach(([direction, from, to], i) => insert.run(`SM${String(i).padStart(32, '0')}`, 'AC1', direction, from, to, `m${i}`));
      insert.run(`SM${'9'.repeat(32)}`, 'AC2', 'inbound', '+15550001', '+15559001', 'another account');
      // The queries as they were before migration 12, through the indexes by To and by From.
      const threadBefore = db.prepare(`SELECT body FROM (
          SELECT * FROM messages WHERE account_sid = @account AND from_number = @handset AND (@number IS NULL OR to_number = @number)
          UNION ALL
          SELECT * FROM messages WHERE account_sid = @account AND to_number = @handset AND (@number IS NULL OR from_number = @number)
        ) ORDER BY seq DESC LIMIT @limit`);
      const conversationBefore = db.prepare(`SELECT sid FROM (
          SELECT seq, sid FROM messages WHERE account_sid = @account AND from_number = @handset AND to_number = @number
          UNION ALL
          SELECT seq, sid FROM messages WHERE account_sid = @account AND to_number = @handset AND from_number = @number
        ) ORDER BY seq DESC LIMIT @limit`);
      const people = ['+15550001', '+15550002', '+15559001', '+15559002'];
      const cases = people.flatMap((handset) => [null, ...people].map((number) => ({ account: 'AC1', handset, number, limit: 100 })));
      const before = cases.map((c) => threadBefore.all(c));
      const conversationsBefore = cases.filter((c) => c.number).map((c) => conversationBefore.all(c));

      applyMigrations(db, 13, 11); // migrations 12 and 13: no message is in a chain yet, so all stay in messages_by_handset
      const thread = db.prepare(`SELECT body FROM (${SQL.messageThread})`);
      const after = cases.map((c) => thread.all(c));
      assert.deepEqual(after, before);
      assert.ok(before.some((found) => found.length > 1) && before.some((found) => found.length === 0)); // the cases differ
      // A conversation's exchanges are those of its thread with its number (sql.ts, exchangesForConversation).
      assert.match(SQL.exchangesForConversation, /FROM \(WITH RECURSIVE walk/);
      const conversation = db.prepare(`SELECT sid FROM (${SQL.messageThread})`);
      assert.deepEqual(cases.filter((c) => c.number).map((c) => conversation.all(c)), conversationsBefore);
    } finally {
      db.close();
    }
  });
});
