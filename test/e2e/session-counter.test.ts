/**
 * End to end: a real Parley (HTTP + SQLite file), the example app as a real HTTP server validating
 * every webhook signature with the official twilio package, cookies carrying the session.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { startTestParley, type TestParley } from '../helpers/parley.js';
import { startSessionCounter, type RunningApp } from '../../examples/session-counter/server.js';
import { ManualClock } from '../../src/clock/clock.js';

const NUMBER = '+15005550006';
const ALICE = '+15551230001';
const BOB = '+15551230002';

let parley: TestParley;
let app: RunningApp;
let clock: ManualClock;

before(async () => {
  clock = new ManualClock();
  parley = await startTestParley({ clock });
  app = await startSessionCounter({ authToken: parley.account.authToken });
  await parley.createNumber(NUMBER, app.smsUrl);
});

after(async () => {
  await app.close();
  await parley.stop();
});

async function say(from: string, body: string): Promise<string> {
  const { sid } = await parley.text(from, NUMBER, body);
  const view = await parley.turn(sid);
  assert.equal(view.turn.error_code, null, `webhook failed: ${JSON.stringify(view.exchanges.map((x) => x.errorCode))}`);
  assert.equal(view.replies.length, 1);
  return view.replies[0]!.body;
}

test('two handsets interleaved keep separate counts (signatures validated by the twilio package)', async () => {
  assert.equal(await say(ALICE, 'hi'), 'Hello, thanks for the new message.');
  assert.equal(await say(BOB, 'hi'), 'Hello, thanks for the new message.');
  assert.equal(await say(ALICE, 'again'), 'Hello, thanks for message number 2');
  assert.equal(await say(BOB, 'again'), 'Hello, thanks for message number 2');
  assert.equal(await say(ALICE, 'third'), 'Hello, thanks for message number 3');
});

test('the webhook request is Twilio-shaped: parameters, headers and the cookie', async () => {
  const { sid } = await parley.text(ALICE, NUMBER, 'look');
  const view = await parley.turn(sid);
  const exchange = view.exchanges[0]!;
  const params = Object.fromEntries(exchange.request.params);
  assert.equal(params.MessageSid, sid);
  assert.equal(params.SmsSid, sid);
  assert.equal(params.SmsMessageSid, sid);
  assert.equal(params.AccountSid, parley.account.sid);
  assert.equal(params.From, ALICE);
  assert.equal(params.To, NUMBER);
  assert.equal(params.Body, 'look');
  assert.equal(params.NumMedia, '0');
  assert.equal(params.NumSegments, '1');
  assert.equal(params.FromCountry, 'US');
  assert.equal(params.ToCountry, 'US');
  assert.equal(params.FromCity, '');
  assert.equal(params.SmsStatus, 'received');
  assert.equal(params.ApiVersion, '2010-04-01');
  assert.equal(exchange.request.headers['user-agent'], 'TwilioProxy/1.1');
  assert.match(exchange.request.headers['i-twilio-idempotency-token'] ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(exchange.request.headers.cookie ?? '', /^connect\.sid=/);
  assert.equal(exchange.request.headers.authorization, undefined);
});

test('after the session TTL (injected clock) the count starts again', async () => {
  const handset = '+15551230003';
  assert.equal(await say(handset, '1'), 'Hello, thanks for the new message.');
  assert.equal(await say(handset, '2'), 'Hello, thanks for message number 2');
  clock.advance(4 * 3_600_000 - 60_000); // still inside the window
  assert.equal(await say(handset, '3'), 'Hello, thanks for message number 3');
  clock.advance(4 * 3_600_000 + 1000); // quiet for longer than the TTL
  assert.equal(await say(handset, '4'), 'Hello, thanks for the new message.');
});

test('with a short --session-ttl on the real CLI the count starts again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-ttl-'));
  const sid = 'AC' + 'ab'.repeat(16);
  const token = 'cd'.repeat(16);
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', '--db', join(dir, 'p.db'), '--session-ttl', '1500ms'], {
    env: { ...process.env, PARLEY_ACCOUNT_SID: sid, PARLEY_AUTH_TOKEN: token, PARLEY_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ttlApp = await startSessionCounter({ authToken: token });
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`serve exited: ${out}`)));
    });
    assert.match(out, /Session TTL: 1500ms/);
    const auth = { authorization: 'Basic ' + Buffer.from(`${sid}:${token}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' };
    const post = async (path: string, form: Record<string, string>): Promise<{ sid: string }> => {
      const res = await request(url + path, { method: 'POST', headers: auth, body: new URLSearchParams(form).toString() });
      return (await res.body.json()) as { sid: string };
    };
    await post(`/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json`, { PhoneNumber: NUMBER, SmsUrl: ttlApp.smsUrl });
    const say2 = async (body: string): Promise<string> => {
      const m = await post('/simulator/messages', { From: ALICE, To: NUMBER, Body: body });
      const res = await request(`${url}/simulator/messages/${m.sid}?Wait=10s`, { headers: auth });
      const view = (await res.body.json()) as { replies: Array<{ body: string }> };
      return view.replies[0]?.body ?? '(no reply)';
    };
    assert.equal(await say2('a'), 'Hello, thanks for the new message.');
    assert.equal(await say2('b'), 'Hello, thanks for message number 2');
    await delay(1700); // real time must pass: this is the point of a real --session-ttl
    assert.equal(await say2('c'), 'Hello, thanks for the new message.');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await ttlApp.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(child.exitCode, 0, 'serve stops cleanly on SIGTERM');
});

test('50 messages from one handset posted at once get counts 1..50 in order', async () => {
  const handset = '+15551230050';
  const posted = await Promise.all(Array.from({ length: 50 }, (_, i) => parley.text(handset, NUMBER, `m${i}`)));
  const views = [];
  for (const { sid } of posted) views.push(await parley.turn(sid));
  // Turns run in arrival order (the order the gateway stored them), so sort by SID (time-ordered).
  const bodies = views.sort((a, b) => (a.message.sid < b.message.sid ? -1 : 1)).map((v) => v.replies[0]?.body);
  const expected = ['Hello, thanks for the new message.', ...Array.from({ length: 49 }, (_, i) => `Hello, thanks for message number ${i + 2}`)];
  assert.deepEqual(bodies, expected);
});
