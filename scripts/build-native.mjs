/**
 * Builds native/wal-coalesce.c, the SQLite VFS shim that writes each commit's WAL frames with one
 * system call (src/stores/sqlite/wal-coalescing.ts), into build/: the package's install script, and
 * the first step of `npm run build`. With the C compiler that better-sqlite3's own build uses
 * (`CC`, else `cc`) and SQLite's headers from better-sqlite3.
 * Optional: without a compiler, or on Windows, it says so and Parley runs SQLite unchanged.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suffix = process.platform === 'darwin' ? 'dylib' : 'so';
const output = join(root, 'build', `wal-coalesce.${suffix}`);

if (process.platform === 'win32') {
  console.log('wal-coalesce: not built on Windows; SQLite writes its WAL frames one by one');
} else {
  const headers = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
  const compiler = process.env.CC || 'cc';
  const args = ['-O2', '-Wall', '-fPIC', process.platform === 'darwin' ? '-dynamiclib' : '-shared', '-I', headers,
    join(root, 'native', 'wal-coalesce.c'), '-o', output];
  try {
    mkdirSync(dirname(output), { recursive: true });
    execFileSync(compiler, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (error) {
    console.warn(`wal-coalesce: not built (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); SQLite writes its WAL frames one by one`);
  }
}
