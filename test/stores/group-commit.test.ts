/**
 * The SQLite store's group commit (src/stores/sqlite/group-commit.ts) on a real WAL file: how
 * many commits a stream of writes makes, with and without a commit delay. A commit of one row of a
 * one-page table appends one frame to the WAL, so the WAL's length counts the commits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommitter } from '../../src/stores/sqlite/group-commit.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function walDatabase(): { db: Database.Database; walFrames: () => number; insert: (x: number) => () => number } {
  const db = new Database(join(dir, `commits-${++files}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0'); // nothing resets the WAL while the test counts its frames
  db.exec('CREATE TABLE t (x INTEGER)');
  const row = db.prepare('INSERT INTO t (x) VALUES (?)');
  return {
    db,
    walFrames: () => (db.pragma('wal_checkpoint(NOOP)') as Array<{ log: number }>)[0]!.log,
    insert: (x) => () => Number(row.run(x).lastInsertRowid),
  };
}

/** Three writes, each queued in a tick of its own. */
async function writesInThreeTicks(committer: GroupCommitter, insert: (x: number) => () => number): Promise<number[]> {
  const first = committer.write(insert(1));
  await nextTick();
  const second = committer.write(insert(2));
  await nextTick();
  const third = committer.write(insert(3));
  return Promise.all([first, second, third]);
}

test('without a commit delay, writes queued in different ticks commit one by one', async () => {
  const { db, walFrames, insert } = walDatabase();
  try {
    const committer = new GroupCommitter(db);
    const before = walFrames();
    assert.deepEqual(await writesInThreeTicks(committer, insert), [1, 2, 3]);
    assert.equal(walFrames() - before, 3);
  } finally {
    db.close();
  }
});

test('with a commit delay, writes that come within it after a commit share the next one', async () => {
  const { db, walFrames, insert } = walDatabase();
  try {
    const committer = new GroupCommitter(db, 200);
    await committer.write(insert(0)); // the commit the next ones wait after
    const before = walFrames();
    assert.deepEqual(await writesInThreeTicks(committer, insert), [2, 3, 4]);
    assert.equal(walFrames() - before, 1, 'one commit for the three');
  } finally {
    db.close();
  }
});

test('a write after a quiet spell commits at once, and flush() does not wait for the delay', async () => {
  const { db, walFrames, insert } = walDatabase();
  try {
    const committer = new GroupCommitter(db, 10_000);
    const first = committer.write(insert(1));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<string>((resolve) => { timer = setTimeout(resolve, 2_000, 'still waiting'); });
    assert.equal(await Promise.race([first, timedOut]), 1, 'no commit before it: nothing to wait for');
    clearTimeout(timer);

    let second: number | undefined;
    void committer.write(insert(2)).then((id) => { second = id; });
    for (let i = 0; i < 5; i++) await nextTick();
    assert.equal(second, undefined, 'within the delay of the first commit: held');
    const before = walFrames();
    committer.flush(); // as the store does before it closes
    await nextTick();
    assert.equal(second, 2);
    assert.equal(walFrames() - before, 1);
  } finally {
    db.close();
  }
});
