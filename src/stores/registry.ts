/** The store implementations Parley knows, chosen by the `--db` value. PostgreSQL joins here next. */
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/index.js';

export function openStore(location: string): Store {
  // A future `postgres://` location selects the PostgreSQL adapter; everything else is a SQLite file.
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new Error('PostgreSQL is not supported yet: use a SQLite file or :memory:');
  }
  return openSqliteStore({ path: location });
}
