/** The error catalog and docs/errors.md list the same codes with the same titles. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOG } from '../../src/errors/catalog.js';

test('docs/errors.md documents every code of the catalog, and nothing else', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map([...doc.matchAll(/^\| \[(\d+)\]\([^)]+\) \| (\d+) \| (.+?) \| /gm)].map((m) => [Number(m[1]), { status: Number(m[2]), title: m[3]!.replace(/\\\|/g, '|') }]));
  for (const [code, def] of Object.entries(ERROR_CATALOG)) {
    const row = documented.get(Number(code));
    assert.ok(row, `code ${code} is missing from docs/errors.md (run npm run docs:errors)`);
    assert.equal(row.status, def.status, `status of ${code}`);
    assert.equal(row.title, def.title, `title of ${code}`);
  }
  assert.equal(documented.size, Object.keys(ERROR_CATALOG).length, 'docs/errors.md lists codes the catalog does not have');
});
