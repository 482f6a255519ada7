/**
 * The status-callback outbox of the SQLite store, through the Store contract: a status change
 * and its callback commit together; `heads` hands out only the oldest callback of each message;
 * `retryLater` and `finish` keep the exchange (and alert) with the job's change. Also: a database
 * at schema version 3 (before the outbox) migrates and keeps its messages; one at version 7 (before
 * heads were marked) migrates with each message's oldest waiting callback as its head; and the heads
 * are read through an index, so the cost of a dispatcher pass does not grow with the backlog.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { MIGRATIONS } from '../../src/stores/sqlite/migrations.js';
import { SQL } from '../../src/stores/sqlite/sql.js';
import type { Store } from '../../src/stores/store.js';
import type { MessageRecord, NewStatusCallback, WebhookExchange } from '../../src/stores/records.js';

const ACCOUNT = 'AC' + '1'.repeat(32);
let dir = '';
let store: Store;

function message(n: number): MessageRecord {
  return {
    sid: 'SM' + String(n).padStart(32, '0'), accountSid: ACCOUNT, direction: 'outbound-api', from: '+15005550071', to: '+15558670501',
    body: 'hi', status: 'queued', numSegments: 1, media: [], errorCode: null, errorMessage: null, messagingServiceSid: null,
    statusCallback: 'http://127.0.0.1:9/status', statusCallbackMethod: 'POST', inboundSid: null, replySeq: null,
    dateCreated: n, dateUpdated: n, dateSent: null, validUntil: null,
  };
}

function job(m: MessageRecord, status: string, at: number): NewStatusCallback {
  return { accountSid: ACCOUNT, messageSid: m.sid, conversationId: null, url: m.statusCallback!, params: [['MessageStatus', status]], createdAt: at };
}

function exchange(m: MessageRecord, seq: number): WebhookExchange {
  return {
    sid: 'WX' + String(seq).padStart(32, '0'), accountSid: ACCOUNT, messageSid: m.sid, conversationId: null, purpose: 'status-callback', seq,
    startedAt: seq, request: { method: 'POST', url: m.statusCallback!, headers: {}, params: [], signedString: '', signature: '' },
    response: null, errorCode: 11205, errorMessage: 'refused', jarBefore: [], jarAfter: [], steps: [],
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-outbox-'));
  store = openSqliteStore({ path: join(dir, 'outbox.db') });
});

after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('status-callback outbox', () => {
  test('the status and its callback commit together; heads give the oldest of each message', async () => {
    const [a, b] = [message(1), message(2)];
    await store.messages.insert(a);
    await store.messages.insert(b);
    await store.messages.setStatus(a.sid, 'sent', { at: 10 }, job(a, 'sent', 10));
    await store.messages.setStatus(a.sid, 'delivered', { at: 11 }, job(a, 'delivered', 11));
    await store.messages.setStatus(b.sid, 'sent', { at: 12 }, job(b, 'sent', 12));
    assert.equal((await store.messages.get(ACCOUNT, a.sid))?.status, 'delivered');
    const heads = await store.callbacks.heads(10);
    assert.deepEqual(heads.map((h) => [h.messageSid, h.params[0]![1], h.attempts, h.nextAttemptAt]), [[a.sid, 'sent', 0, 10], [b.sid, 'sent', 0, 12]]);

    // A retry keeps a's `delivered` waiting behind its `sent`, and is ordered by its next attempt.
    await store.callbacks.retryLater(heads[0]!.id, 1, 500, exchange(a, 1));
    const later = await store.callbacks.heads(10);
    assert.deepEqual(later.map((h) => [h.messageSid, h.params[0]![1], h.attempts]), [[b.sid, 'sent', 0], [a.sid, 'sent', 1]]);
    assert.equal((await store.exchanges.listForMessage(ACCOUNT, a.sid)).length, 1);

    await store.callbacks.finish(heads[0]!.id, exchange(a, 2), null);
    const next = await store.callbacks.heads(10);
    assert.deepEqual(next.map((h) => [h.messageSid, h.params[0]![1]]), [[a.sid, 'delivered'], [b.sid, 'sent']]);
    for (const h of next) await store.callbacks.finish(h.id, null, null);
    assert.deepEqual(await store.callbacks.heads(10), []);
  });

  test('a database at schema version 3 migrates to the outbox and keeps its messages', async () => {
    const path = join(dir, 'v3.db');
    const old = new Database(path);
    old.exec(MIGRATIONS.slice(0, 3).join('\n'));
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
    old.exec(MIGRATIONS.slice(0, 7).join('\n'));
    old.pragma('user_version = 7');
    const insert = old.prepare(`INSERT INTO status_callbacks (account_sid, message_sid, conversation_id, url, params, attempts,
      created_at, next_attempt_at) VALUES ('${ACCOUNT}', ?, NULL, 'http://127.0.0.1:9/status', ?, 0, ?, ?)`);
    const [a, b] = [message(7), message(8)];
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
    const db = new Database(join(dir, 'outbox.db'), { readonly: true });
    try {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${SQL.callbackHeads}`).all(10) as Array<{ detail: string }>).map((r) => r.detail);
      assert.ok(plan.some((d) => d.includes('USING INDEX status_callbacks_due')), plan.join('; '));
      assert.ok(!plan.some((d) => /TEMP B-TREE|^SCAN status_callbacks$/.test(d)), plan.join('; '));
    } finally {
      db.close();
    }
  });
});
