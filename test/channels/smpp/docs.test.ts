/**
 * docs/channels.md shows every key of an `smpp` channel with its default, and the SMPP → Twilio
 * error mapping, exactly as the code has them (regenerate with `npm run docs:config`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { withChannelTables } from '../../../src/channels/smpp/docs.js';
import { SMPP_FIELDS } from '../../../src/config/channels.js';
import { SUBMIT_STATUS_TABLE } from '../../../src/channels/smpp/errors.js';

const doc = readFileSync(new URL('../../../../docs/channels.md', import.meta.url), 'utf8');

test('docs/channels.md is up to date with the schema and the error tables', () => {
  assert.equal(doc, withChannelTables(doc), 'docs/channels.md is out of date: run npm run build && npm run docs:config');
});

test('every key has a row with its default, and every command status of the table is listed', () => {
  for (const f of SMPP_FIELDS) assert.ok(doc.includes(`| \`${f.key}\` | ${f.required ? 'required' : `\`${f.defaultText}\``} |`), `${f.key} has a row`);
  for (const r of SUBMIT_STATUS_TABLE) assert.ok(doc.includes(`| ${r.name} |`), `${r.name} is listed`);
  assert.ok(doc.includes('| `window` | `10` |') && doc.includes('| `enquire-link` | `30s` |'));
});
