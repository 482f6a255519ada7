/**
 * A conversation's exchanges (the console's inspector) are found through the conversation's
 * messages since migration 6 dropped the exchanges index keyed by conversation: the turn webhooks
 * of its inbound messages and the status callbacks of its replies, oldest first, the latest
 * `limit` of them, and never another conversation's or another account's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import type { Store } from '../../src/stores/store.js';
import { conversationId, type MessageRecord, type WebhookExchange } from '../../src/stores/records.js';

const ACCOUNT = 'AC' + '1'.repeat(32);
const OTHER_ACCOUNT = 'AC' + '2'.repeat(32);
const NUMBER = '+15005550006';
const HANDSET = '+15558670501';
const OTHER_HANDSET = '+15558670502';
let dir = '';
let store: Store;
let nextSid = 0;

function message(accountSid: string, from: string, to: string, direction: MessageRecord['direction']): MessageRecord {
  const n = ++nextSid;
  return {
    sid: 'SM' + String(n).padStart(32, '0'), accountSid, direction, from, to, body: `message ${n}`,
    status: direction === 'inbound' ? 'received' : 'delivered', numSegments: 1, media: [], errorCode: null, errorMessage: null,
    messagingServiceSid: null, statusCallback: null, statusCallbackMethod: 'POST', inboundSid: null, replySeq: null,
    dateCreated: n, dateUpdated: n, dateSent: n, validUntil: null,
  };
}

function exchange(m: MessageRecord, purpose: WebhookExchange['purpose'], handset: string): WebhookExchange {
  const n = ++nextSid;
  return {
    sid: 'WX' + String(n).padStart(32, '0'), accountSid: m.accountSid, messageSid: m.sid,
    conversationId: conversationId({ accountSid: m.accountSid, number: NUMBER, handset }), purpose, seq: 0, startedAt: n,
    request: { method: 'POST', url: 'http://127.0.0.1:9/sms', headers: {}, params: [], signedString: '', signature: '' },
    response: { status: 200, headers: {}, body: '<Response/>', durationMs: 1 }, errorCode: null, errorMessage: null,
    jarBefore: [], jarAfter: [], steps: [],
  };
}

/** One turn: the handset's message, its webhook, the reply and the reply's status callback. */
async function turn(accountSid: string, handset: string): Promise<string[]> {
  const inbound = message(accountSid, handset, NUMBER, 'inbound');
  const reply = message(accountSid, NUMBER, handset, 'outbound-reply');
  const webhook = exchange(inbound, 'sms', handset);
  const callback = exchange(reply, 'status-callback', handset);
  await store.messages.insert(inbound);
  await store.messages.insert(reply);
  await store.exchanges.insert(webhook);
  await store.exchanges.insert(callback);
  await store.conversations.touch({
    id: conversationId({ accountSid, number: NUMBER, handset }), accountSid, number: NUMBER, handset, lastActivity: nextSid,
  });
  return [webhook.sid, callback.sid];
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-conversation-exchanges-'));
  store = openSqliteStore({ path: join(dir, 'exchanges.db') });
});

after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a conversation's exchanges", () => {
  test('webhooks and status callbacks of this conversation only, oldest first, the latest `limit`', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      mine.push(...await turn(ACCOUNT, HANDSET));
      await turn(ACCOUNT, OTHER_HANDSET);
      await turn(OTHER_ACCOUNT, HANDSET);
    }
    const id = conversationId({ accountSid: ACCOUNT, number: NUMBER, handset: HANDSET });
    const all = await store.exchanges.listForConversation(ACCOUNT, id, 200);
    assert.deepEqual(all.map((x) => x.sid), mine);
    assert.deepEqual(all.map((x) => x.purpose).slice(0, 2), ['sms', 'status-callback']);

    const latest = await store.exchanges.listForConversation(ACCOUNT, id, 3);
    assert.deepEqual(latest.map((x) => x.sid), mine.slice(-3));

    assert.deepEqual(await store.exchanges.listForConversation(OTHER_ACCOUNT, id, 200), [], 'another account asking for this id');
    const unknown = conversationId({ accountSid: ACCOUNT, number: NUMBER, handset: '+15558670599' });
    assert.deepEqual(await store.exchanges.listForConversation(ACCOUNT, unknown, 200), []);
  });
});
