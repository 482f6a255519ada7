/**
 * The configuration file (`parley serve --config FILE`, or `PARLEY_CONFIG`): YAML read with the
 * `yaml` library. Syntax errors, duplicate keys and a document that is not a mapping are usage
 * errors naming the file (and the line, for syntax errors); the keys themselves are checked by the
 * schema (`schema.ts`, `channels.ts`).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError, isMapping } from './fields.js';

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`${file}: cannot read the configuration file (${code ?? (error instanceof Error ? error.message : String(error))})`);
  }
  // uniqueKeys: a key written twice is an error, never a silent "the last one wins".
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true });
  const problem = document.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    throw new ConfigError(`${file}${line !== undefined ? `:${line}` : ''}: ${problem.message.split('\n')[0]}`);
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return {}; // an empty file configures nothing
  if (!isMapping(value)) throw new ConfigError(`${file}: the configuration must be a mapping of keys (port, db, channels, ...) to values`);
  return value;
}
