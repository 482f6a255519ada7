/**
 * WAL checkpoints on a worker thread, off the event loop. better-sqlite3 is synchronous, so a
 * checkpoint run by the writer's own connection (SQLite's automatic one) stops the event loop
 * while it copies the WAL into the database file and syncs it: 20 to 40 ms every few hundred turns,
 * the gateway's longest stalls at half load (bench/README.md, finding 12).
 *
 * A second connection on a worker thread checkpoints instead (PASSIVE: it never blocks writers), at
 * a pace that follows the writes (./checkpoint-pace.ts: every 50 to 250 ms).
 * SQLite restarts the WAL only when a write transaction begins with the whole WAL copied, which a
 * steady stream of writes can prevent for ever; so when the WAL has grown past `CHECKPOINT_FRAMES`
 * the worker asks for a pause, the group committer holds its next commit (writes queue, nothing
 * blocks) while the worker copies the few frames written since its last pass, and the next commit
 * starts a fresh WAL. Before asking, the worker syncs the database file itself, so the pass made
 * during the pause has little to sync (finding 19). A pause never outlasts `MAX_PAUSE_MS`. If the
 * worker fails, the writer's connection goes back to SQLite's automatic checkpoints, so the WAL
 * stays bounded either way.
 */
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { GroupCommitter } from './group-commit.js';
import type { CheckpointerSettings, MainMessage, WorkerMessage } from './checkpointer-worker.js';
import { CHECKPOINT_PACE } from './checkpoint-pace.js';

/** WAL length (frames of one page) at which the WAL is restarted: 16 MiB with 4 KiB pages. */
export const CHECKPOINT_FRAMES = 4096;
const MAX_PAUSE_MS = 250;
const STOP_TIMEOUT_MS = 5000;

export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private pauseTimer: NodeJS.Timeout | null = null;
  private running = true;
  private closed: (() => void) | null = null;

  constructor(private readonly db: Database, path: string, private readonly committer: GroupCommitter) {
    db.pragma('wal_autocheckpoint = 0');
    const settings: CheckpointerSettings = { path, frames: CHECKPOINT_FRAMES, pace: CHECKPOINT_PACE };
    this.worker = new Worker(new URL('./checkpointer-worker.js', import.meta.url), { workerData: settings });
    this.worker.unref(); // a store that is never closed must not keep the process alive
    this.worker.on('message', (message: WorkerMessage) => this.onMessage(message));
    this.worker.on('error', (error) => this.fallBack(error.message));
    this.worker.on('exit', () => {
      this.closed?.();
      this.fallBack('the checkpointer thread exited');
    });
  }

  /** Closes the worker's connection, as the store closes (SQLite checkpoints when its last connection closes). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.endPause();
    // Unreferenced, the thread would not keep the event loop alive while it closes: a caller with
    // nothing else pending (a test's last step, a CLI command) would see its process end with this
    // promise unsettled.
    this.worker.ref();
    const closed = new Promise<void>((resolve) => {
      this.closed = resolve;
      setTimeout(resolve, STOP_TIMEOUT_MS).unref();
    });
    this.worker.postMessage({ type: 'stop' } satisfies MainMessage);
    await closed;
    await this.worker.terminate();
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'pause':
        if (!this.running) return;
        this.committer.pause();
        this.pauseTimer = setTimeout(() => this.endPause(), MAX_PAUSE_MS);
        this.worker.postMessage({ type: 'paused' } satisfies MainMessage);
        return;
      case 'resume':
        this.endPause();
        return;
      case 'closed':
        this.closed?.();
        return;
      case 'error':
        this.fallBack(message.message);
    }
  }

  private endPause(): void {
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.committer.resume();
  }

  private fallBack(reason: string): void {
    if (!this.running) return;
    this.running = false;
    this.endPause();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${CHECKPOINT_FRAMES}`);
    process.emitWarning(`SQLite checkpoints are back on the event loop: ${reason}`, 'ParleyStoreWarning');
    void this.worker.terminate();
  }
}
