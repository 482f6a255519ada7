/**
 * The gateway's side of the window `bench/counts.ts` measures in (its `counting`): loaded with
 * `--import`, a sampler starts on the first SIGUSR2 and says so with the file `<out>.started`; the
 * next SIGUSR2 stops it, and what it measured is written to `<out>` whole or not at all (through a
 * temporary file and a rename), so counts.ts never reads half a result.
 */
import { renameSync, writeFileSync } from 'node:fs';

export interface SignalledSampler {
  /** Starts sampling; calls `started` once it is sampling (not at all if it could not start). */
  start(started: () => void): void;
  /** Stops sampling; calls `finished` with the text to write (not at all if there is nothing). */
  stop(finished: (text: string) => void): void;
}

export function sampleBetweenSignals(out: string, sampler: SignalledSampler): void {
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      sampler.start(() => writeFileSync(`${out}.started`, ''));
      return;
    }
    sampling = false;
    sampler.stop((text) => {
      writeFileSync(`${out}.tmp`, text);
      renameSync(`${out}.tmp`, out);
    });
  });
}
