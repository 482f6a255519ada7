/**
 * The test harness (`parley-sms/testing`): start-up time, numbers, replies, failure messages, the
 * clock, two gateways in one process, and a clean exit with no open handles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestGateway, TurnError } from '../../src/testing/index.js';
import { startSessionCounter } from '../../examples/session-counter/server.js';

/** A tiny app on a free port, with a handler per test. */
async function startApp(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    server,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const twiml = (text: string): string => `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${text}</Message></Response>`;

test('starts in well under a second and stops cleanly', async () => {
  const started = performance.now();
  const gateway = await startTestGateway();
  const ms = performance.now() - started;
  try {
    // A hang guard on a shared machine, not the speed figure: start-up measures ~50 ms cold and
    // ~10 ms warm here (docs/testing.md); "well under a second" is what a user sees.
    assert.ok(ms < 5000, `start-up took ${Math.round(ms)} ms`);
    assert.match(gateway.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(gateway.accountSid, /^AC[0-9a-f]{32}$/);
    assert.ok(gateway.authToken.length >= 32);
  } finally {
    await gateway.stop();
  }
  await gateway.stop(); // a second stop is harmless
});

test('numbers: create, update, list, remove; send defaults to the only number', async () => {
  const gateway = await startTestGateway();
  const app = await startApp((req, res) => {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(twiml('pong'));
  });
  try {
    const created = await gateway.numbers.create({ phoneNumber: '+15005550006', smsUrl: 'http://127.0.0.1:9/nowhere', friendlyName: 'Test' });
    assert.match(created.sid, /^PN[0-9a-f]{32}$/);
    assert.equal(created.friendlyName, 'Test');
    const updated = await gateway.numbers.update('+15005550006', { smsUrl: app.url });
    assert.equal(updated.smsUrl, app.url);
    assert.deepEqual((await gateway.numbers.list()).map((n) => n.phoneNumber), ['+15005550006']);

    const replies = await gateway.handset('+15551230001').send('ping');
    assert.deepEqual(replies.map((r) => [r.from, r.to, r.body, r.direction]), [['+15005550006', '+15551230001', 'pong', 'outbound']]);

    await gateway.numbers.remove(created.sid);
    assert.deepEqual(await gateway.numbers.list(), []);
    await assert.rejects(gateway.handset('+15551230001').send('ping'), /this gateway has no numbers/);
    assert.throws(() => gateway.handset('555-1234'), /E\.164/);
  } finally {
    await gateway.stop();
    await app.close();
  }
});

test('numbers: a short code is created, texted, updated, listed after the numbers and removed like a number', async () => {
  const gateway = await startTestGateway();
  const app = await startApp((req, res) => {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(twiml('points: 120'));
  });
  try {
    await gateway.numbers.create({ phoneNumber: '+15005550006', smsUrl: app.url });
    const shortCode = await gateway.numbers.create({ phoneNumber: '894546', smsUrl: app.url });
    assert.match(shortCode.sid, /^SC[0-9a-f]{32}$/);
    assert.deepEqual([shortCode.phoneNumber, shortCode.friendlyName], ['894546', '894546']);
    const replies = await gateway.handset('+15551230001').send('JOIN', { to: '894546' });
    assert.deepEqual(replies.map((r) => [r.from, r.to, r.body]), [['894546', '+15551230001', 'points: 120']]);
    assert.equal((await gateway.numbers.update('894546', { friendlyName: 'Rewards' })).friendlyName, 'Rewards');
    assert.deepEqual((await gateway.numbers.list()).map((n) => n.phoneNumber), ['+15005550006', '894546']);
    await gateway.numbers.remove('894546');
    assert.deepEqual((await gateway.numbers.list()).map((n) => n.phoneNumber), ['+15005550006']);
  } finally {
    await gateway.stop();
    await app.close();
  }
});

test('a failing webhook rejects with the Twilio code and the exchange; turn() resolves with it', async () => {
  const gateway = await startTestGateway();
  const app = await startApp((req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('boom');
  });
  try {
    await gateway.numbers.create({ phoneNumber: '+15005550006', smsUrl: app.url });
    const phone = gateway.handset('+15551230001');
    const error = await phone.send('hi').then(() => null, (e: unknown) => e);
    assert.ok(error instanceof TurnError, String(error));
    assert.equal(error.code, 11200);
    assert.match(error.message, /failed with Twilio error 11200/);
    assert.match(error.message, new RegExp(`sms POST ${app.url.replace(/[.]/g, '\\.')} → 500 in \\d+ ms`));
    assert.match(error.message, /body: "boom"/);

    const turn = await phone.turn('again');
    assert.equal(turn.done, true);
    assert.equal(turn.errorCode, 11200);
    assert.deepEqual(turn.replies, []);
    assert.equal(turn.exchanges[0]?.response?.status, 500);
  } finally {
    await gateway.stop();
    await app.close();
  }
});

test('an app that does not answer: the send times out with a clear message', async () => {
  const gateway = await startTestGateway();
  const app = await startApp(() => undefined); // holds every request open
  try {
    await gateway.numbers.create({ phoneNumber: '+15005550006', smsUrl: app.url });
    await assert.rejects(gateway.handset('+15551230001').send('hello?', { timeoutMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof TurnError);
      assert.equal(error.turn.done, false);
      assert.match(error.message, /^no reply within 300 ms to "hello\?" from \+15551230001 to \+15005550006 \(SM[0-9a-f]{32}\)/);
      assert.match(error.message, /no webhook exchange yet/);
      return true;
    });
  } finally {
    await app.close(); // the app hangs up, so the pending turn ends and stop() need not wait
    await gateway.stop();
  }
});

test('two gateways in one process do not interfere (numbers, sessions, clocks)', async () => {
  const [a, b] = await Promise.all([startTestGateway(), startTestGateway()]);
  const appA = await startSessionCounter({ authToken: a.authToken });
  const appB = await startSessionCounter({ authToken: b.authToken });
  try {
    assert.notEqual(a.url, b.url);
    assert.notEqual(a.authToken, b.authToken);
    // The same number and handset on both: each gateway has its own store.
    await a.numbers.create({ phoneNumber: '+15005550006', smsUrl: appA.smsUrl });
    await b.numbers.create({ phoneNumber: '+15005550006', smsUrl: appB.smsUrl });
    const onA = a.handset('+15551230001');
    const onB = b.handset('+15551230001');
    const body = async (phone: typeof onA, text: string): Promise<string | undefined> => (await phone.send(text))[0]?.body;

    const [a1, b1] = await Promise.all([body(onA, 'a1'), body(onB, 'b1')]);
    assert.equal(a1, 'Hello, thanks for the new message.');
    assert.equal(b1, 'Hello, thanks for the new message.');
    assert.equal(await body(onA, 'a2'), 'Hello, thanks for message number 2');

    const before = b.clock.now().getTime();
    await a.clock.advance('4h');
    assert.ok(a.clock.now().getTime() - b.clock.now().getTime() >= 4 * 3_600_000 - 1000);
    assert.ok(b.clock.now().getTime() - before < 60_000, 'b\'s clock did not jump');
    assert.deepEqual(await a.cookies('+15005550006', '+15551230001'), []);
    assert.equal((await b.cookies('+15005550006', '+15551230001')).length, 1);

    assert.equal(await body(onA, 'a3'), 'Hello, thanks for the new message.');
    assert.equal(await body(onB, 'b2'), 'Hello, thanks for message number 2');
    assert.deepEqual((await onB.thread()).map((m) => m.body), ['b1', 'Hello, thanks for the new message.', 'b2', 'Hello, thanks for message number 2']);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([appA.close(), appB.close()]);
  }
});

test('a process that uses the harness exits on its own after stop() (no open handles)', { timeout: 20_000 }, async () => {
  const harness = new URL('../../src/testing/index.js', import.meta.url).href;
  const app = new URL('../../examples/session-counter/server.js', import.meta.url).href;
  const script = `
    const { startTestGateway } = await import(${JSON.stringify(harness)});
    const { startSessionCounter } = await import(${JSON.stringify(app)});
    const gateway = await startTestGateway();
    const counter = await startSessionCounter({ authToken: gateway.authToken });
    await gateway.numbers.create({ phoneNumber: '+15005550006', smsUrl: counter.smsUrl });
    const phone = gateway.handset('+15551230001');
    await phone.send('one');
    await phone.send('two');
    await gateway.clock.advance('4h');
    const [reply] = await phone.send('three');
    await gateway.stop();
    await counter.close();
    console.log(reply.body);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  // If a handle leaked, 'close' would never come and the test's timeout would fail it.
  const [code] = await once(child, 'close') as [number | null];
  assert.equal(code, 0);
  assert.equal(out, 'Hello, thanks for the new message.\n');
});
