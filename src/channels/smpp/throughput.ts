/**
 * The `throughput` cap: at most N submit_sm in any one-second window (a sliding window, not a
 * per-second bucket, so two bursts at a second's edge cannot make 2N). Keeps the times of the
 * last N submits in a ring; a monotonic clock, so a wall-clock jump changes nothing.
 */
export class RateLimit {
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  /** `perSecond` 0 means no cap. */
  constructor(private readonly perSecond: number, private readonly windowMs = 1000) {
    this.times = new Float64Array(Math.max(perSecond, 1));
  }

  /** When the next submit may go (now when it may go at once). */
  nextAt(now: number): number {
    if (this.perSecond === 0 || this.count < this.perSecond) return now;
    // The oldest of the last N leaves the window at its time + the window.
    return Math.max(now, this.times[this.next]! + this.windowMs);
  }

  /** Counts a submit made now. */
  take(now: number): void {
    if (this.perSecond === 0) return;
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.perSecond;
    if (this.count < this.perSecond) this.count++;
  }
}
