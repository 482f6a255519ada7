/**
 * `parley db backup FILE` and `parley db restore FILE` (with `--db`): a consistent copy of a
 * SQLite database, running gateway or not, and putting one back (gateway stopped). See
 * src/stores/sqlite/backup.ts. A PostgreSQL database is backed up with PostgreSQL's own tools:
 * for a `postgres://` URL the command does nothing and prints them.
 */
import { backupSqlite, restoreSqlite, DatabaseInUseError, type BackupSummary } from '../../stores/sqlite/backup.js';
import { UsageError } from '../usage.js';

const POSTGRES_HELP = (action: 'backup' | 'restore'): string => [
  `parley db ${action} copies SQLite files; it does nothing to a PostgreSQL database. Use PostgreSQL's tools`,
  '(they read a consistent snapshot while the nodes keep running; see docs/deploying.md, "Backups"):',
  '  backup:   pg_dump --format=custom --file=FILE "$PARLEY_DB"',
  '  restore:  every node stopped, then  pg_restore --clean --if-exists --no-owner --dbname="$PARLEY_DB" FILE',
].join('\n');

export async function backupAction(action: 'backup' | 'restore', db: string, file: string | undefined): Promise<number> {
  if (/^postgres(ql)?:\/\//.test(db)) throw new UsageError(POSTGRES_HELP(action));
  if (file === undefined) throw new UsageError(`parley db ${action} needs a FILE (parley db ${action} FILE [--db FILE])`);
  if (db === ':memory:') throw new UsageError('an in-memory database lives in its process only: there is nothing to copy');
  if (file === db) throw new UsageError(`FILE and --db name the same file (${file})`);
  let summary: BackupSummary;
  try {
    summary = action === 'backup' ? await backupSqlite(db, file) : await restoreSqlite(file, db);
  } catch (error) {
    const reason = error instanceof DatabaseInUseError || error instanceof Error ? error.message : String(error);
    console.error(`parley: ${action} failed: ${reason}`);
    return 1;
  }
  const what = `schema version ${summary.schemaVersion}, ${summary.messages} messages, ${summary.bytes} bytes`;
  console.log(action === 'backup'
    ? `${db} backed up to ${file} (${what})`
    : `${db} restored from ${file} (${what}); Parley migrates it at start if it is older`);
  return 0;
}
