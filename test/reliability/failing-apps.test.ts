/**
 * Slow and failing webhook apps: one that hangs, one that drips its body, one that resets the connection, one that answers
 * 500, and ones that answer garbage or the wrong content type. Each turn ends with Twilio's error
 * code on the message and in /v1/Alerts, SmsFallbackUrl is requested with ErrorCode and ErrorUrl,
 * and a healthy conversation is not held up by a hung one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startScriptedApp, twiml, type RunningApp } from './apps.js';
import { startTestParley, type TestParley } from './in-process.js';
import { DEFAULT_POLICY, splitOverrides } from '../../src/webhooks/overrides.js';

const HOSTILE = {
  lol: '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    + '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Response><Message>&lol3;</Message></Response>',
  xxe: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><Message>&x;</Message></Response>',
  deep: '<Response>' + '<a>'.repeat(5000) + '</a>'.repeat(5000) + '</Response>',
  utf16: Buffer.from('\ufeff<Response><Message>hi</Message></Response>', 'utf16le'),
};

let gw: TestParley;
let app: RunningApp;
const hung: Array<() => void> = [];

before(async () => {
  gw = await startTestParley();
  app = await startScriptedApp({
    '/hang': (_req, res) => {
      hung.push(() => res.destroy()); // never answers; freed at the end
    },
    '/drip': (_req, res) => {
      // Headers at once, then a byte every 100 ms for ever: neither the headers timeout nor the
      // idle timeout between chunks fires, only the total budget does.
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.write('<Response>');
      const timer = setInterval(() => res.write(' '), 100);
      hung.push(() => {
        clearInterval(timer);
        res.destroy();
      });
    },
    '/reset': (req) => req.socket.destroy(),
    '/500': (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('boom'),
    '/garbage': (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(Buffer.from([0x00, 0xff, 0x3c, 0x3c, 0x52, 0x65, 0x73, 0x7b])),
    '/json': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"hi"}'),
    '/healthy': (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml('fine')),
    '/lol': (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(HOSTILE.lol),
    '/xxe': (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(HOSTILE.xxe),
    '/deep': (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(HOSTILE.deep),
    '/utf16': (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(HOSTILE.utf16),
    '/huge': (_req, res) => {
      // 10 MB, written in chunks as a real app would stream it; Parley must stop reading at 64 kB.
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.write('<Response><Message>');
      const chunk = 'x'.repeat(64 * 1024);
      let left = 160;
      const pump = (): void => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end('</Message></Response>');
      };
      res.on('error', () => undefined);
      pump();
    },
    '/fallback': (_req, res, params) => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml(`fallback ${params.get('ErrorCode')}`)),
  });
});

after(async () => {
  for (const free of hung) free();
  await app.close();
  await gw.stop();
});

interface Alert {
  error_code: string;
  resource_sid: string | null;
  request_url?: string | null;
}

async function alertsFor(sid: string): Promise<Alert[]> {
  const res = await gw.api.request('GET', '/v1/Alerts?PageSize=1000');
  assert.equal(res.status, 200);
  return (res.json.alerts as Alert[]).filter((a) => a.resource_sid === sid);
}

let nextNumber = 200;
async function numberFor(path: string, fallback: boolean): Promise<string> {
  const phone = `+15005550${nextNumber++}`;
  await gw.api.createNumber({ PhoneNumber: phone, SmsUrl: `${app.url}${path}`, ...(fallback ? { SmsFallbackUrl: `${app.url}/fallback` } : {}) });
  return phone;
}

const CASES = [
  { name: 'hangs (rt=500, tt=1000)', path: '/hang#rt=500&tt=1000', code: 11200 },
  { name: 'drips its body for ever (rt=500, tt=1000)', path: '/drip#rt=500&tt=1000', code: 11200 },
  { name: 'resets the connection', path: '/reset', code: 11206 },
  { name: 'answers 500', path: '/500', code: 11200 },
  { name: 'answers binary garbage as text/xml', path: '/garbage', code: 12100 },
  { name: 'answers application/json', path: '/json', code: 12300 },
  { name: 'answers a billion-laughs document', path: '/lol', code: 12100 },
  { name: 'answers an external-entity (XXE) document', path: '/xxe', code: 12100 },
  { name: 'answers 5,000 levels of nesting', path: '/deep', code: 12100 },
  { name: 'answers UTF-16 labelled as text/xml', path: '/utf16', code: 12100 },
  { name: 'streams a 10 MB document', path: '/huge', code: 11750 },
] as const;

describe('a failing app ends the turn with its error code, an alert and the fallback', () => {
  for (const c of CASES) {
    test(`${c.name} → ${c.code}`, async () => {
      for (const withFallback of [false, true]) {
        const number = await numberFor(c.path, withFallback);
        const started = Date.now();
        const sent = await gw.api.send('+15551230001', number, `hello ${c.name}`);
        assert.equal(sent.status, 201);
        const sid = String(sent.json.sid);
        const view = await gw.api.turn(sid, '10s');
        assert.equal(view.turn.status, 'done');
        assert.ok(Date.now() - started < 5000, 'bounded by the override budget');
        assert.equal(view.turn.error_code, c.code, JSON.stringify(view.turn));
        const alerts = await alertsFor(sid);
        assert.ok(alerts.some((a) => a.error_code === String(c.code)), `alert ${c.code} for ${sid}: ${JSON.stringify(alerts)}`);
        if (!withFallback) {
          assert.equal(view.replies.length, 0);
          continue;
        }
        assert.deepEqual(view.replies.map((r) => r.body), [`fallback ${c.code}`]);
        const request = app.received.find((r) => r.path === '/fallback' && r.params.get('MessageSid') === sid);
        assert.ok(request, 'the fallback URL was requested');
        assert.equal(request.params.get('ErrorCode'), String(c.code));
        assert.equal(request.params.get('ErrorUrl'), `${app.url}${c.path.split('#')[0]}`, 'ErrorUrl is the failed URL without the override fragment');
        assert.equal(request.params.get('Body'), `hello ${c.name}`, 'the original parameters are sent too');
      }
    });
  }
});

test('the default budget is Twilio\'s: connect 5 s, one retry on connect failure, 15 s in all', () => {
  assert.deepEqual({ ...DEFAULT_POLICY, retryOn: [...DEFAULT_POLICY.retryOn] }, {
    connectTimeoutMs: 5000, readTimeoutMs: 15000, totalTimeoutMs: 15000, retryCount: 1, retryOn: ['ct'],
  });
  assert.equal(splitOverrides('http://app.example/sms').policy, DEFAULT_POLICY, 'a URL without a fragment uses the default');
  const { url, policy } = splitOverrides('http://app.example/sms#rt=500&tt=1000&rc=2&rp=ct,rt&ct=99999');
  assert.equal(url, 'http://app.example/sms');
  assert.equal(policy.readTimeoutMs, 500);
  assert.equal(policy.totalTimeoutMs, 1000);
  assert.equal(policy.retryCount, 2);
  assert.deepEqual([...policy.retryOn].sort(), ['ct', 'rt']);
  assert.equal(policy.connectTimeoutMs, 5000, 'an out-of-range ct keeps the default');
});

test('a hung app (default 15 s budget) holds up only its own conversation', async () => {
  const slow = await numberFor('/hang', false);
  const fast = await numberFor('/healthy', false);
  const stuck = await gw.api.send('+15551239999', slow, 'anyone there?');
  assert.equal(stuck.status, 201);
  // Let the hung request reach the app before timing the healthy conversation.
  while (!app.received.some((r) => r.params.get('MessageSid') === stuck.json.sid)) await new Promise((r) => setImmediate(r));
  const started = Date.now();
  for (let i = 0; i < 5; i++) {
    const sent = await gw.api.send(`+1555123000${i}`, fast, 'ping');
    const view = await gw.api.turn(String(sent.json.sid), '5s');
    assert.equal(view.turn.status, 'done');
    assert.deepEqual(view.replies.map((r) => r.body), ['fine']);
  }
  assert.ok(Date.now() - started < 2000, `healthy turns took ${Date.now() - started} ms`);
  // A second message on the hung conversation waits behind the first (per-conversation order).
  const queued = await gw.api.send('+15551239999', slow, 'hello?');
  const pending = await gw.api.turn(String(stuck.json.sid), '1ms');
  assert.equal(pending.turn.status, 'pending', 'the hung turn is still waiting for its 15 s budget');
  assert.equal((await gw.api.turn(String(queued.json.sid), '1ms')).turn.status, 'pending');
  // Free it: the app drops the connection, the turn ends with 11206 without waiting 15 s.
  for (const free of hung.splice(0)) free();
  const done = await gw.api.turn(String(stuck.json.sid), '5s');
  assert.equal(done.turn.status, 'done');
  assert.ok(done.turn.error_code === 11206 || done.turn.error_code === 11200, String(done.turn.error_code));
});
