/**
 * Latency samples in milliseconds. Loads are bounded in count, so every sample is kept (8 bytes
 * each) and percentiles are exact rather than bucketed.
 */

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export class LatencyRecorder {
  #samples = new Float64Array(1024);
  #n = 0;

  record(ms: number): void {
    if (this.#n === this.#samples.length) {
      const bigger = new Float64Array(this.#samples.length * 2);
      bigger.set(this.#samples);
      this.#samples = bigger;
    }
    this.#samples[this.#n++] = ms;
  }

  get count(): number {
    return this.#n;
  }

  values(): Float64Array {
    return this.#samples.subarray(0, this.#n);
  }

  summary(): LatencySummary {
    return summarize(this.values());
  }
}

export function summarize(values: Float64Array): LatencySummary {
  const n = values.length;
  if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    p50: round3(quantile(sorted, 0.5)),
    p90: round3(quantile(sorted, 0.9)),
    p99: round3(quantile(sorted, 0.99)),
    max: round3(sorted[n - 1] ?? 0),
    mean: round3(sum / n),
  };
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
