/**
 * The console's status page reads the same numbers as `/metrics`, sampled every few seconds and
 * kept for the last minutes, so the page shows recent history as soon as it opens. Rates and
 * latencies are computed between consecutive samples, as Prometheus' rate() and
 * histogram_quantile() would compute them from the scraped series.
 */
import type { QueueDepths } from '../stores/store.js';
import { TURN_SECONDS_BUCKETS, type MetricsSnapshot } from './metrics.js';

export interface StatusPoint {
  at: string;
  received_per_second: number;
  sent_per_second: number;
  turns_per_second: number;
  /** Mean and 95th percentile turn duration over the interval; null when no turn finished in it. */
  turn_latency_mean_ms: number | null;
  turn_latency_p95_ms: number | null;
  queues: QueueDepths | null;
}

export class StatusHistory {
  private readonly snapshots: MetricsSnapshot[] = [];
  private timer: NodeJS.Timeout | null = null;
  private taking: Promise<void> | null = null;

  /** Keeps `keep` samples taken every `intervalMs` (default: 5 s for 10 minutes). */
  constructor(private readonly take: () => Promise<MetricsSnapshot>, readonly intervalMs = 5_000, private readonly keep = 120) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One point per interval between consecutive samples, oldest first. */
  points(): StatusPoint[] {
    const points: StatusPoint[] = [];
    for (let i = 1; i < this.snapshots.length; i++) points.push(pointBetween(this.snapshots[i - 1]!, this.snapshots[i]!));
    return points;
  }

  latest(): MetricsSnapshot | null {
    return this.snapshots[this.snapshots.length - 1] ?? null;
  }

  private sample(): void {
    if (this.taking) return; // a slow store: skip a beat rather than pile up
    this.taking = this.take().then((snapshot) => {
      this.snapshots.push(snapshot);
      if (this.snapshots.length > this.keep + 1) this.snapshots.shift();
    }, () => undefined).finally(() => {
      this.taking = null;
    });
  }
}

function pointBetween(a: MetricsSnapshot, b: MetricsSnapshot): StatusPoint {
  const seconds = Math.max(0.001, (b.at - a.at) / 1000);
  const turns = b.turnCount - a.turnCount;
  const rate = (n: number): number => round(n / seconds);
  return {
    at: new Date(b.at).toISOString(),
    received_per_second: rate(b.received - a.received),
    sent_per_second: rate(b.sent - a.sent),
    turns_per_second: rate(b.turnsOk + b.turnsError - a.turnsOk - a.turnsError),
    turn_latency_mean_ms: turns > 0 ? round(((b.turnSum - a.turnSum) / turns) * 1000) : null,
    turn_latency_p95_ms: turns > 0 ? round(quantile(0.95, b.turnBuckets.map((n, i) => n - (a.turnBuckets[i] ?? 0))) * 1000) : null,
    queues: b.queues,
  };
}

/**
 * The q-quantile of a histogram's cumulative bucket counts (TURN_SECONDS_BUCKETS, then +Inf), by
 * linear interpolation inside the bucket, as Prometheus' histogram_quantile does; a rank in the
 * +Inf bucket answers the highest finite bound.
 */
export function quantile(q: number, cumulative: readonly number[]): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total === 0) return 0;
  const rank = q * total;
  for (let i = 0; i < TURN_SECONDS_BUCKETS.length; i++) {
    const count = cumulative[i] ?? 0;
    if (count >= rank) {
      const lower = i === 0 ? 0 : TURN_SECONDS_BUCKETS[i - 1]!;
      const below = i === 0 ? 0 : cumulative[i - 1] ?? 0;
      const inBucket = count - below;
      return inBucket === 0 ? lower : lower + (TURN_SECONDS_BUCKETS[i]! - lower) * ((rank - below) / inBucket);
    }
  }
  return TURN_SECONDS_BUCKETS[TURN_SECONDS_BUCKETS.length - 1]!;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
