/**
 * The bench's own event-loop delay (it is the load generator). Latency is timed here, from the
 * 201 to the event that reports delivery, so a late event loop in this process shows up in every
 * latency figure: reported next to the gateway's and the app's, it tells how much of a latency
 * tail is the measurement's own.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** Starts sampling; the returned function stops and gives the delay (ms) since the start. */
export function watchOwnEventLoop(): () => LoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  const ms = (ns: number): number => Math.round(ns / 1000) / 1000;
  return () => {
    histogram.disable();
    return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
  };
}
