/**
 * The load generator's two modes, independent of what one operation is:
 *
 * - saturation: a closed loop of `concurrency` workers, each starting the next operation as soon
 *   as its previous one completed. Measures the highest completed rate.
 * - steady: an open loop that starts operations at a fixed offered rate, whatever the latency,
 *   with a cap on operations in flight so an overloaded target cannot make memory grow without
 *   bound (operations that would exceed the cap are counted as skipped, not queued).
 *
 * Both are bounded by a count and a wall-clock limit, after which no new operation starts and the
 * ones in flight get `drainMs` to finish before they are counted as timed out.
 */
import { LatencyRecorder, round3, type LatencySummary } from './latency.js';

/**
 * One unit of work: `i` is its sequence number. Resolves with the latency to record, in ms (the
 * operation decides from which point it is measured), and rejects on failure.
 */
export type Operation = (i: number) => Promise<number>;

export interface Bounds {
  /** Operations to start at most. */
  count: number;
  /** Stop starting new operations after this long. */
  maxMs: number;
  /** Time given to operations in flight once starting has stopped. */
  drainMs: number;
}

export interface LoadResult {
  mode: 'saturation' | 'steady';
  started: number;
  completed: number;
  errors: number;
  timedOut: number;
  skipped: number;
  elapsedMs: number;
  /** Completed operations per second over the measured interval. */
  rate: number;
  offeredRate: number | null;
  latencyMs: LatencySummary;
  firstError: string | null;
}

export interface Counters {
  started: number;
  completed: number;
  errors: number;
  skipped: number;
  firstError: string | null;
}

function newCounters(): Counters {
  return { started: 0, completed: 0, errors: 0, skipped: 0, firstError: null };
}

function settle(op: Operation, i: number, latency: LatencyRecorder, c: Counters): Promise<void> {
  c.started++;
  return op(i).then(
    (ms) => {
      latency.record(ms);
      c.completed++;
    },
    (error: unknown) => {
      c.errors++;
      c.firstError ??= error instanceof Error ? error.message : String(error);
    },
  );
}

/** Waits for `pending` to finish or for `ms`, whichever comes first. */
async function drain(pending: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([pending, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function result(
  mode: LoadResult['mode'], c: Counters, elapsedMs: number, latency: LatencyRecorder, offered: number | null,
): LoadResult {
  return {
    mode,
    started: c.started,
    completed: c.completed,
    errors: c.errors,
    timedOut: c.started - c.completed - c.errors,
    skipped: c.skipped,
    elapsedMs: Math.round(elapsedMs),
    rate: Math.round(c.completed / (elapsedMs / 1000)),
    offeredRate: offered,
    latencyMs: latency.summary(),
    firstError: c.firstError,
  };
}

export async function saturate(op: Operation, concurrency: number, bounds: Bounds): Promise<LoadResult> {
  const latency = new LatencyRecorder();
  const c = newCounters();
  const t0 = performance.now();
  let next = 0;
  let lastCompletion = t0;
  const worker = async (): Promise<void> => {
    while (next < bounds.count && performance.now() - t0 < bounds.maxMs) {
      await settle(op, next++, latency, c);
      lastCompletion = performance.now();
    }
  };
  const workers = Promise.all(Array.from({ length: Math.min(concurrency, bounds.count) }, worker));
  await drain(workers, bounds.maxMs + bounds.drainMs);
  // The rate is taken up to the last completion, so a straggler's timeout does not dilute it.
  return result('saturation', c, lastCompletion - t0, latency, null);
}

/**
 * How many of `count` operations offered at `offeredRate` a second are due `elapsedMs` after the
 * first: a late timer then sends a burst, so the offered rate holds on average (no coordinated
 * omission from a slow target).
 */
export function dueBy(elapsedMs: number, offeredRate: number, count: number): number {
  return Math.min(count, Math.floor((elapsedMs / 1000) * offeredRate) + 1);
}

export async function steady(
  op: Operation, offeredRate: number, maxInFlight: number, bounds: Bounds,
): Promise<LoadResult> {
  const latency = new LatencyRecorder();
  const c = newCounters();
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now();
  let scheduled = 0;
  let lastCompletion = t0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - t0;
      if (scheduled >= bounds.count || elapsed >= bounds.maxMs) {
        resolve();
        return;
      }
      const due = dueBy(elapsed, offeredRate, bounds.count);
      while (scheduled < due) {
        const i = scheduled++;
        if (inFlight.size >= maxInFlight) {
          c.skipped++;
          continue;
        }
        const p: Promise<void> = settle(op, i, latency, c).then(() => {
          inFlight.delete(p);
          lastCompletion = performance.now();
        });
        inFlight.add(p);
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  await drain(Promise.all(inFlight), bounds.drainMs);
  return result('steady', c, Math.max(lastCompletion - t0, 1), latency, offeredRate);
}

/** Runs `op` `count` times with `concurrency`, discarding the numbers: JIT and connection warm-up. */
export async function warmUp(op: Operation, concurrency: number, count: number, maxMs: number): Promise<void> {
  if (count <= 0) return;
  await saturate(op, concurrency, { count, maxMs, drainMs: 5000 });
}

export function perSecond(n: number, ms: number): number {
  return ms > 0 ? round3((n * 1000) / ms) : 0;
}
