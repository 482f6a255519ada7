/**
 * The status-callback outbox of the SQLite store, through the Store contract: a status change
 * and its callback commit together; `heads` hands out only the oldest callback of each message;
 * `retryLater` and `finish` keep the exchange (and alert) with the job's change. Also: a database
 * at schema version 3 (before the outbox) migrates and keeps its messages.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { MIGRATIONS } from '../../src/stores/sqlite/migrations.js';
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
});
