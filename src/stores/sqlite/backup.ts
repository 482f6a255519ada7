/**
 * Backups of a SQLite store with SQLite's online backup API (better-sqlite3 `backup()`), safe
 * while a gateway writes to the database from another process: every page is copied in one step,
 * inside one read transaction, so the copy is the database as of one commit. (Copied in several
 * steps, a backup restarts whenever another connection writes between them, and under steady
 * traffic it would never end.) In WAL mode that read transaction never blocks the gateway's writes.
 *
 * The copy is written beside the destination and renamed into place once checked, in rollback
 * journal mode: one self-contained file, no -wal or -shm needed to read it. Restoring copies a
 * backup over a database the same way, which must not be in use (the gateway stopped).
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { MIGRATIONS } from './migrations.js';

export interface BackupSummary {
  /** The schema version of the copy (the gateway migrates an older one at start). */
  schemaVersion: number;
  messages: number;
  bytes: number;
}

/** Copies every page in one step (better-sqlite3 takes the page count of the next step from the progress callback). */
const ALL_PAGES = 0x7fffffff;

/** Thrown when the target database is open in another process (a running gateway). */
export class DatabaseInUseError extends Error {}

export async function backupSqlite(source: string, destination: string): Promise<BackupSummary> {
  const partial = `${destination}.partial`;
  removeWithSideFiles(partial);
  const db = new Database(source, { readonly: true, fileMustExist: true, timeout: 5_000 });
  try {
    await db.backup(partial, { progress: () => ALL_PAGES });
  } catch (error) {
    removeWithSideFiles(partial);
    throw error;
  } finally {
    db.close();
  }
  let summary: BackupSummary;
  try {
    summary = check(partial, { makeSelfContained: true });
  } catch (error) {
    removeWithSideFiles(partial);
    throw error;
  }
  // A -wal left beside an older file of that name would be replayed onto the new one.
  for (const side of ['-wal', '-shm', '-journal']) rmSync(`${destination}${side}`, { force: true });
  renameSync(partial, destination);
  return { ...summary, bytes: statSync(destination).size };
}

/** Replaces `target` with the backup's content. Refuses while a gateway has `target` open. */
export async function restoreSqlite(backup: string, target: string): Promise<BackupSummary> {
  const summary = check(backup, { makeSelfContained: false });
  if (summary.schemaVersion > MIGRATIONS.length) {
    throw new Error(`the backup is at schema version ${summary.schemaVersion}, newer than this Parley (${MIGRATIONS.length}): restore it with the Parley that made it`);
  }
  if (existsSync(target)) assertNotInUse(target);
  const db = new Database(backup, { readonly: true, fileMustExist: true });
  try {
    // Through SQLite, not a file copy: it recovers and overwrites whatever -wal the target has.
    await db.backup(target, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  return { ...summary, bytes: statSync(target).size };
}

/** Opens a copy, checks it and reads what the summary shows. */
function check(path: string, options: { makeSelfContained: boolean }): BackupSummary {
  const db = new Database(path, { fileMustExist: true, readonly: !options.makeSelfContained });
  try {
    if (options.makeSelfContained) db.pragma('journal_mode = DELETE');
    const result = db.pragma('quick_check', { simple: true });
    if (result !== 'ok') throw new Error(`${path} failed SQLite's quick_check: ${String(result)}`);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (schemaVersion === 0) throw new Error(`${path} is not a Parley database (schema version 0)`);
    const { n } = db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number };
    return { schemaVersion, messages: n, bytes: 0 };
  } finally {
    db.close();
  }
}

/**
 * A connection in exclusive locking mode can take the database's lock only if no other process
 * has it open (a WAL-mode connection holds a shared lock as long as it is open).
 */
function assertNotInUse(path: string): void {
  const db = new Database(path, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DatabaseInUseError(`${path} is in use: stop the Parley that runs on it first`);
    throw error;
  } finally {
    db.close();
  }
}

function removeWithSideFiles(path: string): void {
  for (const side of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${side}`, { force: true });
}
