/**
 * The WAL-coalescing VFS shim (native/wal-coalesce.c, loaded by src/stores/sqlite/wal-coalescing.ts):
 * a commit's frames reach the WAL in one write instead of two per page; what is committed is what
 * another connection reads and what a reopened file holds, across commits larger than the shim's
 * buffer, transactions that spill pages before they commit, and rollbacks; a write the file
 * refuses fails its commit, as without the shim; the shim can be left off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadWalCoalescing } from '../../src/stores/sqlite/wal-coalescing.js';

const PAGE = 4096;
const MODULE = new URL('../../src/stores/sqlite/wal-coalescing.js', import.meta.url).href;

/** Write system calls this process has made so far (Linux). */
function writeCalls(): number {
  return Number(/^syscw:\s+(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

function walFile(name: string): { path: string; db: Database.Database; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-wal-coalesce-'));
  const path = join(dir, name);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0'); // keep every frame in the WAL while the test reads it
  db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB)');
  return { path, db, done: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('the shim loads, once per process', () => {
  assert.deepEqual(loadWalCoalescing(), { active: true });
  assert.deepEqual(loadWalCoalescing(), { active: true });
});

test('a commit of twelve pages reaches the WAL in one write', () => {
  assert.equal(loadWalCoalescing().active, true);
  const { db, done } = walFile('one-write.db');
  try {
    const insert = db.prepare('INSERT INTO t (n, b) VALUES (?, ?)');
    const commit = db.transaction((from: number) => {
      for (let n = from; n < from + 12; n++) insert.run(n, Buffer.alloc(PAGE - 200, n)); // a page each
    });
    commit(0); // the WAL's header and first commit
    const before = writeCalls();
    commit(100);
    const writes = writeCalls() - before;
    // Without the shim: a header and a page for each of the 12 rows' pages and the pages above them.
    assert.equal(writes, 1, `${writes} write calls for one commit`);
  } finally {
    done();
  }
});

test('large commits, spilled pages and rollbacks read back whole, from another connection and after reopening', () => {
  assert.equal(loadWalCoalescing().active, true);
  const { path, db, done } = walFile('whole.db');
  try {
    db.pragma('cache_size = 8'); // a transaction larger than the cache spills frames before it commits
    const reader = new Database(path, { readonly: true });
    const count = reader.prepare('SELECT count(*) AS n, sum(length(b)) AS bytes FROM t');
    const insert = db.prepare('INSERT INTO t (n, b) VALUES (?, ?)');
    const fill = (from: number, rows: number): void => {
      for (let n = from; n < from + rows; n++) insert.run(n, Buffer.alloc(3000, n % 251));
    };
    // 300 rows of 3,000 bytes: about 900 KiB of frames, several times the shim's 120 KiB buffer.
    db.transaction(() => {
      fill(0, 300);
      assert.deepEqual(count.get(), { n: 0, bytes: null }, 'nothing is seen before the commit');
    })();
    assert.deepEqual(count.get(), { n: 300, bytes: 900_000 });

    // A spilled transaction that rolls back leaves nothing; the next commit overwrites its frames.
    assert.throws(() => db.transaction(() => {
      fill(1000, 200);
      throw new Error('changed my mind');
    })(), /changed my mind/);
    assert.deepEqual(count.get(), { n: 300, bytes: 900_000 });
    db.transaction(() => fill(2000, 50))();
    assert.deepEqual(count.get(), { n: 350, bytes: 1_050_000 });
    reader.close();
    db.close();

    const reopened = new Database(path);
    try {
      assert.equal(reopened.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(reopened.prepare('SELECT count(*) AS n FROM t WHERE n >= 1000 AND n < 2000').get(), { n: 0 });
      const rows = reopened.prepare('SELECT n, b FROM t ORDER BY n').all() as Array<{ n: number; b: Buffer }>;
      assert.equal(rows.length, 350);
      for (const { n, b } of rows) assert.ok(b.equals(Buffer.alloc(3000, n % 251)), `row ${n} reads back as written`);
    } finally {
      reopened.close();
    }
  } finally {
    done();
  }
});

test('a write the file refuses fails its commit, and every commit before it is kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-wal-coalesce-'));
  const path = join(dir, 'full.db');
  // A child process whose files may not grow past 400 KiB (ulimit -f): the WAL reaches it mid-run.
  const script = `
    import Database from 'better-sqlite3';
    import { loadWalCoalescing } from ${JSON.stringify(MODULE)};
    process.on('SIGXFSZ', () => {}); // the write fails with EFBIG instead of killing the process
    const shim = loadWalCoalescing();
    const db = new Database(${JSON.stringify(path)});
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB)');
    const insert = db.prepare('INSERT INTO t (n, b) VALUES (?, ?)');
    let committed = 0;
    let error = null;
    for (let i = 0; i < 1000 && !error; i++) {
      try {
        db.transaction(() => { for (let k = 0; k < 5; k++) insert.run(i * 5 + k, Buffer.alloc(3000, 7)); })();
        committed++;
      } catch (e) {
        error = e.code;
      }
    }
    console.log(JSON.stringify({ shim, committed, error }));
  `;
  try {
    const out = execFileSync('bash', ['-c', 'ulimit -f 400 && exec "$0" --input-type=module -e "$1"', process.execPath, script], {
      cwd: new URL('../../..', import.meta.url), encoding: 'utf8',
    });
    const { shim, committed, error } = JSON.parse(out) as { shim: { active: boolean }; committed: number; error: string | null };
    assert.equal(shim.active, true);
    assert.match(String(error), /^SQLITE_(IOERR|FULL)/, 'the commit that could not be written failed');
    assert.ok(committed > 0);
    const reopened = new Database(path);
    try {
      assert.equal(reopened.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(reopened.prepare('SELECT count(*) AS n FROM t').get(), { n: committed * 5 }, 'every acknowledged commit, nothing else');
    } finally {
      reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PARLEY_SQLITE_WAL_COALESCING=off leaves it unloaded; a library that is not there is reported, not thrown', () => {
  const script = `import { loadWalCoalescing } from ${JSON.stringify(MODULE)}; console.log(JSON.stringify(loadWalCoalescing()));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, PARLEY_SQLITE_WAL_COALESCING: 'off' }, encoding: 'utf8',
  });
  assert.deepEqual(JSON.parse(out), { active: false, reason: 'PARLEY_SQLITE_WAL_COALESCING is off' });
  const missing = execFileSync(process.execPath, ['--input-type=module', '-e',
    `import { loadWalCoalescing } from ${JSON.stringify(MODULE)}; console.log(JSON.stringify(loadWalCoalescing('/nonexistent/wal-coalesce.so')));`,
  ], { env: { ...process.env, PARLEY_SQLITE_WAL_COALESCING: '' }, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(missing), { active: false, reason: '/nonexistent/wal-coalesce.so was not built' });
});
