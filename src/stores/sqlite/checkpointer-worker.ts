/**
 * The checkpointer's thread (see ./checkpointer.ts): its own connection to the database file,
 * copying the WAL into it with PASSIVE checkpoints, which never block the gateway's writes.
 * Messages: it posts `pause` when the WAL has grown long without being restarted, runs one more
 * checkpoint once told `paused` (copying only what came since its last pass) and posts `resume`;
 * `stop` closes its connection (posts `closed`).
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { framesSince, nextPassDelay, type CheckpointPace } from './checkpoint-pace.js';

export interface CheckpointerSettings {
  path: string;
  /** A WAL at least this long (in frames) after a pass asks the writer for a pause. */
  frames: number;
  pace: CheckpointPace;
}

export type WorkerMessage = { type: 'pause' } | { type: 'resume' } | { type: 'closed' } | { type: 'error'; message: string };
export type MainMessage = { type: 'paused' } | { type: 'stop' };

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

const port = parentPort;
if (!port) throw new Error('checkpointer-worker runs as a worker thread');
const settings = workerData as CheckpointerSettings;
const db = new Database(settings.path, { fileMustExist: true });
// The connection that checkpoints decides the syncs: NORMAL syncs the WAL before copying and the
// database file after, the same as SQLite's own automatic checkpoints on the writer's connection.
db.pragma('synchronous = NORMAL');
// SQLite syncs the database file only after a pass that reached the end of the WAL, which writes
// arriving during every pass prevent: the pages the passes copy stay unsynced until the pass made
// during the writer's pause, which then had to flush them all (35 to 42 ms with 10^6 conversations
// stored, finding 19). Syncing them from this thread before asking for the pause leaves that pass
// only what came since. (A second pass and sync before the pause shortened it a little more, but
// the WAL grew meanwhile: up to 84 MiB under non-stop writes, against 45.) Best effort: where the
// file cannot be synced this way, that pass still syncs everything itself. (Read-write, because
// Windows refuses to flush a read-only handle.)
const dbFile = openForSync(settings.path);
const post = (message: WorkerMessage): void => port.postMessage(message);
const fail = (error: unknown): void => post({ type: 'error', message: error instanceof Error ? error.message : String(error) });

function openForSync(path: string): number | null {
  try {
    return openSync(path, 'r+');
  } catch {
    return null;
  }
}

function syncDatabaseFile(): void {
  if (dbFile === null) return;
  try {
    fsyncSync(dbFile);
  } catch {
    // the pass made during the pause syncs it
  }
}

function checkpoint(): CheckpointResult {
  return (db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[])[0]!;
}

let timer: NodeJS.Timeout | null = null;
/** The WAL's length and the time when the last pass began, to pace the next one. */
let lastLog = 0;
let lastPassAt = performance.now();

function schedule(delayMs: number): void {
  timer = setTimeout(tick, delayMs);
}

function tick(): void {
  try {
    const startedAt = performance.now();
    // `log` is the WAL's length when this pass began. The writer restarts the WAL by itself only if
    // it begins a transaction while everything is copied, which writes arriving all the time (during
    // the pass too) prevent: once the WAL is long, ask for a moment without them.
    const { log } = checkpoint();
    const delayMs = nextPassDelay(framesSince(lastLog, log), startedAt - lastPassAt, settings.pace);
    lastLog = log;
    lastPassAt = startedAt;
    if (log >= settings.frames) {
      syncDatabaseFile();
      post({ type: 'pause' });
      return;
    }
    schedule(delayMs);
  } catch (error) {
    fail(error);
  }
}

schedule(settings.pace.minMs);

port.on('message', (message: MainMessage) => {
  if (message.type === 'paused') {
    try {
      checkpoint(); // only what was written since the last pass: short
      post({ type: 'resume' });
      // The writer restarts the WAL with its next commit; it was writing fast enough to fill it.
      lastLog = 0;
      lastPassAt = performance.now();
      schedule(settings.pace.minMs);
    } catch (error) {
      fail(error);
    }
  } else {
    if (timer) clearTimeout(timer);
    db.close();
    if (dbFile !== null) closeSync(dbFile);
    post({ type: 'closed' });
  }
});
