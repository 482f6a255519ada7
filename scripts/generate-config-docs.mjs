// Writes the configuration tables of the docs from the code (run `npm run docs:config` after `npm run build`):
// the README's serve options (config schema) and docs/channels.md's SMPP keys and error mapping.
import { readFileSync, writeFileSync } from 'node:fs';
import { withServeOptionsTable } from '../dist/src/config/docs.js';
import { withChannelTables } from '../dist/src/channels/smpp/docs.js';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withServeOptionsTable(readFileSync(readme, 'utf8')));
const channels = new URL('../docs/channels.md', import.meta.url);
writeFileSync(channels, withChannelTables(readFileSync(channels, 'utf8')));
