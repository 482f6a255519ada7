/**
 * How the PostgreSQL store connects: one set of settings for the read pool, the writer and the
 * listener connections, the type parsers (bigint milliseconds as numbers), and which driver errors
 * mean "the database is unavailable" (answered 503, never retried in the write path: a commit
 * whose answer was lost may have happened).
 */
import pg from 'pg';
import type { ClientBase, ClientConfig, PoolConfig } from 'pg';
import { StoreUnavailableError } from '../errors.js';

/** `int8` (OID 20): milliseconds and sequence numbers, all well inside 2^53. */
const INT8 = 20;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 && format !== 'binary') return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/** Settings shared by every connection of the store. */
export function clientConfig(url: string, applicationName: string): ClientConfig {
  return {
    connectionString: url,
    application_name: applicationName,
    types,
    keepAlive: true,
    // A connection attempt to a database that is down fails in seconds, so a request waiting on
    // it answers 503 instead of hanging.
    connectionTimeoutMillis: 5000,
  };
}

export function poolConfig(url: string, max: number): PoolConfig {
  return { ...clientConfig(url, 'parley'), max, idleTimeoutMillis: 30_000 };
}

/** Runs `work` between BEGIN and COMMIT on `client`, or ROLLBACK when it throws (its error is thrown again). */
export async function inTransaction<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** SQLSTATE classes and codes that mean the server went away or is not accepting work. */
const UNAVAILABLE_STATES = /^(08|57P0[1-4]|53300)/;
const UNAVAILABLE_MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Client was closed/i;

/** Whether a driver error means the database cannot be reached (rather than a bad statement). */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_STATES.test(code)) return true;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // a socket error (ECONNREFUSED, ...)
  return UNAVAILABLE_MESSAGES.test(error.message);
}

/** Turns a connection failure into StoreUnavailableError; other errors pass through unchanged. */
export function asStoreError(error: unknown): unknown {
  return isUnavailable(error) && !(error instanceof StoreUnavailableError) ? new StoreUnavailableError(error) : error;
}

/** The SQLSTATE our fencing functions raise when this node no longer holds a conversation. */
export const LEASE_LOST_STATE = 'PY001';

export function isLeaseLost(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === LEASE_LOST_STATE;
}

/** A database URL with its password hidden, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the PostgreSQL database';
  }
}
