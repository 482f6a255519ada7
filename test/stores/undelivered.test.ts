/**
 * After a restart the gateway pages through every message still waiting for its channel:
 * `messages.undelivered(limit, afterSid)` returns them in arrival order, one page after another,
 * without the ones already handed over, inbound messages, or finished ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import type { MessageRecord, MessageStatus } from '../../src/stores/records.js';

const ACCOUNT = 'AC' + '2'.repeat(32);

function message(n: number, status: MessageStatus, direction: MessageRecord['direction'] = 'outbound-api'): MessageRecord {
  return {
    sid: 'SM' + String(n).padStart(32, '0'), accountSid: ACCOUNT, direction, from: '+15005550071', to: '+15558670501',
    body: `m${n}`, status, numSegments: 1, media: [], errorCode: null, errorMessage: null, messagingServiceSid: null,
    statusCallback: null, statusCallbackMethod: 'POST', inboundSid: null, replySeq: null,
    dateCreated: n, dateUpdated: n, dateSent: null, validUntil: null,
  };
}

test('undelivered messages come page by page in arrival order', async () => {
  const store = openSqliteStore({ path: ':memory:' });
  try {
    // Inserted in this order; the SIDs deliberately do not sort the same way.
    const rows = [message(9, 'queued'), message(1, 'delivered'), message(8, 'accepted'), message(2, 'received', 'inbound'), message(7, 'sending'), message(3, 'queued')];
    for (const m of rows) await store.messages.insert(m);
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.messages.undelivered(2, after);
      if (page.length === 0) break;
      pages.push(page.map((m) => m.body));
      after = page[page.length - 1]!.sid;
    }
    assert.deepEqual(pages, [['m9', 'm8'], ['m7', 'm3']]);
  } finally {
    await store.close();
  }
});
