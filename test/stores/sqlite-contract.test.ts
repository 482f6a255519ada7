/**
 * The SQLite store against the Store contract (./contract/store-contract.ts): in memory, and on a
 * file (which must also keep every acknowledged write across a close and a reopen).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { describeStoreContract } from './contract/store-contract.js';

describeStoreContract({ name: 'SQLite in memory', open: async () => openSqliteStore({ path: ':memory:' }) });

let dir = '';
describeStoreContract({
  name: 'SQLite file',
  open: async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-store-contract-'));
    return openSqliteStore({ path: join(dir, 'parley.db') });
  },
  reopen: async () => openSqliteStore({ path: join(dir, 'parley.db') }),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
