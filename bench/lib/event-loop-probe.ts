/**
 * Preloaded into the gateway (`node --import`) by the bench: measures the gateway's event-loop
 * delay, so a latency tail can be told apart as the gateway blocking (a long synchronous task:
 * a big commit, a checkpoint, GC) or as waiting elsewhere. On SIGUSR2 it prints one line,
 * `parley-bench-event-loop {"p50":…,"p99":…,"max":…,"heapUsedMiB":…}` (ms; the JS heap in use,
 * to tell heap growth from other resident memory), and starts a new histogram. The bench asks
 * only between measured runs; when the process was started with `--expose-gc`, a full collection
 * runs first, so memory read next (heap, RSS) is what is retained, not garbage awaiting collection.
 * It changes nothing in the gateway's work; the 2 ms sampling timer is unref'd.
 *
 * Main thread only. Node preloads `--import` modules into every worker thread as well, and there
 * the timer woke the SQLite checkpointer's thread, which otherwise sleeps 50 to 250 ms between
 * passes, 500 times a second: CPU the bench then charged to the gateway (bench/README.md, finding 111).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) probe();

function probe(): void {
  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  const ms = (ns: number): number => Math.round(ns / 1000) / 1000;
  const collect = (globalThis as { gc?: () => void }).gc;
  process.on('SIGUSR2', () => {
    collect?.();
    const line = {
      p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max),
      heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      heapTotalMiB: Math.round(process.memoryUsage().heapTotal / 2 ** 20),
      externalMiB: Math.round(process.memoryUsage().external / 2 ** 20),
    };
    process.stderr.write(`parley-bench-event-loop ${JSON.stringify(line)}\n`);
    histogram.reset();
  });
}
