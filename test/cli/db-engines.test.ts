/**
 * Engine choice and `parley db` on both engines, through the real CLI: `--db postgres://…`,
 * `PARLEY_DB` and `db:` in the configuration file select PostgreSQL (anything else is a SQLite
 * file); `parley db status` reads a database's schema version without changing it, and
 * `parley db migrate` brings it up to date, on a SQLite file and on a PostgreSQL database alike.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cleanEnv, runCli, startCli, waitForOutput } from './run-cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { MIGRATIONS as PG_MIGRATIONS } from '../../src/stores/postgres/migrations.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/stores/sqlite/migrations.js';

let dir: string;
let db: TestDatabase;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-db-engines-'));
  db = await createTestDatabase();
});

after(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('parley db status and migrate on a PostgreSQL database', async () => {
  const before = await runCli(['db', 'status', '--db', db.url], cleanEnv());
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stdout, new RegExp(`schema version 0 of ${PG_MIGRATIONS.length} \\(needs "parley db migrate"\\)`));
  assert.deepEqual(await db.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"), [], 'status changed nothing');
  const migrated = await runCli(['db', 'migrate'], cleanEnv({ PARLEY_DB: db.url }));
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stdout, new RegExp(`schema version ${PG_MIGRATIONS.length} \\(latest\\)`));
  const after = await runCli(['db', 'status', '--db', db.url], cleanEnv());
  assert.match(after.stdout, /\(up to date\)/);
  assert.deepEqual(await db.sql('SELECT id FROM nodes'), [], '`parley db` never joins as a node');
});

test('parley db status and migrate on a SQLite file', async () => {
  const file = join(dir, 'new.db');
  const migrated = await runCli(['db', 'migrate', '--db', file], cleanEnv());
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stdout, new RegExp(`schema version ${SQLITE_MIGRATIONS.length} \\(latest\\)`));
  const status = await runCli(['db', 'status'], cleanEnv({ PARLEY_DB: file }));
  assert.match(status.stdout, new RegExp(`schema version ${SQLITE_MIGRATIONS.length} of ${SQLITE_MIGRATIONS.length} \\(up to date\\)`));
});

test('an unreachable PostgreSQL is a clear failure, with the password hidden', async () => {
  const result = await runCli(['db', 'status', '--db', 'postgres://parley:s3cret@127.0.0.1:1/nowhere'], cleanEnv());
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot open postgres:\/\/parley:\*\*\*@127\.0\.0\.1:1\/nowhere/);
  assert.doesNotMatch(result.stderr, /s3cret/);
});

for (const [how, args, env] of [
  ['--db', (url: string) => ['--db', url], () => ({})],
  ['PARLEY_DB', () => [], (url: string) => ({ PARLEY_DB: url })],
  ['db: in the configuration file', (url: string) => {
    const file = join(dir, 'parley.yaml');
    writeFileSync(file, `db: ${url}\n`);
    return ['--config', file];
  }, () => ({})],
] as const) {
  test(`parley serve on PostgreSQL, chosen by ${how}`, async () => {
    await db.truncate();
    const child = startCli(['serve', '--port', '0', '--log-level', 'warn', ...args(db.url)], cleanEnv(env(db.url)));
    try {
      await waitForOutput(child.stdout, /Parley is listening on/);
      const nodes = await db.sql<{ pid: number }>('SELECT pid FROM nodes');
      assert.deepEqual(nodes.map((n) => n.pid), [child.pid], 'the gateway joined the database as a node');
      assert.equal((await db.sql('SELECT sid FROM accounts')).length, 1, 'its account is kept there');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    assert.deepEqual(await db.sql('SELECT id FROM nodes'), [], 'a clean stop leaves the gateway');
  });
}
