/**
 * `parley db migrate|status [--db FILE|URL]`: the schema version of a SQLite file or a PostgreSQL
 * database, and upgrading it (under the engine's migration lock, as a starting gateway does);
 * `parley db backup|restore FILE [--db FILE|URL]`: see ./db-backup.ts.
 */
import { migrateStore, schemaVersionAt, isPostgresUrl } from '../../stores/registry.js';
import { describeUrl } from '../../stores/postgres/connection.js';
import { optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { UsageError, type Command } from '../usage.js';
import { backupAction } from './db-backup.js';

const SPECS: OptionSpec[] = [{
  flag: '--db', value: 'FILE|URL', help: 'SQLite database file, or postgres://USER@HOST:PORT/DATABASE (env PARLEY_DB; default ./parley.db)',
}];

export const db: Command = {
  help: () => optionsHelp('parley db migrate|status|backup FILE|restore FILE [--db FILE|URL]', SPECS, [
    ['migrate', 'upgrade the schema to this Parley\'s'],
    ['status', 'the schema version, and whether it needs migrating'],
    ['backup FILE', 'a consistent copy of the database in FILE, safe while Parley runs (PostgreSQL: prints the pg_dump command)'],
    ['restore FILE', 'replace the database with the backup in FILE (stop Parley first; PostgreSQL: prints the pg_restore command)'],
  ]),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    const location = options.get('--db') ?? process.env.PARLEY_DB ?? './parley.db';
    const shown = isPostgresUrl(location) ? describeUrl(location) : location;
    const action = positional[0];
    if (action === 'backup' || action === 'restore') return backupAction(action, location, positional[1]);
    if (action === 'status') {
      let version;
      try {
        version = await schemaVersionAt(location);
      } catch (error) {
        console.error(`parley: cannot open ${shown}: ${error instanceof Error ? error.message : String(error)}`);
        return 1;
      }
      const state = version.current === version.latest ? 'up to date' : version.current < version.latest ? 'needs "parley db migrate"' : 'newer than this Parley';
      console.log(`${shown}: schema version ${version.current} of ${version.latest} (${state})`);
      return version.current <= version.latest ? 0 : 1;
    }
    if (action === 'migrate') {
      let version;
      try {
        version = await migrateStore(location);
      } catch (error) {
        console.error(`parley: cannot migrate ${shown}: ${error instanceof Error ? error.message : String(error)}`);
        return 1;
      }
      console.log(`${shown}: schema version ${version} (latest)`);
      return 0;
    }
    throw new UsageError('parley db needs "migrate", "status", "backup FILE" or "restore FILE"');
  },
};
