/**
 * Migration 14: messages' seq without AUTOINCREMENT. A message insert no longer writes
 * sqlite_sequence (a page of every commit, bench/README.md finding 118); a database upgraded in
 * place keeps its messages, its threads and their order, and new seqs still come after every
 * stored one.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, applyMigration, applyMigrations } from '../../src/stores/sqlite/migrations.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { ACCOUNT, HANDSET, NUMBER, inbound, outcomeOf, replyTo } from './contract/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-messages-seq-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Inspected { seqs: number[]; sequenceRows: number; autoincrement: boolean; integrity: string }

/** The messages' seqs in insert order, messages' row in sqlite_sequence, and whether the schema still says AUTOINCREMENT. */
function inspect(path: string): Inspected {
  const db = new Database(path, { readonly: true });
  try {
    return {
      seqs: (db.prepare('SELECT seq FROM messages ORDER BY date_created, seq').all() as Array<{ seq: number }>).map((r) => r.seq),
      sequenceRows: (db.prepare("SELECT count(*) AS n FROM sqlite_sequence WHERE name = 'messages'").get() as { n: number }).n,
      autoincrement: /AUTOINCREMENT/i.test((db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'messages'").get() as { sql: string }).sql),
      integrity: db.pragma('integrity_check', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

async function turn(store: ReturnType<typeof openSqliteStore>, body: string): Promise<void> {
  const m = inbound(body);
  await store.messages.insert(m, { startTurn: true });
  await store.turns.complete(outcomeOf(m, { replies: [replyTo(m, 0, `re: ${body}`)] }));
}

test('a new database stores messages without touching sqlite_sequence', async () => {
  const path = join(dir, 'new.db');
  const store = openSqliteStore({ path });
  try {
    await turn(store, 'one');
    await turn(store, 'two');
  } finally {
    await store.close();
  }
  const seen = inspect(path);
  assert.equal(seen.autoincrement, false);
  assert.equal(seen.sequenceRows, 0);
  assert.deepEqual(seen.seqs, [1, 2, 3, 4]);
});

test('a database at schema version 13 migrates in place: its messages, their seqs and threads stay, new seqs come after them', async () => {
  const path = join(dir, 'v13.db');
  const old = new Database(path);
  applyMigrations(old, 13);
  old.pragma('user_version = 13');
  // Messages as Parley 13 stored them: AUTOINCREMENT seqs, the latest then deleted (its seq is in sqlite_sequence only).
  const insert = old.prepare(`INSERT INTO messages (sid, account_sid, direction, from_number, to_number, body, status, num_segments,
    status_callback_method, date_created, date_updated, prev_seq) VALUES (?, ?, 'inbound', ?, ?, ?, 'received', 1, 'POST', ?, ?, NULL)`);
  const stored = ['first', 'second', 'deleted'].map((body) => inbound(`old ${body}`));
  for (const m of stored) insert.run(m.sid, m.accountSid, m.from, m.to, m.body, m.dateCreated, m.dateUpdated);
  old.prepare('DELETE FROM messages WHERE sid = ?').run(stored[2]!.sid);
  assert.deepEqual(old.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").get(), { seq: 3 });
  old.close();

  const store = openSqliteStore({ path });
  try {
    assert.deepEqual(await store.schemaVersion(), { current: MIGRATIONS.length, latest: MIGRATIONS.length });
    await turn(store, 'after');
    const thread = await store.messages.thread(ACCOUNT, HANDSET, { number: NUMBER, limit: 10 });
    assert.deepEqual(thread.map((m) => m.body), ['old first', 'old second', 'after', 're: after']);
  } finally {
    await store.close();
  }
  const seen = inspect(path);
  assert.equal(seen.integrity, 'ok');
  assert.equal(seen.autoincrement, false);
  assert.equal(seen.sequenceRows, 0);
  // The deleted latest seq (3) is given again: nothing kept it, and the order of seqs is still the order of inserts.
  assert.deepEqual(seen.seqs, [1, 2, 3, 4]);
});

test('the migration refuses a messages table that is not as migration 1 created it, and changes nothing', () => {
  const db = new Database(':memory:');
  try {
    applyMigrations(db, 13);
    applyMigrations(db, 14, 13);
    assert.throws(() => db.transaction(() => applyMigration(db, MIGRATIONS[13]!))(), /migration 14: the messages table is not as migration 1 created it/);
    db.exec("INSERT INTO messages (sid, account_sid, direction, from_number, to_number, body, status, num_segments, status_callback_method, date_created, date_updated) VALUES ('SMx', 'AC', 'inbound', '+1', '+2', '', 'received', 1, 'POST', 1, 1)");
    assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_sequence WHERE name = 'messages'").get() as { n: number }).n, 0);
  } finally {
    db.close();
  }
});
