/**
 * How the SQLite store sets up its connection. Kept apart so the store's write-path benchmark
 * (`bench/store-writes.ts`) measures exactly what the gateway runs.
 */
import type { Database } from 'better-sqlite3';
import { CHECKPOINT_FRAMES } from './checkpointer.js';

/** How long a connection waits for another one's lock before SQLite answers "database is locked". */
const BUSY_TIMEOUT_MS = 5000;

export function configureConnection(db: Database, path: string): void {
  const onDisk = path !== ':memory:';
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  if (onDisk) enterWalMode(db);
  // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash can lose the
  // last transactions. That is the durability the gateway promises (see README, Reliability).
  db.pragma('synchronous = NORMAL');
  if (onDisk) {
    // Checkpoint every 4,096 WAL frames (16 MiB) instead of SQLite's 1,000: turns rewrite the same
    // hot pages (table tails, time-ordered indexes) many times between checkpoints, and a checkpoint
    // copies each page once, so a longer WAL means fewer page copies and fewer fsyncs (bench/README.md,
    // finding 10). The WAL file stays at about that size; truncating it after each checkpoint
    // (journal_size_limit) measured slower, the file being grown again at once. The store hands
    // checkpoints to a worker thread when it can (./checkpointer.ts); this is the fallback.
    db.pragma(`wal_autocheckpoint = ${CHECKPOINT_FRAMES}`);
  }
  // A 16 MiB page cache (SQLite's default is 2 MiB) holds the index pages that the handsets in
  // flight touch even when millions of conversations are stored (finding 9); it fills only as
  // large a database's working set requires, so a small database costs nothing more.
  db.pragma('cache_size = -16384');
  db.pragma('foreign_keys = OFF');
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Switches the connection to WAL. While another connection converts a new file to WAL, SQLite can
 * answer this pragma with SQLITE_BUSY at once, without calling the busy handler (seen with 16
 * threads opening one new file together, about one round in a hundred): so it is retried here for
 * as long as busy_timeout would have waited. Opening a store is synchronous, hence the blocking pause.
 */
function enterWalMode(db: Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}
