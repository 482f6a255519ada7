/**
 * The checkpointer's pace (src/stores/sqlite/checkpoint-pace.ts): a pass about every
 * `framesPerPass` frames written, within its bounds, so a quiet gateway makes few passes and a busy
 * one as many as before; and a quiet store still copies its WAL into the database file.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CHECKPOINT_PACE, framesSince, nextPassDelay } from '../../src/stores/sqlite/checkpoint-pace.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { inbound } from './contract/fixtures.js';

const pace = { minMs: 50, maxMs: 250, framesPerPass: 2048 };

describe('checkpoint pace', () => {
  test('a pass comes about every framesPerPass frames at the rate just seen', () => {
    assert.equal(nextPassDelay(1024, 100, pace), 200); // 10.24 frames/ms: 2,048 frames in 200 ms
    assert.equal(nextPassDelay(4096, 120, pace), 60);
  });

  test('a busy writer gets the shortest wait, a quiet or idle one the longest', () => {
    assert.equal(nextPassDelay(30_000, 50, pace), 50);
    assert.equal(nextPassDelay(100, 250, pace), 250);
    assert.equal(nextPassDelay(0, 250, pace), 250);
    assert.equal(nextPassDelay(10, 0, pace), 250);
    assert.equal(nextPassDelay(Number.NaN, 100, pace), 250);
  });

  test('frames since the last pass count a restarted WAL from its start', () => {
    assert.equal(framesSince(1000, 1500), 500);
    assert.equal(framesSince(4200, 300), 300);
    assert.equal(framesSince(0, 0), 0);
  });
});

describe('a quiet store', () => {
  test('copies a lone write into the database file without further writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-pace-'));
    const path = join(dir, 'quiet.db');
    const store = openSqliteStore({ path });
    try {
      const marker = `pace-${randomUUID()}`;
      await store.messages.insert(inbound(marker));
      // The writer's connection never checkpoints (wal_autocheckpoint = 0): only the thread's pass,
      // due at most CHECKPOINT_PACE.maxMs after the last, puts the row into the file itself.
      const deadline = Date.now() + 20 * CHECKPOINT_PACE.maxMs;
      while (!(await readFile(path)).includes(marker)) {
        assert.ok(Date.now() < deadline, 'the write was never copied from the WAL');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
