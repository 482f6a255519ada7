/**
 * bench/lib/gateway.ts's check of the build under test: the bench says so when a build will run
 * without the WAL-coalescing shim (a copy of another build's dist/ without its build/ folder), so
 * that an A/B comparison never compares two stores unawares (bench/README.md, finding 116).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAIN, walShimMissing } from '../../bench/lib/gateway.js';
import { WAL_COALESCE_FILE, WAL_COALESCE_LIBRARY } from '../../src/stores/sqlite/wal-coalescing.js';
import { existsSync } from 'node:fs';

/** Runs `check` with PARLEY_SQLITE_WAL_COALESCING as given (undefined: unset), then puts it back. */
function withCoalescing<T>(value: string | undefined, check: () => T): T {
  const saved = process.env.PARLEY_SQLITE_WAL_COALESCING;
  if (value === undefined) delete process.env.PARLEY_SQLITE_WAL_COALESCING;
  else process.env.PARLEY_SQLITE_WAL_COALESCING = value;
  try {
    return check();
  } finally {
    if (saved === undefined) delete process.env.PARLEY_SQLITE_WAL_COALESCING;
    else process.env.PARLEY_SQLITE_WAL_COALESCING = saved;
  }
}

test('a build is checked for the shim in its own package\'s build/ folder', async () => {
  const copy = await mkdtemp(join(tmpdir(), 'parley-build-copy-'));
  try {
    const main = join(copy, 'dist', 'src', 'cli', 'main.js');
    assert.equal(withCoalescing(undefined, () => walShimMissing(main)), `${join(copy, 'build', WAL_COALESCE_FILE)} was not built`);
    await mkdir(join(copy, 'build'));
    await writeFile(join(copy, 'build', WAL_COALESCE_FILE), '');
    assert.equal(withCoalescing(undefined, () => walShimMissing(main)), null);
    assert.equal(withCoalescing('off', () => walShimMissing(main)), 'PARLEY_SQLITE_WAL_COALESCING is off');
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});

test('this build\'s own entry point finds the shim where the store loads it from', () => {
  // Where the shim was built (npm ci builds it; a machine without a compiler does not), both agree.
  assert.equal(withCoalescing(undefined, () => walShimMissing(MAIN)) === null, existsSync(WAL_COALESCE_LIBRARY));
});
