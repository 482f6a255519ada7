/**
 * Which store the end-to-end tests run on: SQLite as each test chooses by default, or, with
 * `PARLEY_TEST_STORE=postgres`, a fresh PostgreSQL database per gateway (dropped when it stops).
 * `test/stores/postgres-e2e.test.ts` runs the end-to-end files that matter that way, so the same
 * tests prove both engines (parameterised, not copied).
 */
import { createTestDatabase } from './postgres.js';

export const ON_POSTGRES = process.env.PARLEY_TEST_STORE === 'postgres';

export interface StoreUnderTest {
  /** The `--db` value. */
  db: string;
  /** Removes the database (call after the gateway stopped). */
  cleanup(): Promise<void>;
}

/** The database for one gateway: `sqlite` (a file or :memory:) unless the run is on PostgreSQL. */
export async function storeUnderTest(sqlite: string): Promise<StoreUnderTest> {
  if (!ON_POSTGRES) return { db: sqlite, cleanup: async () => undefined };
  const database = await createTestDatabase();
  return { db: database.url, cleanup: () => database.drop() };
}
