/**
 * WAL checkpoints on the worker thread (src/stores/sqlite/checkpointer.ts): under writes that never
 * stop, the WAL is still restarted, again and again, so its file stays a few checkpoints long
 * instead of growing with everything written; every write is kept; closing the store stops the
 * thread cleanly (no fallback warning) and the file opens again with everything in it.
 */
import assert from 'node:assert/strict';
import { open, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { CHECKPOINT_FRAMES } from '../../src/stores/sqlite/checkpointer.js';
import type { MessageRecord } from '../../src/stores/records.js';
import { ACCOUNT, inbound } from './contract/fixtures.js';

const BODY = 'x'.repeat(1500);
let dir = '';
const warnings: Error[] = [];
const onWarning = (warning: Error): void => {
  if (warning.name === 'ParleyStoreWarning') warnings.push(warning);
};

/**
 * The WAL header's checkpoint sequence number: SQLite adds one each time it restarts the WAL from
 * its start (the header is written again with the first frame after a restart).
 */
async function walRestarts(walPath: string): Promise<number> {
  const file = await open(walPath, 'r');
  try {
    const header = Buffer.alloc(16);
    await file.read(header, 0, 16, 0);
    return header.readUInt32BE(12);
  } finally {
    await file.close();
  }
}

function message(n: number): MessageRecord {
  return inbound(BODY, { from: `+1555${String(n % 1000).padStart(7, '0')}` });
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
    const total = 80_000; // about 120 MiB of message bodies: many times the checkpoint size
    const wave = 100;
    let first: MessageRecord | undefined;
    let last: MessageRecord | undefined;
    for (let n = 0; n < total; n += wave) {
      const messages = Array.from({ length: wave }, (_, i) => message(n + i));
      first ??= messages[0];
      last = messages[wave - 1];
      await Promise.all(messages.map((m) => store.messages.insert(m)));
    }
    const walBytes = (await stat(`${path}-wal`)).size;
    const restarts = await walRestarts(`${path}-wal`);
    await store.close();

    // The WAL's file keeps the longest the WAL ever was. How far past the checkpoint size it gets
    // depends on the machine: this writer goes on until the thread has started and made a pass, and
    // until its pause request reaches the event loop (3 to 5 checkpoints long on a slow machine, 8 to
    // 11 restarts). Without restarts it holds everything written: over 400 MiB here.
    const checkpointBytes = CHECKPOINT_FRAMES * 4096;
    assert.ok(restarts >= 3, `the WAL was restarted ${restarts} times`);
    assert.ok(walBytes < 8 * checkpointBytes, `the WAL file reached ${(walBytes / 2 ** 20).toFixed(1)} MiB`);
    const reopened = openSqliteStore({ path });
    try {
      assert.equal((await reopened.messages.get(ACCOUNT, first!.sid))?.body, BODY);
      assert.equal((await reopened.messages.get(ACCOUNT, last!.sid))?.body, BODY);
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
