/**
 * The one clock every expiry and timestamp in Parley reads.
 *
 * Contract: `now()` MUST return milliseconds since the epoch and MUST never go backwards within a
 * process. A manual clock only moves when told to, so tests (and development mode) can jump past
 * the four-hour cookie expiry without waiting.
 */
export interface Clock {
  now(): number;
  /** True when time only moves through `advance` (development mode and tests). */
  readonly manual: boolean;
}

export class SystemClock implements Clock {
  readonly manual = false;
  now(): number {
    return Date.now();
  }
}

/**
 * Real time plus an offset that `advance` grows: time still flows (so timeouts and ordering
 * behave), but a test or a developer can skip hours at once.
 */
export class ManualClock implements Clock {
  readonly manual = true;
  private offsetMs = 0;
  private readonly listeners = new Set<(now: number) => void>();

  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.base() + this.offsetMs;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
    const now = this.now();
    for (const listener of this.listeners) listener(now);
    return now;
  }

  /** Called after each advance, e.g. to sweep expired cookie jars at once. */
  onAdvance(listener: (now: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
