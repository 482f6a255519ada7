/**
 * Several processes (here: threads, each with its own connection) opening one new SQLite file at
 * the same instant all succeed: the migration takes the write lock before it reads the version, so
 * the later ones wait and find the schema up to date instead of creating it twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { MIGRATIONS } from '../../src/stores/sqlite/migrations.js';

const STORE = new URL('../../src/stores/sqlite/index.js', import.meta.url).href;

/** Each worker waits at the barrier, then opens the store and reports its schema version (or its error). */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const barrier = new Int32Array(workerData.barrier);
Atomics.add(barrier, 0, 1);
Atomics.notify(barrier, 0);
while (Atomics.load(barrier, 1) === 0) Atomics.wait(barrier, 1, 0);
import(workerData.store).then(async ({ openSqliteStore }) => {
  try {
    const store = openSqliteStore({ path: workerData.path });
    const version = await store.schemaVersion();
    await store.close();
    parentPort.postMessage({ version: version.current });
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
});
`;

test('threads opening one new SQLite file at the same instant migrate it once, all of them without error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-migrate-lock-'));
  try {
    for (let round = 0; round < 5; round++) {
      const path = join(dir, `round-${round}.db`);
      const shared = new SharedArrayBuffer(8);
      const barrier = new Int32Array(shared);
      const workers = Array.from({ length: 4 }, () => new Worker(WORKER, { eval: true, workerData: { barrier: shared, store: STORE, path } }));
      const results = workers.map((w) => new Promise<{ version?: number; error?: string }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      }));
      // Everyone has loaded and waits: release them together.
      const deadline = Date.now() + 20_000;
      while (Atomics.load(barrier, 0) < workers.length && Date.now() < deadline) Atomics.wait(barrier, 0, Atomics.load(barrier, 0), 50);
      assert.equal(Atomics.load(barrier, 0), workers.length, 'every thread reached the barrier');
      Atomics.store(barrier, 1, 1);
      Atomics.notify(barrier, 1);
      for (const r of await Promise.all(results)) assert.deepEqual(r, { version: MIGRATIONS.length });
      await Promise.all(workers.map((w) => w.terminate()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
