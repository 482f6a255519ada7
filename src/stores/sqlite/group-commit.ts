/**
 * Group commit: writes queued during one event-loop tick run in a single SQLite transaction, and
 * each caller's promise resolves only after that transaction has committed. One commit per tick
 * instead of one per statement doubles throughput (performance notes, lesson 1) without weakening
 * "acknowledged means stored".
 *
 * With a commit delay, a commit also waits until that long after the one before began: at a steady
 * moderate rate a tick holds a turn or two, and each commit writes every page it touched whole, so
 * waiting a millisecond lets several turns share those pages (bench/README.md, finding 56). Under
 * saturation ticks are longer than the delay and nothing waits; a lone write never waits either.
 * Off unless asked for (`--commit-delay`): an SMSC's window waits on each acknowledgement, so over
 * SMPP the wait costs rate, and over HTTP it costs latency.
 *
 * Writes run without a savepoint each (savepoints cost more than the writes themselves). If one
 * write throws, the whole batch rolls back and every write is run again in a transaction of its
 * own, so a failing write rejects only its own promise and the others still commit.
 */
import { performance } from 'node:perf_hooks';
import type { Database, Statement } from 'better-sqlite3';

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private delayTimer: NodeJS.Timeout | null = null;
  /** When the last commit began (`performance.now()`), for the commit delay. */
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** Set while the background checkpointer finishes a pass (./checkpointer.ts): writes wait. */
  private paused = false;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  private readonly rollbackListeners: Array<() => void> = [];

  /** `commitDelayMs`: the least time from one commit's start to the next's; 0 commits every tick. */
  constructor(private readonly db: Database, private readonly commitDelayMs = 0) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  /**
   * Called after every rollback, before any write runs again: whoever keeps in memory what writes
   * did (./recent-parts.ts) forgets it, since the writes of a rolled-back batch are undone.
   */
  onRollback(listener: () => void): void {
    this.rollbackListeners.push(listener);
  }

  /** Holds commits until `resume()`; writes keep queueing meanwhile. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.queue.length > 0) this.scheduleFlush();
  }

  /** One flush per tick, however many writes are queued in it; later if the last commit was recent. */
  private scheduleFlush(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastCommitAt + this.commitDelayMs - performance.now();
    if (wait > 0) this.delayTimer = setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  /** Runs everything queued now (unless paused); used by the tick timer and before closing. */
  flush(): void {
    this.scheduled = false;
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.delayTimer = null;
    if (this.paused) return; // resume() schedules the next flush
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.lastCommitAt = performance.now();
    const values: unknown[] = [];
    try {
      this.transaction(() => {
        for (const write of batch) values.push(write.run());
      });
    } catch {
      if (batch.length === 1) {
        this.settleAlone(batch[0]!);
        return;
      }
      for (const write of batch) this.settleAlone(write); // find the culprit; commit the rest
      return;
    }
    batch.forEach((write, i) => write.resolve(values[i]));
  }

  private settleAlone(write: PendingWrite): void {
    let value: unknown;
    try {
      this.transaction(() => {
        value = write.run();
      });
    } catch (error) {
      write.reject(error);
      return;
    }
    write.resolve(value);
  }

  private transaction(body: () => void): void {
    this.begin.run();
    try {
      body();
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const listener of this.rollbackListeners) listener();
      throw error;
    }
  }
}
