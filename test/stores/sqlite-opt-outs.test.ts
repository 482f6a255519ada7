/**
 * The SQLite store answers opt-out checks from memory (src/stores/sqlite/opt-outs.ts): it reads
 * the table once, applies each committed change, and past its limit reads the table instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { applyMigrations } from '../../src/stores/sqlite/migrations.js';
import { prepareStatements, type Statements } from '../../src/stores/sqlite/sql.js';
import { GroupCommitter } from '../../src/stores/sqlite/group-commit.js';
import { sqliteOptOuts } from '../../src/stores/sqlite/opt-outs.js';

const ACCOUNT = 'AC' + 'a1'.repeat(16);
const NUMBER = '+15005550006';
const handset = (i: number): string => `+1555867${String(i).padStart(4, '0')}`;

function openFile(): { db: Database.Database; st: Statements; reads: () => number; committer: GroupCommitter; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-opt-outs-'));
  const db = new Database(join(dir, 'parley.db'));
  db.pragma('journal_mode = WAL');
  applyMigrations(db);
  const st = prepareStatements(db);
  let reads = 0;
  const has = st.optOutHas;
  const get = has.get.bind(has);
  (has as { get: typeof has.get }).get = (...args: unknown[]) => {
    reads++;
    return get(...args);
  };
  return { db, st, reads: () => reads, committer: new GroupCommitter(db), cleanup: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const read = <T>(run: () => T): Promise<T> => Promise.resolve().then(run);

test('checks read nothing while the opt-outs fit in memory; a new repository loads what is stored', async () => {
  const f = openFile();
  try {
    const write = <T>(run: () => T): Promise<T> => f.committer.write(run);
    const optOuts = sqliteOptOuts(f.st, write, read, 10);
    await optOuts.add(ACCOUNT, NUMBER, handset(1), 1);
    await optOuts.add(ACCOUNT, NUMBER, handset(2), 2);
    assert.equal(await optOuts.remove(ACCOUNT, NUMBER, handset(2)), true);
    assert.deepEqual(await Promise.all([1, 2, 3].map((i) => optOuts.has(ACCOUNT, NUMBER, handset(i)))), [true, false, false]);
    assert.equal(f.reads(), 0);
    const again = sqliteOptOuts(f.st, write, read, 10);
    assert.deepEqual(await Promise.all([1, 2].map((i) => again.has(ACCOUNT, NUMBER, handset(i)))), [true, false]);
    assert.equal(f.reads(), 0);
    assert.deepEqual(f.db.prepare('SELECT handset FROM opt_outs').pluck().all(), [handset(1)]);
  } finally {
    f.cleanup();
  }
});

test('past the limit the table is read, and the answers stay the same', async () => {
  const f = openFile();
  try {
    const write = <T>(run: () => T): Promise<T> => f.committer.write(run);
    const optOuts = sqliteOptOuts(f.st, write, read, 3);
    for (let i = 0; i < 5; i++) await optOuts.add(ACCOUNT, NUMBER, handset(i), i);
    assert.equal(await optOuts.remove(ACCOUNT, NUMBER, handset(0)), true);
    const answers = await Promise.all([0, 1, 4, 5].map((i) => optOuts.has(ACCOUNT, NUMBER, handset(i))));
    assert.deepEqual(answers, [false, true, true, false]);
    assert.equal(f.reads(), 4, 'every check read the table');
    const reopened = sqliteOptOuts(f.st, write, read, 3); // 4 stored: over the limit from the start
    assert.equal(await reopened.has(ACCOUNT, NUMBER, handset(4)), true);
    assert.equal(f.reads(), 5);
  } finally {
    f.cleanup();
  }
});

test('a change that does not commit changes nothing in memory', async () => {
  const f = openFile();
  try {
    let fail = false;
    const write = <T>(run: () => T): Promise<T> => (fail ? Promise.reject(new Error('disk full')) : f.committer.write(run));
    const optOuts = sqliteOptOuts(f.st, write, read, 10);
    await optOuts.add(ACCOUNT, NUMBER, handset(1), 1);
    fail = true;
    await assert.rejects(optOuts.add(ACCOUNT, NUMBER, handset(2), 2), /disk full/);
    await assert.rejects(optOuts.remove(ACCOUNT, NUMBER, handset(1)), /disk full/);
    assert.equal(await optOuts.has(ACCOUNT, NUMBER, handset(1)), true);
    assert.equal(await optOuts.has(ACCOUNT, NUMBER, handset(2)), false);
  } finally {
    f.cleanup();
  }
});
