/**
 * Loaded into the gateway with `--import` by `bench/counts.ts --what=statements`: times every
 * SQLite statement the main thread runs (`run`, `get`, `all`) between two SIGUSR2 signals, by
 * statement, as finding 72 in bench/README.md did by hand. The first signal starts (acknowledged with
 * the file `<out>.started`); the second stops and writes `{ name: { calls, ns } }` to `<out>` (the path
 * in PARLEY_BENCH_STATEMENTS_OUT), whole or not at all. A statement is named as in the SQLite store's
 * `SQL` table (src/stores/sqlite/sql.ts), or by its text when it is not there (BEGIN, COMMIT, pragmas).
 * The wrapper adds two clock reads a call (about 0.1 µs); the times include better-sqlite3's binding
 * of the parameters and building of the result, as the gateway pays them.
 */
import Database from 'better-sqlite3';
import { isMainThread } from 'node:worker_threads';
import { SQL } from '../../src/stores/sqlite/sql.js';
import { sampleBetweenSignals } from './signal-window.js';

export interface StatementTime {
  calls: number;
  ns: number;
}

type Method = 'run' | 'get' | 'all';
const METHODS: readonly Method[] = ['run', 'get', 'all'];

const out = process.env.PARLEY_BENCH_STATEMENTS_OUT;
if (isMainThread && out) install(out);

function install(path: string): void {
  const names = new Map<string, string>(Object.entries(SQL).map(([name, sql]) => [sql, name]));
  const times = new Map<string, StatementTime>();
  let timing = false;
  const probe = new Database(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<Method, (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of METHODS) {
    const original = prototype[method];
    prototype[method] = function timed(this: { source: string }, ...args: unknown[]): unknown {
      if (!timing) return original.apply(this, args);
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const elapsed = Number(process.hrtime.bigint() - started);
        const name = names.get(this.source) ?? this.source.replace(/\s+/g, ' ').trim();
        const time = times.get(name) ?? { calls: 0, ns: 0 };
        time.calls++;
        time.ns += elapsed;
        times.set(name, time);
      }
    };
  }
  sampleBetweenSignals(path, {
    start: (started) => {
      times.clear();
      timing = true;
      started();
    },
    stop: (finished) => {
      timing = false;
      finished(JSON.stringify(Object.fromEntries(times)));
    },
  });
}
