/**
 * The end-to-end tests that matter, run again on PostgreSQL: each file below runs in a child
 * `node --test` with PARLEY_TEST_STORE=postgres, so its gateways open a fresh PostgreSQL database
 * instead of SQLite (test/helpers/store-under-test.ts). The files are the same ones that run on
 * SQLite: conversations with cookies, turn semantics, REST messages, status callbacks and their
 * retries, failed deliveries. Fails (never skips) when PostgreSQL cannot be reached.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '../helpers/postgres.js';

const FILES = [
  'e2e/session-counter.test.js',
  'core/turns.test.js',
  'rest/messages-api.test.js',
  'rest/status-callbacks.test.js',
  'rest/callback-retries.test.js',
  'rest/failed-deliveries.test.js',
];

function runOnPostgres(file: string): Promise<{ code: number | null; output: string }> {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  return new Promise((resolve, reject) => {
    // A child of the test runner must not look like one (NODE_TEST_CONTEXT), or it runs nothing.
    const { NODE_TEST_CONTEXT: _runner, ...env } = process.env;
    const child = spawn(process.execPath, ['--test', path], { env: { ...env, PARLEY_TEST_STORE: 'postgres' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

test('PostgreSQL is reachable for the end-to-end runs', async () => {
  const db = await createTestDatabase(); // fails with a clear message when it is not
  await db.drop();
});

for (const file of FILES) {
  test(`on PostgreSQL: ${file}`, { timeout: 300_000 }, async () => {
    const { code, output } = await runOnPostgres(file);
    assert.equal(code, 0, output.split('\n').filter((l) => /not ok|error|Error|expected|actual/.test(l)).slice(0, 40).join('\n'));
    assert.match(output, /^# pass [1-9]/m, 'the file ran tests');
    assert.match(output, /^# fail 0$/m);
  });
}
