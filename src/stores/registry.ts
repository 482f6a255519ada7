/**
 * The store implementations Parley knows, chosen by the `--db` value: a `postgres://` or
 * `postgresql://` URL is a PostgreSQL database several nodes may share; anything else is a SQLite
 * file (or `:memory:`) that one process owns.
 */
import type { Store } from './store.js';
import { openSqliteStore, sqliteSchemaVersion } from './sqlite/index.js';
import { migratePostgres, openPostgresStore, postgresSchemaVersion } from './postgres/index.js';

export interface OpenOptions {
  /** Shared stores: how long a silent node keeps its work before others take it over. */
  leaseMs?: number;
  /** Apply pending migrations on open (the default). */
  migrate?: boolean;
  /** Told about a shared store's background failures (heartbeats, its listening connection). */
  onError?: (error: unknown, what: string) => void;
  /** SQLite: the least time between two commits (`--commit-delay`); PostgreSQL commits each batch as it comes. */
  commitDelayMs?: number;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export async function openStore(location: string, options: OpenOptions = {}): Promise<Store> {
  if (isPostgresUrl(location)) {
    return openPostgresStore({
      url: location,
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
      ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }
  return openSqliteStore({
    path: location,
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
    ...(options.commitDelayMs !== undefined ? { commitDelayMs: options.commitDelayMs } : {}),
  });
}

/** The schema version of a store, without migrating it or starting anything (`parley db status`). */
export function schemaVersionAt(location: string): Promise<{ current: number; latest: number }> {
  if (isPostgresUrl(location)) return postgresSchemaVersion(location);
  return Promise.resolve().then(() => sqliteSchemaVersion(location));
}

/** Brings a store to the latest schema, under the engine's migration lock (`parley db migrate`). */
export async function migrateStore(location: string): Promise<number> {
  if (isPostgresUrl(location)) return migratePostgres(location);
  const store = openSqliteStore({ path: location });
  try {
    return (await store.schemaVersion()).current;
  } finally {
    await store.close();
  }
}
