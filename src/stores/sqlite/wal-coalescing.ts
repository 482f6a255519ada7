/**
 * Loads the WAL-coalescing VFS shim (native/wal-coalesce.c, built into build/ when the package is
 * installed and by `npm run build`) once per process, before the store's first connection.
 * SQLite writes each WAL frame with two system calls, its header and its page; through the shim a
 * commit's frames go to the file in one (bench/README.md, finding 43). The shim registers itself
 * as SQLite's default VFS over the platform's, for every connection the process opens afterwards,
 * on every thread; it changes neither the file format nor the locking, so other processes and
 * tools read the files as always.
 *
 * Optional by design: where the shim was not built (no C compiler, Windows) SQLite writes as it
 * always has. `PARLEY_SQLITE_WAL_COALESCING=off` leaves it unloaded.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type WalCoalescing = { active: true } | { active: false; reason: string };

/** The shim's file name in the package's build/ folder (scripts/build-native.mjs names it alike). */
export const WAL_COALESCE_FILE = `wal-coalesce.${process.platform === 'darwin' ? 'dylib' : 'so'}`;
export const WAL_COALESCE_LIBRARY = fileURLToPath(new URL(`../../../../build/${WAL_COALESCE_FILE}`, import.meta.url));

let loaded: WalCoalescing | null = null;

/** Why the shim at `library` will not be loaded before trying (switched off, not built), or null. */
export function walCoalescingUnavailable(library = WAL_COALESCE_LIBRARY): string | null {
  if (process.env.PARLEY_SQLITE_WAL_COALESCING === 'off') return 'PARLEY_SQLITE_WAL_COALESCING is off';
  return existsSync(library) ? null : `${library} was not built`;
}

/** Loads the shim if it can (once); says whether it is active, and if not, why. */
export function loadWalCoalescing(library = WAL_COALESCE_LIBRARY): WalCoalescing {
  if (loaded) return loaded;
  const unavailable = walCoalescingUnavailable(library);
  if (unavailable !== null) return { active: false, reason: unavailable };
  const loader = new Database(':memory:');
  try {
    loader.loadExtension(library); // registers the VFS for the whole process and stays loaded
    loaded = { active: true };
  } catch (error) {
    loaded = { active: false, reason: `${library} did not load: ${error instanceof Error ? error.message : String(error)}` };
    process.emitWarning(`SQLite writes WAL frames one by one: ${loaded.reason}`, 'ParleyStoreWarning');
  } finally {
    loader.close();
  }
  return loaded;
}
