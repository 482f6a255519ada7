/** `parley tail` as a subprocess: a line per message and webhook exchange, plain text when piped. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { startSessionCounter, type RunningApp } from '../../examples/session-counter/server.js';
import { cleanEnv, runCli, startCli, waitForOutput } from './run-cli.js';

let parley: RunningParley;
let app: RunningApp;
let env: NodeJS.ProcessEnv;

before(async () => {
  parley = await startParley({ port: 0, host: '127.0.0.1', db: ':memory:', dev: true, sessionTtlMs: 4 * 3_600_000, logger: createLogger({ level: 'silent' }) });
  app = await startSessionCounter({ authToken: parley.account.authToken });
  env = cleanEnv({ PARLEY_URL: parley.url, PARLEY_ACCOUNT_SID: parley.account.sid, PARLEY_AUTH_TOKEN: parley.account.authToken });
  const added = await runCli(['numbers', 'add', '+15005550006', '--sms-url', app.smsUrl], env);
  assert.equal(added.code, 0, added.stderr);
});

after(async () => {
  await parley.stop();
  await app.close();
});

test('tail prints the inbound message, the webhook exchange and the reply, then stops on SIGTERM with 0', async () => {
  const tail = startCli(['tail'], { ...env, NO_COLOR: undefined });
  try {
    await waitForOutput(tail.stderr, /following http/);
    const reply = waitForOutput(tail.stdout, /out  "Hello, thanks for the new message\."\n/);
    const sent = await runCli(['send', '--from', '+15551230001', '--to', '+15005550006', 'hello tail'], env);
    assert.equal(sent.code, 0, sent.stderr);
    const lines = (await reply).trimEnd().split('\n');
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d  \+15551230001 → \+15005550006  in   "hello tail"$/);
    assert.ok(lines.some((l) => /webhook sms POST http:\/\/127\.0\.0\.1:\d+\/sms → 200 in \d+ ms/.test(l)), lines.join('\n'));
    assert.doesNotMatch(lines.join('\n'), /\u001b\[/); // stdout is a pipe: no colour even without NO_COLOR
  } finally {
    tail.kill('SIGTERM');
  }
  const [code] = await once(tail, 'close') as [number | null];
  assert.equal(code, 0);
});

test('tail --direction and --status show only the messages that pass, and a bad value is refused by name', async () => {
  const tail = startCli(['tail', '--direction', 'outbound-reply', '--status', 'delivered'], env);
  try {
    await waitForOutput(tail.stderr, /following http/);
    const firstMessage = waitForOutput(tail.stdout, /(in|out) {2}"[^"]*"\n/);
    const sent = await runCli(['send', '--from', '+15551230002', '--to', '+15005550006', 'only the reply'], env);
    assert.equal(sent.code, 0, sent.stderr);
    // The inbound message comes first on the stream: unfiltered, it would be the first line.
    const lines = (await firstMessage).trimEnd().split('\n');
    assert.match(lines.at(-1)!, /\+15005550006 → \+15551230002 {2}out {2}"Hello, thanks for the new message\."$/);
    assert.ok(!lines.some((l) => / in {2}"/.test(l)), lines.join('\n'));
  } finally {
    tail.kill('SIGTERM');
  }
  await once(tail, 'close');

  const refused = await runCli(['tail', '--status', 'delivered,arrived'], env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Status must be a comma-separated list of queued, sending, .*; "arrived" is not one of them/);
});
