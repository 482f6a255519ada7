/**
 * Migration 13: conversations live in the B-tree of their id (WITHOUT ROWID), so finding one reads
 * one page, not a row's page and an index leaf. A database migrated with its conversations in place
 * keeps every jar and activity, and the store reads, lists, touches, forgets and expires them as before.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/stores/sqlite/migrations.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { SQL } from '../../src/stores/sqlite/sql.js';
import { conversationId, type ConversationRecord } from '../../src/stores/records.js';

const A1 = `AC${'1'.repeat(32)}`;
const A2 = `AC${'2'.repeat(32)}`;

function conversation(accountSid: string, number: string, handset: string, lastActivity: number, cookies: string | null): ConversationRecord {
  return { id: conversationId({ accountSid, number, handset }), accountSid, number, handset, lastActivity, cookies };
}

/** Conversations of two accounts, some with a jar and some without, in no particular order. */
const STORED: ConversationRecord[] = [
  conversation(A1, '+15550001', '+15559003', 3_000, '[{"key":"sid","value":"c"}]'),
  conversation(A1, '+15550001', '+15559001', 1_000, '[{"key":"sid","value":"a"}]'),
  conversation(A1, '+15550002', '+15559001', 5_000, null),
  conversation(A2, '+15550001', '+15559001', 2_000, '[{"key":"sid","value":"b"}]'),
  conversation(A1, '+15550001', '+15559002', 4_000, '[{"key":"sid","value":"ü ☃"}]'),
];

describe('conversations table (migration 13)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-conversations-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a schema-12 database keeps every conversation through the rebuild, and the store uses them as before', async () => {
    const path = join(dir, 'schema-12.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.slice(0, 12)) old.exec(migration);
    old.pragma('user_version = 12');
    const insert = old.prepare('INSERT INTO conversations (id, account_sid, number, handset, last_activity, cookies) VALUES (?, ?, ?, ?, ?, ?)');
    for (const c of STORED) insert.run(c.id, c.accountSid, c.number, c.handset, c.lastActivity, c.cookies);
    old.close();

    const store = openSqliteStore({ path });
    try {
      assert.deepEqual(await store.schemaVersion(), { current: MIGRATIONS.length, latest: MIGRATIONS.length });
      for (const c of STORED) assert.deepEqual(await store.conversations.get(c.id), c);
      assert.equal(await store.conversations.get(conversationId({ accountSid: A1, number: '+15550009', handset: '+15559001' })), null);
      assert.deepEqual((await store.conversations.list(A1, 10)).map((c) => c.lastActivity), [5_000, 4_000, 3_000, 1_000]);
      assert.deepEqual((await store.conversations.list(A1, 2)).map((c) => c.handset), ['+15559001', '+15559002']);

      // Activity only moves forward and keeps the jar; a new conversation is inserted.
      const [first] = STORED;
      await store.conversations.touch({ ...first!, lastActivity: 9_000 });
      await store.conversations.touch({ ...first!, lastActivity: 8_000 });
      assert.deepEqual(await store.conversations.get(first!.id), { ...first!, lastActivity: 9_000 });
      const fresh = conversation(A1, '+15550003', '+15559004', 6_000, null);
      await store.conversations.touch(fresh);
      assert.deepEqual(await store.conversations.get(fresh.id), fresh);

      // Forgetting is per account; expiring empties the jars idle before the cut and nothing else.
      assert.equal(await store.conversations.forget(A2, STORED[1]!.id), false);
      assert.equal(await store.conversations.forget(A1, STORED[1]!.id), true);
      assert.equal((await store.conversations.get(STORED[1]!.id))?.cookies, null);
      assert.equal(await store.conversations.expire(2_500), 1); // A2's, at 2,000; A1's at 1,000 was forgotten
      assert.equal((await store.conversations.get(STORED[3]!.id))?.cookies, null);
      assert.equal((await store.conversations.get(STORED[4]!.id))?.cookies, STORED[4]!.cookies);
    } finally {
      await store.close();
    }

    const after = new Database(path, { readonly: true });
    try {
      const table = after.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'conversations'").get() as { sql: string };
      assert.match(table.sql, /\) WITHOUT ROWID$/);
      const indexes = after.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'conversations' ORDER BY name").all();
      assert.deepEqual(indexes, [{ name: 'conversations_account' }, { name: 'conversations_with_cookies' }]);
      assert.deepEqual(after.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'conversations_by_id%'").all(), []);
    } finally {
      after.close();
    }
  });

  test('a conversation is found in its own B-tree by id; lists and expiry go through their indexes', () => {
    const db = new Database(':memory:');
    try {
      for (const migration of MIGRATIONS) db.exec(migration);
      const plan = (sql: string, ...args: unknown[]): string =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      assert.equal(plan(SQL.conversationGet, 'x'), 'SEARCH conversations USING PRIMARY KEY (id=?)');
      assert.match(plan(SQL.conversationList, A1, 10), /^SEARCH conversations USING INDEX conversations_account \(account_sid=\?\)$/);
      assert.match(plan(SQL.conversationsExpire, 1), /USING INDEX conversations_with_cookies \(last_activity<\?\)/);
    } finally {
      db.close();
    }
  });
});
