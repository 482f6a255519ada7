/**
 * Applies the PostgreSQL store's migrations (./migrations.ts). It holds a session advisory lock
 * while it works, so nodes started together wait for each other and the later ones find the work
 * done; the applied versions are kept in `parley_schema`.
 */
import type { ClientBase } from 'pg';
import { MIGRATIONS } from './migrations.js';
import { inTransaction } from './connection.js';

/** A fixed key for the migration lock (the bytes of "parley"). */
const MIGRATION_LOCK = 0x7061726c6579;

/** The version table, outside the migrations: the runner needs it before it can read a version. */
const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS parley_schema (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** The version the database is at (0 for an empty one). */
export async function schemaVersionOf(client: ClientBase): Promise<number> {
  const exists = await client.query<{ found: boolean }>("SELECT to_regclass('parley_schema') IS NOT NULL AS found");
  if (!exists.rows[0]?.found) return 0;
  const result = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM parley_schema');
  return result.rows[0]?.version ?? 0;
}

/**
 * Applies the pending migrations, each in its own transaction, under the migration lock. With
 * `migrate: false` it only checks, and fails when the database is behind. Resolves with the version.
 */
export async function migrate(client: ClientBase, options: { migrate: boolean }): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    let version = await schemaVersionOf(client);
    if (version > MIGRATIONS.length) {
      throw new Error(`the database is at schema version ${version}, newer than this Parley (${MIGRATIONS.length}): upgrade Parley`);
    }
    if (version < MIGRATIONS.length && !options.migrate) {
      throw new Error(`the database is at schema version ${version}, this Parley needs ${MIGRATIONS.length}: run "parley db migrate"`);
    }
    if (version < MIGRATIONS.length) await client.query(VERSION_TABLE);
    for (; version < MIGRATIONS.length; version++) {
      const migration = MIGRATIONS[version]!;
      const applied = version + 1;
      await inTransaction(client, async () => {
        await client.query(migration);
        await client.query('INSERT INTO parley_schema (version) VALUES ($1)', [applied]);
      });
    }
    return version;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
}
