/**
 * How long the checkpointer's thread waits before its next pass (./checkpointer-worker.ts).
 *
 * A pass costs about the same whether it copies a few pages or many: waking the thread, reading
 * the WAL index, syncing the WAL and then the database file. At a fixed 50 ms, a gateway doing 100
 * turns a second spent 300 to 400 µs a turn on passes, one every five turns; at 250 ms, 190 to 250
 * (bench/README.md, finding 44). So the pace follows the writes: a pass about every
 * `framesPerPass` frames written, never sooner than `minMs` after the last (a busy writer, whose
 * WAL must be restarted often) and never later than `maxMs` (an idle one). The longest wait also
 * bounds how long a commit stays unsynced in the WAL, which is what an operating-system crash could
 * lose with `synchronous = NORMAL` (docs/reliability.md).
 */
export interface CheckpointPace {
  minMs: number;
  maxMs: number;
  framesPerPass: number;
}

export const CHECKPOINT_PACE: CheckpointPace = { minMs: 50, maxMs: 250, framesPerPass: 2048 };

/** The wait before the next pass, given the frames written in the `elapsedMs` since the last pass began. */
export function nextPassDelay(framesWritten: number, elapsedMs: number, pace: CheckpointPace = CHECKPOINT_PACE): number {
  if (!(framesWritten > 0) || !(elapsedMs > 0)) return pace.maxMs;
  const ms = (pace.framesPerPass * elapsedMs) / framesWritten;
  return Math.min(pace.maxMs, Math.max(pace.minMs, Math.round(ms)));
}

/**
 * Frames written between two passes, from the WAL's length at each: a WAL shorter than before was
 * restarted in between, and all of it is new.
 */
export function framesSince(previousLog: number, log: number): number {
  return log >= previousLog ? log - previousLog : log;
}
