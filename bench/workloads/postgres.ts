/**
 * PostgreSQL: the full loop (minimal app) on one node on PostgreSQL, measured exactly as the SQLite
 * loop is (saturation, then a steady run at half that rate), so the two sit side by side; then 1, 2
 * and 3 nodes on one database, the turns posted to the nodes in turn and the loop completions read
 * from one node's event stream (the other nodes' events reach it through the database's
 * notifications). Each run gets a fresh database. Reports turns/s, p99, and CPU per turn of each
 * node, of the PostgreSQL server, of the app and of the generator.
 */
import pg from 'pg';
import { cpuMs } from '../lib/children.js';
import { LatencyRecorder } from '../lib/latency.js';
import { saturate, warmUp, type LoadResult } from '../lib/load.js';
import { loopDriver } from '../lib/loop.js';
import { startGateway, type Credentials, type RunningGateway } from '../lib/gateway.js';
import { createBenchDatabase, postgresCpuMs } from '../lib/postgres.js';
import type { RunningApp } from '../lib/apps.js';
import type { Profile } from '../profile.js';
import { handsetNumber } from './http-ceiling.js';
import { createNumbers, runFullLoop, type FullLoopResult } from './full-loop.js';

export interface NodesPoint {
  nodes: number;
  saturation: LoadResult;
  /** Milliseconds of CPU per completed turn: each node, the PostgreSQL server, the app, the generator. */
  cpuMsPerTurn: { nodes: number[]; postgres: number; app: number; generator: number };
  /** Share of one core each process kept busy during the run. */
  busy: { nodes: number[]; postgres: number };
}

export interface PostgresResult {
  oneNode: FullLoopResult;
  nodes: NodesPoint[];
}

async function databaseBytes(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size');
    return Number(result.rows[0]?.size ?? 0);
  } finally {
    await client.end();
  }
}

/** N nodes on one fresh database: warm-up, then one saturation run. */
async function measureNodes(app: RunningApp, profile: Profile, credentials: Credentials, nodeArgs: readonly string[], count: number): Promise<NodesPoint> {
  const db = await createBenchDatabase();
  const gateways: RunningGateway[] = [];
  try {
    for (let i = 0; i < count; i++) {
      gateways.push(await startGateway({ db: db.url, credentials, connections: Math.ceil(profile.concurrency / count) + 4, nodeArgs }));
    }
    const numbers = await createNumbers(gateways[0]!, app, profile.numbers);
    const driver = await loopDriver(gateways[0]!, {
      handsets: Array.from({ length: profile.handsets }, (_, h) => h), handsetNumber, numbers, timeoutMs: 30_000,
    }, gateways);
    try {
      await warmUp(driver.op, profile.concurrency, profile.warmup, 20_000);
      driver.acks = new LatencyRecorder();
      const nodes0 = gateways.map((g) => cpuMs(g.child.pid));
      const cpu0 = { postgres: postgresCpuMs(), app: cpuMs(app.child.pid), gen: process.cpuUsage() };
      const saturation = await saturate(driver.op, profile.concurrency, { count: profile.loopMessages, maxMs: profile.runMs, drainMs: 10_000 });
      const gen = process.cpuUsage(cpu0.gen);
      const nodes = gateways.map((g, i) => cpuMs(g.child.pid) - nodes0[i]!);
      const postgres = postgresCpuMs() - cpu0.postgres;
      const per = (ms: number): number => (saturation.completed ? Math.round((ms * 1000) / saturation.completed) / 1000 : 0);
      const busy = (ms: number): number => (saturation.elapsedMs ? Math.round((ms * 100) / saturation.elapsedMs) / 100 : 0);
      return {
        nodes: count,
        saturation,
        cpuMsPerTurn: { nodes: nodes.map(per), postgres: per(postgres), app: per(cpuMs(app.child.pid) - cpu0.app), generator: per((gen.user + gen.system) / 1000) },
        busy: { nodes: nodes.map(busy), postgres: busy(postgres) },
      };
    } finally {
      driver.close();
    }
  } finally {
    for (const g of gateways) await g.stop();
    await db.drop();
  }
}

export async function runPostgres(
  app: RunningApp, profile: Profile, credentials: Credentials, nodeArgs: readonly string[], log: (line: string) => void,
): Promise<PostgresResult> {
  const db = await createBenchDatabase();
  let oneNode: FullLoopResult;
  try {
    oneNode = await runFullLoop({
      app, profile, db: db.url, credentials, nodeArgs, databaseCpuMs: postgresCpuMs, databaseBytes: () => databaseBytes(db.url),
    });
  } finally {
    await db.drop();
  }
  log(`  one node on PostgreSQL: ${Math.round(oneNode.saturation.rate)} turns/s`);
  const nodes: NodesPoint[] = [];
  for (const count of [1, 2, 3]) {
    const point = await measureNodes(app, profile, credentials, nodeArgs, count);
    log(`  ${count} node(s) on one database: ${Math.round(point.saturation.rate)} turns/s`);
    nodes.push(point);
  }
  return { oneNode, nodes };
}
