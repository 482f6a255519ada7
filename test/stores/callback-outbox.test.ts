/**
 * The SQLite side of the status-callback outbox (its behaviour through the Store interface is in
 * the Store contract, ./contract/store-contract.ts): a database at schema version 3 (before the
 * outbox) migrates and keeps its messages; one at version 7 (before heads were marked) migrates with
 * each message's oldest waiting callback as its head; and the heads are read through an index, so
 * the cost of a dispatcher pass does not grow with the backlog.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { MIGRATIONS, applyMigrations } from '../../src/stores/sqlite/migrations.js';
import { SQL } from '../../src/stores/sqlite/sql.js';
import { ACCOUNT, outbound } from './contract/fixtures.js';

let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-outbox-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('status-callback outbox (SQLite)', () => {
  test('a database at schema version 3 migrates to the outbox and keeps its messages', async () => {
    const path = join(dir, 'v3.db');
    const old = new Database(path);
    applyMigrations(old, 3);
    old.pragma('user_version = 3');
    old.prepare(`INSERT INTO messages (sid, account_sid, direction, from_number, to_number, body, status, num_segments,
      status_callback_method, date_created, date_updated) VALUES ('SM${'9'.repeat(32)}', '${ACCOUNT}', 'outbound-api', '+15005550071',
      '+15558670501', 'old', 'queued', 1, 'POST', 1, 1)`).run();
    old.close();
    const migrated = openSqliteStore({ path });
    try {
      assert.deepEqual(await migrated.schemaVersion(), { current: MIGRATIONS.length, latest: MIGRATIONS.length });
      assert.deepEqual((await migrated.messages.undelivered(10)).map((m) => m.body), ['old']);
      assert.deepEqual(await migrated.callbacks.heads(1), []);
    } finally {
      await migrated.close();
    }
  });

  test('a database at schema version 7 migrates with the oldest waiting callback of each message as its head', async () => {
    const path = join(dir, 'v7.db');
    const old = new Database(path);
    applyMigrations(old, 7);
    old.pragma('user_version = 7');
    const insert = old.prepare(`INSERT INTO status_callbacks (account_sid, message_sid, conversation_id, url, params, attempts,
      created_at, next_attempt_at) VALUES ('${ACCOUNT}', ?, NULL, 'http://127.0.0.1:9/status', ?, 0, ?, ?)`);
    const [a, b] = [outbound('a'), outbound('b')];
    insert.run(a.sid, JSON.stringify([['MessageStatus', 'sent']]), 1, 30);
    insert.run(b.sid, JSON.stringify([['MessageStatus', 'sent']]), 2, 20);
    insert.run(a.sid, JSON.stringify([['MessageStatus', 'delivered']]), 3, 3);
    old.close();
    const migrated = openSqliteStore({ path });
    try {
      const heads = await migrated.callbacks.heads(10);
      assert.deepEqual(heads.map((h) => [h.messageSid, h.params[0]![1]]), [[b.sid, 'sent'], [a.sid, 'sent']]);
      await migrated.callbacks.finish(heads[1]!.id, null, null);
      assert.deepEqual((await migrated.callbacks.heads(10)).map((h) => [h.messageSid, h.params[0]![1]]), [[a.sid, 'delivered'], [b.sid, 'sent']]);
    } finally {
      await migrated.close();
    }
  });

  test('the due heads come from an index, in order, without grouping or sorting the waiting callbacks', () => {
    const db = new Database(':memory:');
    try {
      applyMigrations(db);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${SQL.callbackHeads}`).all(10) as Array<{ detail: string }>).map((r) => r.detail);
      assert.ok(plan.some((d) => d.includes('USING INDEX status_callbacks_due')), plan.join('; '));
      assert.ok(!plan.some((d) => /TEMP B-TREE|^SCAN status_callbacks$/.test(d)), plan.join('; '));
    } finally {
      db.close();
    }
  });
});
