/**
 * PostgreSQL for the bench: a database of its own per run (random name, dropped after) on the server
 * at 127.0.0.1:5432 (user postgres), or `PARLEY_BENCH_PG` (an admin URL), and the CPU time the
 * server spends, read from /proc: every `postgres` process of the machine (backends, WAL writer,
 * checkpointer), so run it where nothing else uses that server.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

export const ADMIN_URL = process.env.PARLEY_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL} (${error instanceof Error ? error.message : String(error)}); start it or set PARLEY_BENCH_PG`);
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `parley_bench_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** USER_HZ: /proc reports CPU time in these ticks. */
const CLOCK_TICKS = 100;

/** User + system CPU of every `postgres` process on this machine, in milliseconds. */
export function postgresCpuMs(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while we looked
    }
  }
  return (ticks * 1000) / CLOCK_TICKS;
}
