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

interface Fixture {
  committer: GroupCommitter;
  /** The WAL's length in frames: one more for each commit here. */
  walFrames: () => number;
  /** A write that inserts a row and returns its rowid. */
  insert: (x: number) => () => number;
}

/** A fresh WAL database with a one-page table, and a group committer on it with `commitDelayMs`. */
async function withCommitter(commitDelayMs: number, body: (fixture: Fixture) => Promise<void>): Promise<void> {
  const db = new Database(join(dir, `commits-${++files}.db`));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0'); // nothing resets the WAL while the test counts its frames
    db.exec('CREATE TABLE t (x INTEGER)');
    const row = db.prepare('INSERT INTO t (x) VALUES (?)');
    await body({
      committer: new GroupCommitter(db, commitDelayMs),
      walFrames: () => (db.pragma('wal_checkpoint(NOOP)') as Array<{ log: number }>)[0]!.log,
      insert: (x) => () => Number(row.run(x).lastInsertRowid),
    });
  } finally {
    db.close();
  }
}

/** Three writes, each queued in a tick of its own. */
async function writesInThreeTicks({ committer, insert }: Fixture): Promise<number[]> {
  const first = committer.write(insert(1));
  await nextTick();
  const second = committer.write(insert(2));
  await nextTick();
  const third = committer.write(insert(3));
  return Promise.all([first, second, third]);
}

/** A write's result as it settles, to see whether it has committed yet without awaiting it. */
function watch(write: Promise<number>): { value: number | undefined } {
  const seen: { value: number | undefined } = { value: undefined };
  void write.then((id) => { seen.value = id; });
  return seen;
}

async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await nextTick();
}

test('without a commit delay, writes queued in different ticks commit one by one', () => withCommitter(0, async (fixture) => {
  const before = fixture.walFrames();
  assert.deepEqual(await writesInThreeTicks(fixture), [1, 2, 3]);
  assert.equal(fixture.walFrames() - before, 3);
}));

test('with a commit delay, writes that come within it after a commit share the next one', () => withCommitter(200, async (fixture) => {
  await fixture.committer.write(fixture.insert(0)); // the commit the next ones wait after
  const before = fixture.walFrames();
  assert.deepEqual(await writesInThreeTicks(fixture), [2, 3, 4]);
  assert.equal(fixture.walFrames() - before, 1, 'one commit for the three');
}));

test('a write after a quiet spell commits at once, and flush() does not wait for the delay', () => withCommitter(10_000, async ({ committer, walFrames, insert }) => {
  const first = watch(committer.write(insert(1)));
  await ticks(2);
  assert.equal(first.value, 1, 'no commit before it: nothing to wait for');

  const second = watch(committer.write(insert(2)));
  await ticks(5);
  assert.equal(second.value, undefined, 'within the delay of the first commit: held');
  const before = walFrames();
  committer.flush(); // as the store does before it closes
  await nextTick();
  assert.equal(second.value, 2);
  assert.equal(walFrames() - before, 1);
}));
