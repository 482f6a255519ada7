/**
 * Loaded into the gateway with `--import` by `bench/counts.ts --what=allocations`: V8's sampling
 * heap profiler, switched on and off by SIGUSR2, counting every object allocated in between (those
 * the young and the old generation's collections freed too, so the figure is what a turn
 * allocates, not what it keeps). Sampling starts on the first signal and acknowledges with the file
 * `<out>.started`; the second stops it and writes the profile to `<out>` (the path in
 * PARLEY_BENCH_ALLOCATIONS_OUT), whole or not at all. Main thread only: the checkpointer's worker
 * loads `--import` modules too, and allocates nothing per turn in JavaScript.
 */
import { Session } from 'node:inspector';
import { isMainThread } from 'node:worker_threads';
import { sampleBetweenSignals } from './signal-window.js';

/** Bytes between samples: small, for a steady figure over a few thousand turns. */
export const SAMPLING_INTERVAL = 4096;

const out = process.env.PARLEY_BENCH_ALLOCATIONS_OUT;
if (isMainThread && out) {
  const session = new Session();
  session.connect();
  sampleBetweenSignals(out, {
    start: (started) => session.post('HeapProfiler.startSampling', {
      samplingInterval: SAMPLING_INTERVAL, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true,
    }, (error) => {
      if (!error) started();
    }),
    stop: (finished) => session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) finished(JSON.stringify(result.profile));
    }),
  });
}
