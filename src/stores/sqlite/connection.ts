/**
 * How the SQLite store sets up its connection. Kept apart so the store's write-path benchmark
 * (`bench/store-writes.ts`) measures exactly what the gateway runs.
 */
import type { Database } from 'better-sqlite3';
import { CHECKPOINT_FRAMES } from './checkpointer.js';

export function configureConnection(db: Database, path: string): void {
  const onDisk = path !== ':memory:';
  if (onDisk) db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash can lose the
  // last transactions. That is the durability the gateway promises (see README, Reliability).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
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
