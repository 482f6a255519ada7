/**
 * Several processes (here: threads, each with its own connection) opening one new SQLite file at
 * the same instant all succeed: the migration takes the write lock before it reads the version, so
 * the later ones wait and find the schema up to date instead of creating it twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/stores/sqlite/migrations.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';

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

/**
 * The interleaving behind the rare failure of the test above: while one connection holds a write
 * transaction on a file still in rollback mode (as a connection converting a new file to WAL does),
 * SQLite answers another connection's `journal_mode = WAL` with SQLITE_BUSY at once, without its
 * busy handler. Opening the store must wait for the lock instead of failing.
 */
const HOLDER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.exec('BEGIN IMMEDIATE; CREATE TABLE held (x)');
parentPort.postMessage('holding');
setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, workerData.holdMs);
`;

test('opening a store waits while another connection writes to the file in rollback mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-migrate-lock-'));
  try {
    const path = join(dir, 'held.db');
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const holder = new Worker(HOLDER, { eval: true, workerData: { path, driver, holdMs: 300 } });
    const released = new Promise((resolve) => holder.on('message', (m) => m === 'released' && resolve(m)));
    await new Promise((resolve) => holder.once('message', resolve)); // holding
    const store = openSqliteStore({ path }); // blocks until the holder commits
    assert.deepEqual(await store.schemaVersion(), { current: MIGRATIONS.length, latest: MIGRATIONS.length });
    await store.close();
    await released;
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'held'").get() as { n: number }).n, 1, "the holder's write was kept");
    db.close();
    await holder.terminate();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
