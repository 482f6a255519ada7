/** The README's table of serve options is the schema's (regenerate with `npm run docs:config`). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { withServeOptionsTable } from '../../src/config/docs.js';
import { SERVE_SETTINGS } from '../../src/config/schema.js';

test('README.md shows every serve option of the schema, with its default and environment variable', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.equal(readme, withServeOptionsTable(readme), 'README.md is out of date: run npm run build && npm run docs:config');
  for (const s of SERVE_SETTINGS) assert.ok(readme.includes(`| \`${s.flag.slice(2)}\` |`), `${s.flag} has a row`);
});
