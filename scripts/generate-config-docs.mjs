// Writes the README's table of serve options from the configuration schema (run `npm run docs:config` after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { withServeOptionsTable } from '../dist/src/config/docs.js';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withServeOptionsTable(readFileSync(readme, 'utf8')));
