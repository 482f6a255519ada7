/**
 * WAL checkpoints on the worker thread (src/stores/sqlite/checkpointer.ts): under writes that never
 * stop, the WAL is still restarted, so its file stays near the checkpoint size instead of growing
 * with everything written; every write is kept; closing the store stops the thread cleanly (no
 * fallback warning) and the file opens again with everything in it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { CHECKPOINT_FRAMES } from '../../src/stores/sqlite/checkpointer.js';
import type { MessageRecord } from '../../src/stores/records.js';

const ACCOUNT = 'AC' + '3'.repeat(32);
const BODY = 'x'.repeat(1500);
let dir = '';
const warnings: Error[] = [];
const onWarning = (warning: Error): void => {
  if (warning.name === 'ParleyStoreWarning') warnings.push(warning);
};

function message(n: number): MessageRecord {
  return {
    sid: 'SM' + String(n).padStart(32, '0'), accountSid: ACCOUNT, direction: 'inbound', from: `+1555${String(n % 1000).padStart(7, '0')}`,
    to: '+15005550006', body: BODY, status: 'received', numSegments: 10, media: [], errorCode: null, errorMessage: null,
    messagingServiceSid: null, statusCallback: null, statusCallbackMethod: 'POST', inboundSid: null, replySeq: null,
    dateCreated: n, dateUpdated: n, dateSent: n, validUntil: null,
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-checkpointer-'));
  process.on('warning', onWarning);
});

after(async () => {
  process.off('warning', onWarning);
  await rm(dir, { recursive: true, force: true });
});

describe('background WAL checkpoints', () => {
  test('writes that never pause still get a bounded WAL, and every write is kept', { timeout: 120_000 }, async () => {
    const path = join(dir, 'busy.db');
    const store = openSqliteStore({ path });
    const total = 40_000; // about 60 MiB of message bodies: several times the checkpoint size
    const wave = 100;
    for (let n = 0; n < total; n += wave) {
      await Promise.all(Array.from({ length: wave }, (_, i) => store.messages.insert(message(n + i))));
    }
    const walBytes = (await stat(`${path}-wal`)).size;
    await store.close();

    const checkpointBytes = CHECKPOINT_FRAMES * 4096;
    assert.ok(walBytes < 3 * checkpointBytes, `the WAL file reached ${(walBytes / 2 ** 20).toFixed(1)} MiB`);
    const reopened = openSqliteStore({ path });
    try {
      const first = await reopened.messages.get(ACCOUNT, message(0).sid);
      const last = await reopened.messages.get(ACCOUNT, message(total - 1).sid);
      assert.equal(first?.body, BODY);
      assert.equal(last?.body, BODY);
      const page = await reopened.messages.list(ACCOUNT, {}, { pageSize: 1000 });
      assert.equal(page.length, 1000);
    } finally {
      await reopened.close();
    }
    assert.deepEqual(warnings.map((w) => w.message), [], 'the checkpointer never fell back');
  });

  test('a store opened and closed at once stops its thread cleanly', async () => {
    for (let i = 0; i < 5; i++) {
      const store = openSqliteStore({ path: join(dir, `quick-${i}.db`) });
      await store.messages.insert(message(i));
      await store.close();
    }
    assert.deepEqual(warnings.map((w) => w.message), []);
  });
});
