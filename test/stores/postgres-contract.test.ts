/**
 * The PostgreSQL store against the Store contract (./contract/store-contract.ts), on a real
 * PostgreSQL: a database of its own for this run, emptied before each test, kept across a close
 * and a reopen. Fails (never skips) when PostgreSQL cannot be reached.
 */
import { after, before } from 'node:test';
import { openPostgresStore } from '../../src/stores/postgres/index.js';
import { describeStoreContract } from './contract/store-contract.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

let db: TestDatabase | null = null;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db?.drop();
});

describeStoreContract({
  name: 'PostgreSQL',
  open: async () => {
    await db!.truncate(); // before the store joins: its node row must survive
    return openPostgresStore({ url: db!.url });
  },
  reopen: async () => openPostgresStore({ url: db!.url }),
});
