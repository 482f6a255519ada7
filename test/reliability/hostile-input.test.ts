/**
 * Hostile and broken HTTP input: malformed forms, bad UTF-8, oversized bodies, huge headers, a
 * slow-loris client, unknown parameters, SQL-looking strings and path traversal in SIDs. Each gets
 * Twilio's error JSON or a clean 4xx (or is stored verbatim), never a 5xx, a crash or a hang, and a
 * rejected request stores nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:net';
import { once } from 'node:events';
import { startTestParley, type TestParley } from './in-process.js';
import { toForm } from '../helpers/gateway-process.js';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../src/http/server.js';

const NUMBER = '+15005550300';
const HANDSET = '+15557770001';
let gw: TestParley;
let auth: string;

before(async () => {
  gw = await startTestParley();
  auth = 'Basic ' + Buffer.from(`${gw.credentials.accountSid}:${gw.credentials.authToken}`).toString('base64');
  await gw.api.createNumber({ PhoneNumber: NUMBER }); // no SmsUrl: turns finish at once
});

after(async () => {
  await gw.stop();
});

interface Raw {
  status: number;
  body: string;
  contentType: string | null;
}

async function raw(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(gw.parley.url + path, {
    method,
    headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}

function assertTwilioError(r: Raw, status?: number): void {
  assert.ok(r.status >= 400 && r.status < 500, `a 4xx, got ${r.status}: ${r.body.slice(0, 300)}`);
  if (status !== undefined) assert.equal(r.status, status);
  assert.match(r.contentType ?? '', /application\/json/);
  const json = JSON.parse(r.body) as Record<string, unknown>;
  assert.equal(typeof json.code, 'number');
  assert.equal(typeof json.message, 'string');
  assert.match(String(json.more_info), /^https:\/\/www\.twilio\.com\/docs\/errors\/\d+$/);
  assert.equal(json.status, r.status);
}

async function messageCount(): Promise<number> {
  const res = await gw.api.request('GET', `/2010-04-01/Accounts/${gw.credentials.accountSid}/Messages.json?PageSize=1000`);
  assert.equal(res.status, 200);
  return (res.json.messages as unknown[]).length;
}

const SEND = '/simulator/messages';
const MESSAGES = (): string => `/2010-04-01/Accounts/${gw.credentials.accountSid}/Messages`;

describe('bodies', () => {
  const rejected: Array<{ name: string; body: string | Buffer; headers?: Record<string, string>; status?: number }> = [
    { name: 'over 1 MB', body: toForm({ From: HANDSET, To: NUMBER, Body: 'x'.repeat(1024 * 1024 + 10) }), status: 413 },
    { name: 'broken JSON', body: '{"From": "+1555', headers: { 'content-type': 'application/json' }, status: 400 },
    { name: 'JSON array', body: '[1,2,3]', headers: { 'content-type': 'application/json' } },
    { name: 'JSON string', body: '"hello"', headers: { 'content-type': 'application/json' } },
    { name: 'an unknown content type', body: 'From=x', headers: { 'content-type': 'application/x-unknown' }, status: 415 },
    { name: 'a From that is not E.164', body: toForm({ From: "+1' OR '1'='1", To: NUMBER, Body: 'x' }) },
    { name: 'a From of 100 kB', body: toForm({ From: '+1' + '5'.repeat(100_000), To: NUMBER, Body: 'x' }) },
    { name: 'no parameters', body: '' },
    { name: 'a Body over 1600 characters', body: toForm({ From: HANDSET, To: NUMBER, Body: 'y'.repeat(1601) }) },
    { name: 'a MediaUrl that is not a URL', body: toForm({ From: HANDSET, To: NUMBER, MediaUrl: 'file:///etc/passwd' }) },
    { name: 'a To of another account', body: toForm({ From: HANDSET, To: '+15005559999', Body: 'x' }) },
  ];
  for (const c of rejected) {
    test(`${c.name}: Twilio error JSON, nothing stored`, async () => {
      const before = await messageCount();
      const r = await raw('POST', SEND, c.body, c.headers ?? {});
      assertTwilioError(r, c.status);
      assert.equal(await messageCount(), before);
    });
  }

  const accepted: Array<{ name: string; body: string | Buffer; expectBody: string }> = [
    { name: 'unknown parameters', body: toForm({ From: HANDSET, To: NUMBER, Body: 'hi', Foo: 'bar', 'Bad[]': 'x', __proto__x: 'y' }), expectBody: 'hi' },
    { name: 'a SQL-looking body', body: toForm({ From: HANDSET, To: NUMBER, Body: "'); DROP TABLE messages; -- \" OR 1=1" }), expectBody: "'); DROP TABLE messages; -- \" OR 1=1" },
    { name: 'malformed percent-encoding', body: `From=${encodeURIComponent(HANDSET)}&To=${encodeURIComponent(NUMBER)}&Body=100%zz%E0%A4%`, expectBody: '' },
    { name: 'bad UTF-8 bytes', body: Buffer.concat([Buffer.from(`From=${encodeURIComponent(HANDSET)}&To=${encodeURIComponent(NUMBER)}&Body=`), Buffer.from([0xc3, 0x28, 0xff, 0x61])]), expectBody: '' },
    { name: 'percent-encoded bad UTF-8', body: `From=${encodeURIComponent(HANDSET)}&To=${encodeURIComponent(NUMBER)}&Body=%C3%28%FFa`, expectBody: '' },
    { name: 'a NUL and control characters', body: toForm({ From: HANDSET, To: NUMBER, Body: 'a\u0000b\u0007c\r\nd' }), expectBody: 'a\u0000b\u0007c\r\nd' },
    { name: 'emoji and astral characters', body: toForm({ From: HANDSET, To: NUMBER, Body: '😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃' }), expectBody: '😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃' },
    { name: 'a __proto__ parameter', body: `__proto__=x&constructor=y&From=${encodeURIComponent(HANDSET)}&To=${encodeURIComponent(NUMBER)}&Body=proto`, expectBody: 'proto' },
  ];
  for (const c of accepted) {
    test(`${c.name}: stored verbatim (or cleanly rejected)`, async () => {
      const before = await messageCount();
      const r = await raw('POST', SEND, c.body);
      if (r.status !== 201) {
        assertTwilioError(r);
        assert.equal(await messageCount(), before);
        return;
      }
      const sid = String((JSON.parse(r.body) as { sid: string }).sid);
      const fetched = await gw.api.request('GET', `${MESSAGES()}/${sid}.json`);
      assert.equal(fetched.status, 200);
      if (c.expectBody) assert.equal(fetched.json.body, c.expectBody);
      assert.equal(await messageCount(), before + 1);
    });
  }

  test('the SQL-looking strings did no harm: the tables are all still there', async () => {
    assert.equal((await gw.api.request('GET', `${MESSAGES()}.json`)).status, 200);
    assert.equal((await gw.api.request('GET', `/2010-04-01/Accounts/${gw.credentials.accountSid}/IncomingPhoneNumbers.json`)).status, 200);
  });
});

describe('paths', () => {
  const paths = [
    () => `${MESSAGES()}/..%2F..%2F..%2Fetc%2Fpasswd.json`,
    () => `${MESSAGES()}/../../../etc/passwd`,
    () => `${MESSAGES()}/SM' OR '1'='1.json`,
    () => `${MESSAGES()}/%00.json`,
    () => `${MESSAGES()}/${'A'.repeat(5000)}.json`,
    () => `/simulator/messages/..%2F..%2Fx`,
    () => `/simulator/messages/%E0%A4%A`,
    () => `/simulator/handsets/..%2F..%2F/messages`,
    () => `/simulator/conversations/..%2F/..%2F`,
    () => `/v1/Alerts/..%2F..%2F`,
    () => `/2010-04-01/Accounts/..%2F${gw.credentials.accountSid}/Messages.json`,
    () => `/2010-04-01/Accounts/${gw.credentials.accountSid}/IncomingPhoneNumbers/..%2F..json`,
    () => `/%2e%2e/%2e%2e/etc/passwd`,
  ];
  for (const [i, make] of paths.entries()) {
    test(`traversal-looking path ${i + 1}: a clean 4xx or an empty answer, never 5xx`, async () => {
      const path = make();
      for (const method of ['GET', 'POST', 'DELETE']) {
        const r = await raw(method, path, method === 'POST' ? 'Body=x' : undefined);
        assert.ok(r.status < 500, `${method} ${path.slice(0, 80)} → ${r.status} ${r.body.slice(0, 200)}`);
        if (r.status >= 400) assertTwilioError(r);
      }
    });
  }
});

describe('connections', () => {
  test('huge headers get 431 and the server stays up', async () => {
    const r = await rawSocket(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    assert.match(r, /^HTTP\/1\.1 431/);
    assert.equal((await fetch(`${gw.parley.url}/healthz`)).status, 200);
  });

  test('a garbage request line gets 400', async () => {
    const r = await rawSocket('\u0000\u0001 NOT HTTP AT ALL\r\n\r\n');
    assert.match(r, /^HTTP\/1\.1 400/);
  });

  test('the server sets a headers timeout and a request timeout (slow-loris guard)', () => {
    const server = gw.parley.http.server;
    assert.equal(server.headersTimeout, HEADERS_TIMEOUT_MS);
    assert.equal(server.requestTimeout, REQUEST_TIMEOUT_MS);
    assert.ok(HEADERS_TIMEOUT_MS <= 10_000 && REQUEST_TIMEOUT_MS <= 30_000);
  });

  test('a slow-loris client trickling headers is cut off after the headers timeout; others are served meanwhile', { timeout: 30_000 }, async () => {
    const url = new URL(gw.parley.url);
    const socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    socket.on('error', () => undefined);
    const started = Date.now();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // One header line every 300 ms: each keeps the socket busy, so only the headers timeout ends it.
    const trickle = setInterval(() => socket.write(`X-Slow-${Date.now()}: 1\r\n`), 300);
    try {
      assert.equal((await fetch(`${gw.parley.url}/healthz`)).status, 200, 'another client is served meanwhile');
      await once(socket, 'close');
    } finally {
      clearInterval(trickle);
    }
    const took = Date.now() - started;
    assert.ok(took >= HEADERS_TIMEOUT_MS - 500 && took < HEADERS_TIMEOUT_MS + 3000, `closed after ${took} ms`);
    assert.match(answer, /^HTTP\/1\.1 408/);
  });
});

/** Writes bytes on a fresh connection and returns everything the server answers until it closes. */
async function rawSocket(data: string): Promise<string> {
  const url = new URL(gw.parley.url);
  const socket = connect(Number(url.port), url.hostname);
  await once(socket, 'connect');
  let out = '';
  socket.on('data', (d: Buffer) => { out += d.toString('latin1'); });
  socket.on('error', () => undefined);
  socket.write(data);
  socket.end();
  await once(socket, 'close');
  return out;
}
