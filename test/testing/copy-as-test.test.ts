/**
 * "Copy as a test": a conversation held with the session-counter example (three messages, four
 * hours of quiet, one more) becomes a test file through `GET /simulator/conversations/{N}/{H}/test`.
 * The file runs, as generated, under node's test runner and under Vitest against a fresh copy of
 * the example app and passes; against the same app with its wording changed it fails, and says
 * what changed. Also the replay's rules for time (which gaps become clock advances) as a table.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTestParley, type TestParley } from '../helpers/parley.js';
import { startSessionCounter, type RunningApp } from '../../examples/session-counter/server.js';
import { PACKAGE_NAME, REPLAY_GAP_MS, conversationTest, replaySteps } from '../../src/testing/conversation-test.js';
import { formatDurationParts, parseDuration } from '../../src/config/duration.js';
import { newMessage } from '../../src/messages/message.js';
import type { MessageRecord } from '../../src/stores/records.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NUMBER = '+15005550006';
const HANDSET = '+15558675310';
const HOUR = 3_600_000;

describe('the replay of time', () => {
  const at = Date.parse('2026-01-02T10:00:00Z');
  const message = (direction: 'inbound' | 'outbound-reply' | 'outbound-api', ms: number, inboundSid: string | null = null): MessageRecord =>
    newMessage({
      accountSid: 'AC' + '0'.repeat(32), direction, from: direction === 'inbound' ? HANDSET : NUMBER, to: direction === 'inbound' ? NUMBER : HANDSET,
      body: `${direction} at ${ms}`, status: direction === 'inbound' ? 'received' : 'delivered', at: at + ms, inboundSid, replySeq: inboundSid ? 0 : null,
    });
  const advances = (gapsMs: number[], ttlMs = 4 * HOUR): string[] => {
    let t = 0;
    const messages = gapsMs.map((gap) => message('inbound', (t += gap)));
    return replaySteps(messages, ttlMs).flatMap((s) => (s.kind === 'advance' ? [formatDurationParts(s.ms)] : []));
  };
  const CASES: Array<[string, number[], string[], number?]> = [
    ['typing pauses under a minute are not replayed', [0, 5_000, REPLAY_GAP_MS - 1], []],
    ['a minute or more is, rounded up to the second', [0, REPLAY_GAP_MS, 90_400], ['1m', '1m31s']],
    ['"Advance clock 4h" and a few ms of typing cross the TTL again', [0, 4 * HOUR + 50], ['4h1s']],
    ['hours and days', [0, 27 * HOUR + 61_000], ['1d3h1m1s']],
    ['a TTL under a minute: gaps as long as the TTL are replayed', [0, 29_000, 30_000], ['30s'], 30_000],
  ];
  for (const [name, gaps, expected, ttl] of CASES) test(name, () => assert.deepEqual(advances(gaps, ttl), expected));

  test('a gap is counted from the last message in either direction and kept where it was; replies join their turn', () => {
    const first = message('inbound', 0);
    const reply = message('outbound-reply', 2 * HOUR, first.sid);
    const api = message('outbound-api', 3 * HOUR);
    const next = message('inbound', 3 * HOUR + 30_000);
    const steps = replaySteps([first, reply, api, next], 4 * HOUR);
    assert.deepEqual(steps.map((s) => s.kind), ['turn', 'advance', 'other', 'turn'], 'the hour before the API message; 30 s after it');
    assert.deepEqual(steps[1]?.kind === 'advance' && steps[1].ms, HOUR);
    assert.deepEqual(steps[0]?.kind === 'turn' && steps[0].replies.map((r) => r.sid), [reply.sid]);
  });

  test('a turn that failed asserts its error code; API messages are mentioned, not replayed; media goes along', () => {
    const failed = { ...message('inbound', 0), body: 'Anyone?', errorCode: 11200, errorMessage: 'HTTP retrieval failure' };
    const picture = { ...message('inbound', 1000), body: 'Look', media: [{ sid: 'ME' + '1'.repeat(32), url: 'https://example.com/cat.png', contentType: 'image/png' }] };
    const api = { ...message('outbound-api', 2000), body: 'Your code is 1234' };
    const input = { number: NUMBER, handset: HANDSET, messages: [failed, picture, api], smsUrl: 'http://127.0.0.1:1337/sms', smsMethod: 'POST' as const, sessionTtlMs: 4 * HOUR };
    const node = conversationTest(input, 'node');
    assert.match(node, /const failed = await phone\.turn\("Anyone\?", \{ to: NUMBER \}\);\n {2}assert\.equal\(failed\.errorCode, 11200\); \/\/ HTTP retrieval failure/);
    assert.match(node, /assert\.deepEqual\(await say\("Look", \{ media: \["https:\/\/example\.com\/cat\.png"\] \}\), \[\]\);/);
    assert.match(node, /\/\/ \+15005550006 sent "Your code is 1234" through the REST API here \(not replayed/);
    assert.match(conversationTest(input, 'vitest'), /expect\(failed\.errorCode\)\.toBe\(11200\);/);
  });

  test('durations in a row read back as written', () => {
    for (const [text, ms] of [['4h1s', 4 * HOUR + 1000], ['1h30m', 90 * 60_000], ['1d3h1m1s', 27 * HOUR + 61_000], ['90s', 90_000], ['500ms', 500], ['10', 10_000]] as const) {
      assert.equal(parseDuration(text), ms, text);
    }
    for (const text of ['4h 1s', 'h4', '1x', '', '0s']) assert.throws(() => parseDuration(text), RangeError, text);
  });

  test('the generated file imports the name this package is published under', () => {
    assert.equal(PACKAGE_NAME, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string }).name);
  });
});

interface Run { code: number | null; out: string }

function run(args: string[], env: Record<string, string>): Promise<Run> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(PARLEY_|NODE_TEST_CONTEXT$|SMS_URL$)/.test(key)) clean[key] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...clean, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('a conversation copied as a test, run against the example app', () => {
  let parley: TestParley;
  let recorded: RunningApp;
  let fresh: RunningApp;
  let reworded: Server;
  let rewordedUrl = '';
  // Inside the repository, so the file's `parley-sms/testing` resolves to this package (Node's
  // self-reference) and Vitest from its node_modules, as they would in an app that installed both.
  let scratch = '';
  const files: Record<'node' | 'vitest', string> = { node: '', vitest: '' };

  before(async () => {
    parley = await startTestParley({ dev: true });
    recorded = await startSessionCounter({ authToken: parley.account.authToken });
    await parley.createNumber(NUMBER, recorded.smsUrl);
    for (const text of ['Hello', 'Hello again', 'And once more']) await parley.turn((await parley.text(HANDSET, NUMBER, text)).sid);
    assert.equal((await parley.api('POST', '/simulator/clock', { Advance: '4h' })).status, 200);
    await parley.turn((await parley.text(HANDSET, NUMBER, 'Back after lunch')).sid);

    mkdirSync(join(ROOT, '.artifacts'), { recursive: true });
    scratch = mkdtempSync(join(ROOT, '.artifacts', 'copy-as-test-'));
    for (const runner of ['node', 'vitest'] as const) {
      const path = `/simulator/conversations/${encodeURIComponent(NUMBER)}/${encodeURIComponent(HANDSET)}/test?Runner=${runner}`;
      const res = await fetch(parley.url + path, {
        headers: { authorization: 'Basic ' + Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64') },
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
      files[runner] = join(scratch, runner, 'conversation.test.mjs');
      mkdirSync(join(scratch, runner));
      writeFileSync(files[runner], await res.text());
    }

    // The same app twice more: as it is, and with its first answer worded differently.
    fresh = await startSessionCounter({ authToken: parley.account.authToken });
    const source = readFileSync(join(ROOT, 'dist/examples/session-counter/app.js'), 'utf8');
    assert.ok(source.includes("'Hello, thanks for the new message.'"));
    writeFileSync(join(scratch, 'app-reworded.js'), source.replace("'Hello, thanks for the new message.'", "'Hi there, thanks for the new message!'"));
    const { createSessionCounterApp } = await import(pathToFileURL(join(scratch, 'app-reworded.js')).href) as typeof import('../../examples/session-counter/app.js');
    reworded = createServer(createSessionCounterApp({ authToken: parley.account.authToken }));
    await new Promise<void>((done) => reworded.listen(0, '127.0.0.1', done));
    rewordedUrl = `http://127.0.0.1:${(reworded.address() as AddressInfo).port}/sms`;
  });

  after(async () => {
    await parley?.stop();
    await recorded?.close();
    await fresh?.close();
    reworded?.closeAllConnections();
    reworded?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('the file replays each message, asserts each reply and advances the clock over the four hours', () => {
    const text = readFileSync(files.node, 'utf8');
    assert.match(text, /import \{ startTestGateway \} from 'parley-sms\/testing';/);
    assert.match(text, /assert\.deepEqual\(await say\("Hello again"\), \["Hello, thanks for message number 2"\]\);/);
    assert.match(text, /await gateway\.clock\.advance\("4h1s"\);/);
    assert.match(text, /assert\.deepEqual\(await say\("Back after lunch"\), \["Hello, thanks for the new message\."\]\);/);
    assert.match(text, new RegExp(`SMS_URL = process\\.env\\.SMS_URL \\?\\? "${recorded.smsUrl}"`));
    const vitest = readFileSync(files.vitest, 'utf8');
    assert.match(vitest, /import \{ afterAll, beforeAll, expect, test \} from 'vitest';/);
    assert.match(vitest, /expect\(await say\("Hello again"\)\)\.toEqual\(\["Hello, thanks for message number 2"\]\);/);
  });

  const env = (smsUrl: string): Record<string, string> => ({ SMS_URL: smsUrl, PARLEY_AUTH_TOKEN: parley.account.authToken });
  const vitest = (file: string): string[] => [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', join(file, '..')];

  test("node's test runner: passes against the app, fails once its wording changed", async () => {
    const pass = await run(['--test', files.node], env(fresh.smsUrl));
    assert.equal(pass.code, 0, pass.out);
    assert.match(pass.out, /# pass 1/);
    const fail = await run(['--test', files.node], env(rewordedUrl));
    assert.equal(fail.code, 1, fail.out);
    assert.match(fail.out, /Hi there, thanks for the new message!/);
    assert.match(fail.out, /Hello, thanks for the new message\./);
  });

  test('Vitest: passes against the app, fails once its wording changed', async () => {
    const pass = await run(vitest(files.vitest), env(fresh.smsUrl));
    assert.equal(pass.code, 0, pass.out);
    assert.match(pass.out, /1 passed/);
    const fail = await run(vitest(files.vitest), env(rewordedUrl));
    assert.equal(fail.code, 1, fail.out);
    assert.match(fail.out, /Hi there, thanks for the new message!/);
  });
});
