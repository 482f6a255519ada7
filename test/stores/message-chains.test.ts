/**
 * Migration 13: a conversation's messages as a chain. A turn on a conversation that exists writes no
 * entry into the index by handset (the page a large store had to read from disk on most turns), and
 * a database upgraded with its messages in place keeps every thread: the old messages stay in the
 * index, the new ones chain on, and deleting either kind leaves the rest in order. The thread's
 * behaviour itself is in the Store contract (./contract/thread-contract.ts).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { applyMigrations } from '../../src/stores/sqlite/migrations.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { conversationId } from '../../src/stores/records.js';
import { ACCOUNT, HANDSET, NUMBER, inbound, outbound, outcomeOf, replyTo } from './contract/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-message-chains-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The entries the index by handset holds for a handset (the partial index's own condition). */
function indexedFor(path: string, handset: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM messages INDEXED BY messages_by_handset
      WHERE account_sid = ? AND (CASE WHEN direction = 'inbound' THEN from_number ELSE to_number END) = ? AND prev_seq IS NULL`)
      .get(ACCOUNT, handset) as { n: number }).n;
  } finally {
    db.close();
  }
}

test("a turn on a conversation that exists writes nothing into the index by handset; a new handset's first message does", async () => {
  const path = join(dir, 'turns.db');
  const store = openSqliteStore({ path });
  try {
    const first = inbound('first');
    await store.messages.insert(first, { startTurn: true });
    await store.turns.complete(outcomeOf(first, { replies: [replyTo(first, 0, 'hello')] }));
    assert.equal(indexedFor(path, HANDSET), 1, "the first message, before its conversation's row existed");
    for (let i = 0; i < 3; i++) {
      const m = inbound(`turn ${i}`);
      await store.messages.insert(m, { startTurn: true });
      await store.turns.complete(outcomeOf(m, { replies: [replyTo(m, 0, 'again'), replyTo(m, 1, 'and again')] }));
    }
    await store.messages.insert(outbound('from the API'));
    assert.equal(indexedFor(path, HANDSET), 1, 'later messages joined the chain');
    assert.equal((await store.messages.thread(ACCOUNT, HANDSET, { limit: 100 })).length, 1 + 1 + 3 * 3 + 1);
  } finally {
    await store.close();
  }
});

test('a database upgraded with its messages in place keeps its threads, and new messages chain on to them', async () => {
  const path = join(dir, 'upgraded.db');
  const old = new Database(path);
  applyMigrations(old, 12);
  old.pragma(`user_version = 12`);
  // A conversation as Parley 12 left it: its row, and a turn's two messages in the index by handset.
  const before = [inbound('old question'), outbound('old answer')];
  const insert = old.prepare(`INSERT INTO messages (sid, account_sid, direction, from_number, to_number, body, status, num_segments,
    status_callback_method, date_created, date_updated) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'POST', ?, ?)`);
  for (const m of before) insert.run(m.sid, m.accountSid, m.direction, m.from, m.to, m.body, m.status, m.dateCreated, m.dateUpdated);
  old.prepare('INSERT INTO conversations (id, account_sid, number, handset, last_activity, cookies) VALUES (?, ?, ?, ?, ?, NULL)')
    .run(conversationId({ accountSid: ACCOUNT, number: NUMBER, handset: HANDSET }), ACCOUNT, NUMBER, HANDSET, before[1]!.dateCreated);
  old.close();

  const store = openSqliteStore({ path });
  try {
    const added: ReturnType<typeof inbound>[] = [];
    for (let i = 0; i < 2; i++) {
      const m = inbound(`new ${i}`);
      const reply = replyTo(m, 0, `reply ${i}`);
      await store.messages.insert(m, { startTurn: true });
      await store.turns.complete(outcomeOf(m, { replies: [reply] }));
      added.push(m, reply);
    }
    const bodies = async (): Promise<string[]> => (await store.messages.thread(ACCOUNT, HANDSET, { number: NUMBER, limit: 100 })).map((m) => m.body);
    assert.deepEqual(await bodies(), ['old question', 'old answer', 'new 0', 'reply 0', 'new 1', 'reply 1']);
    assert.equal(indexedFor(path, HANDSET), 2, 'only the old messages are in the index');
    await store.messages.delete(ACCOUNT, before[1]!.sid); // outside the chain
    await store.messages.delete(ACCOUNT, added[0]!.sid); // the chain's first
    await store.messages.delete(ACCOUNT, added[3]!.sid); // its head
    assert.deepEqual(await bodies(), ['old question', 'reply 0', 'new 1']);
    const m = inbound('newest');
    await store.messages.insert(m, { startTurn: true });
    assert.deepEqual(await bodies(), ['old question', 'reply 0', 'new 1', 'newest']);
  } finally {
    await store.close();
  }
});
