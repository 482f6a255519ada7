/**
 * `parley db migrate|status [--db FILE]`: the SQLite schema version, and upgrading it;
 * `parley db backup|restore FILE [--db FILE]`: see ./db-backup.ts.
 */
import { openSqliteStore, sqliteSchemaVersion } from '../../stores/sqlite/index.js';
import { optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { UsageError, type Command } from '../usage.js';
import { backupAction } from './db-backup.js';

const SPECS: OptionSpec[] = [{ flag: '--db', value: 'FILE', help: 'SQLite database file (env PARLEY_DB; default ./parley.db)' }];

export const db: Command = {
  help: () => optionsHelp('parley db migrate|status|backup FILE|restore FILE [--db FILE]', SPECS, [
    ['migrate', 'upgrade the schema to this Parley\'s'],
    ['status', 'the schema version, and whether it needs migrating'],
    ['backup FILE', 'a consistent copy of the database in FILE, safe while Parley runs'],
    ['restore FILE', 'replace the database with the backup in FILE (stop Parley first)'],
  ]),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    const path = options.get('--db') ?? process.env.PARLEY_DB ?? './parley.db';
    const action = positional[0];
    if (action === 'backup' || action === 'restore') return backupAction(action, path, positional[1]);
    if (action === 'status') {
      let version;
      try {
        version = sqliteSchemaVersion(path);
      } catch (error) {
        console.error(`parley: cannot open ${path}: ${error instanceof Error ? error.message : String(error)}`);
        return 1;
      }
      const state = version.current === version.latest ? 'up to date' : version.current < version.latest ? 'needs "parley db migrate"' : 'newer than this Parley';
      console.log(`${path}: schema version ${version.current} of ${version.latest} (${state})`);
      return version.current <= version.latest ? 0 : 1;
    }
    if (action === 'migrate') {
      const store = openSqliteStore({ path });
      const version = await store.schemaVersion();
      await store.close();
      console.log(`${path}: schema version ${version.current} (latest)`);
      return 0;
    }
    throw new UsageError('parley db needs "migrate", "status", "backup FILE" or "restore FILE"');
  },
};
