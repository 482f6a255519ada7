/**
 * The growth workload's seeding (bench/lib/seed.ts) grows one database in several calls, each
 * spreading its SIDs' times over the hour before its own `now`; the SIDs must stay unique across
 * calls (a per-call counter once met an earlier call's SID and failed the workload). A seeded
 * conversation is stored as the gateway stores a first turn (its reply in the conversation's
 * chain, migration 13), so its thread reads back whole and the next turn chains on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { seedConversations } from '../../bench/lib/seed.js';
import { handsetNumber } from '../../bench/workloads/http-ceiling.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';

test('seeding in several calls with the same clock gives every message its own SID', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-seed-'));
  try {
    const path = join(dir, 'growth.db');
    const store = openSqliteStore({ path }); // the schema, as the gateway creates it
    await store.close();
    const now = Date.parse('2026-12-06T00:00:00Z');
    const common = { db: path, accountSid: `AC${'a'.repeat(32)}`, numbers: ['+15550000001', '+15550000002'], handsetNumber, appUrl: 'http://127.0.0.1:1/', now };
    // Same `now`: conversation 0 of the first call and conversation 10 of the second get the same times.
    seedConversations({ ...common, from: 0, to: 10 });
    seedConversations({ ...common, from: 10, to: 30 });
    const db = new Database(path, { readonly: true });
    try {
      const counts = db.prepare('SELECT (SELECT COUNT(*) FROM conversations) AS conversations, (SELECT COUNT(DISTINCT sid) FROM messages) AS sids').get();
      assert.deepEqual(counts, { conversations: 30, sids: 60 });
      assert.deepEqual(db.prepare('SELECT count(*) AS n FROM messages WHERE prev_seq IS NULL').get(), { n: 30 }, 'the inbound messages only');
    } finally {
      db.close();
    }
    const reopened = openSqliteStore({ path });
    try {
      const thread = await reopened.messages.thread(common.accountSid, handsetNumber(12), { limit: 10 });
      assert.deepEqual(thread.map((m) => [m.direction, m.from, m.to]),
        [['inbound', handsetNumber(12), common.numbers[0]], ['outbound-reply', common.numbers[0], handsetNumber(12)]]);
    } finally {
      await reopened.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
