/**
 * Test helper: a PostgreSQL database of its own for each test run (random name, dropped after),
 * on the server at 127.0.0.1:5432 (user postgres, trust auth), or `PARLEY_TEST_PG` (an admin URL).
 * If the server cannot be reached the test fails with a message saying how to start it: the
 * PostgreSQL suites never skip (`.ci/run` starts the server when it is not running).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.PARLEY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  /** Runs SQL on the test database (a short-lived connection). */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Empties every table but the schema version (the next store opens on an empty gateway). */
  truncate(): Promise<void>;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL} (${error instanceof Error ? error.message : String(error)}). `
      + 'Start it (bash .ci/run starts it: pg_ctlcluster --skip-systemctl-redirect <version> main start), or point PARLEY_TEST_PG at one.');
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named parley_test_<random>. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const sql = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> => {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    url: url.toString(),
    name,
    sql,
    truncate: async () => {
      // Not the migrations' own rows: parley_schema, and parley_config's one version row (every account read
      // joins it; without it a node would only learn of another node's configuration change by NOTIFY).
      const tables = await sql<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('parley_schema', 'parley_config')");
      if (tables.length > 0) await sql(`TRUNCATE ${tables.map((t) => t.tablename).join(', ')} RESTART IDENTITY`);
    },
    drop: () => admin(async (c) => void await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/**
 * Restarts the local PostgreSQL cluster (pg_ctlcluster, fast shutdown: every connection is cut).
 * Only for the server on this machine; the test that calls it must call `ensurePostgresRunning`
 * afterwards whatever happens.
 */
export async function restartPostgres(): Promise<void> {
  await pgCtlCluster('restart');
}

/** Starts the local PostgreSQL cluster if it is not running (after a test that restarted it). */
export async function ensurePostgresRunning(): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const status = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  if (/\bonline\b/.test(status)) return;
  await pgCtlCluster('start');
}

async function pgCtlCluster(action: 'restart' | 'start'): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const { readdirSync } = await import('node:fs');
  const versions = readdirSync('/etc/postgresql');
  if (versions.length !== 1) throw new Error(`expected one PostgreSQL version under /etc/postgresql, found ${versions.join(', ') || 'none'}`);
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0]!, 'main', action], { stdio: 'ignore' });
}
