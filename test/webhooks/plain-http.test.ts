/**
 * The webhook client's own HTTP/1.1 exchange for `http:` URLs (src/webhooks/plain-http.ts), over
 * real sockets to a server that writes raw responses, split at random places:
 * - the same responses read through undici (which `https:` URLs still use) give the same status,
 *   headers, body and size flag; malformed ones fail both ways;
 * - connections are kept and reused as HTTP/1.1 allows, and given up when they must be.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { PlainHttpPool } from '../../src/webhooks/plain-http.js';
import { ResponseReader, type ReadOutcome } from '../../src/webhooks/response-reader.js';
import { WebhookClient } from '../../src/webhooks/client.js';

/** What the server answers next: the raw bytes, how to split them, and whether to close after. */
interface Script {
  raw: Buffer;
  splits: number[];
  close?: boolean;
}

let server: Server;
let port = 0;
const scripts: Script[] = [];
let connections = 0;
let closed = 0;
/** The connection (by its number) each request came on. */
const cameOn: number[] = [];
/** Each request as it came: its head's lines and its body. */
const received: Array<{ lines: string[]; body: string }> = [];
const sockets = new Set<Socket>();

/** Reads requests off a connection (head, then a Content-Length body) and answers each with the next script. */
function serve(socket: Socket): void {
  const id = ++connections;
  sockets.add(socket);
  socket.on('close', () => {
    sockets.delete(socket);
    closed++;
  });
  socket.on('error', () => undefined);
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(pending.toString('latin1', 0, end))?.[1] ?? 0);
      if (pending.length < end + 4 + length) return;
      received.push({ lines: pending.toString('latin1', 0, end).split('\r\n'), body: pending.toString('latin1', end + 4, end + 4 + length) });
      pending = pending.subarray(end + 4 + length);
      cameOn.push(id);
      const script = scripts.shift();
      if (!script) {
        socket.destroy();
        return;
      }
      void answer(socket, script);
    }
  });
}

async function answer(socket: Socket, script: Script): Promise<void> {
  let at = 0;
  for (const cut of [...script.splits, script.raw.length]) {
    if (cut <= at) continue;
    socket.write(script.raw.subarray(at, cut));
    at = cut;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (script.close) socket.end();
}

before(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const LIMIT = 300;

function viaPlain(pool: PlainHttpPool, timeoutMs = 2000): Promise<ReadOutcome> {
  return new Promise((resolve) => pool.request({
    host: '127.0.0.1', port, hostHeader: `127.0.0.1:${port}`, method: 'POST', path: '/sms',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Body=hi',
    connectTimeoutMs: 1000, readTimeoutMs: timeoutMs, timeoutMs, limit: LIMIT,
  }, resolve));
}

function viaUndici(agent: Agent, timeoutMs = 2000): Promise<ReadOutcome> {
  return new Promise((resolve) => agent.dispatch({
    origin: `http://127.0.0.1:${port}`, path: '/sms', method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Body=hi',
    headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
  }, new ResponseReader(LIMIT, timeoutMs, resolve)));
}

/** A small seeded generator, so a failure names the case that made it. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['<Response>', '<Message>', 'hé', 'ünï', '€', 'x', ' ', '</Message>', '</Response>', 'a'.repeat(40), '😀'];

/** A well-formed response: framed by length, by chunks, or by the connection's end. */
function wellFormed(next: () => number): Script {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const body = Buffer.from(Array.from({ length: Math.floor(next() * 12) }, () => pick(WORDS)).join(''));
  const status = pick([200, 201, 204, 301, 404, 500]);
  const framing = status === 204 ? 'length' : pick(['length', 'chunked', 'close'] as const);
  const lines = [`HTTP/1.1 ${status} ${pick(['OK', 'Whatever', ''])}`.trimEnd()];
  lines.push(`${pick(['Content-Type', 'content-type', 'CONTENT-TYPE'])}:${pick(['', ' ', '  ', '\t', ' \t '])}text/xml; charset=utf-8${pick(['', ' '])}`);
  for (let i = Math.floor(next() * 3); i > 0; i--) lines.push(`Set-Cookie: s${i}=${Math.floor(next() * 1000)}; Path=/`);
  if (next() < 0.5) lines.push('X-Twice: one', 'X-Twice: two');
  if (next() < 0.3) lines.push(`X-Latin: caf${String.fromCharCode(0xe9)}`);
  let payload: Buffer;
  if (status === 204) payload = Buffer.alloc(0);
  else if (framing === 'length') {
    lines.push(`Content-Length: ${body.length}`);
    payload = body;
  } else if (framing === 'chunked') {
    lines.push('Transfer-Encoding: chunked');
    const parts: Buffer[] = [];
    for (let at = 0; at < body.length;) {
      const size = Math.min(body.length - at, 1 + Math.floor(next() * 30));
      parts.push(Buffer.from(`${size.toString(16)}${next() < 0.2 ? ';ext=1' : ''}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
      at += size;
    }
    parts.push(Buffer.from(next() < 0.3 ? '0\r\nX-Trailer: t\r\n\r\n' : '0\r\n\r\n'));
    payload = Buffer.concat(parts);
  } else {
    lines.push('Connection: close');
    payload = body;
  }
  const informational = '';
  const raw = Buffer.concat([Buffer.from(`${informational}${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
  const splits = Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * raw.length)).sort((a, b) => a - b);
  return { raw, splits, close: framing === 'close' };
}

test('property: 150 well-formed responses, split at random, read the same as undici reads them', async () => {
  const pool = new PlainHttpPool({ connections: 4, keepAliveMs: 4000 });
  const agent = new Agent({ keepAliveTimeout: 4000 });
  try {
    for (let seed = 1; seed <= 150; seed++) {
      const script = wellFormed(random(seed));
      scripts.push(script);
      const plain = await viaPlain(pool);
      scripts.push(script);
      const undici = await viaUndici(agent);
      assert.ok('response' in plain, `seed ${seed}: ${JSON.stringify(plain)}`);
      assert.deepEqual(plain, undici, `seed ${seed}: ${JSON.stringify(script.raw.toString('latin1'))}`);
    }
  } finally {
    pool.destroy();
    await agent.destroy();
  }
});

test('a body over the limit: its first bytes, flagged, and the connection closed', async () => {
  const pool = new PlainHttpPool({ connections: 4, keepAliveMs: 4000 });
  try {
    const body = 'y'.repeat(LIMIT + 50);
    scripts.push({ raw: Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`), splits: [40, 200] });
    const before = connections;
    const outcome = await viaPlain(pool);
    assert.ok('response' in outcome);
    assert.equal(outcome.response.tooLarge, true);
    assert.equal(outcome.response.body, 'y'.repeat(LIMIT));
    scripts.push({ raw: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), splits: [] });
    assert.equal(('response' in (await viaPlain(pool))), true);
    assert.equal(connections - before, 2, 'the rest of the large body was not read: a new connection for the next');
  } finally {
    pool.destroy();
  }
});

const MALFORMED: Array<[string, string]> = [
  ['not HTTP', 'SMTP 220 hello\r\n\r\n'],
  ['a status of two digits', 'HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n'],
  ['a header without a colon', 'HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nok'],
  ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\nok'],
  ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!'],
  ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n'],
  ['a chunk without its CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n'],
  ['chunked and a length', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\n'],
  ['closed in the middle of the body', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok'],
  ['closed before a response', ''],
];

test('malformed responses fail, as undici fails them; the webhook client calls them protocol violations (11206)', async () => {
  const pool = new PlainHttpPool({ connections: 4, keepAliveMs: 4000 });
  const agent = new Agent({ keepAliveTimeout: 4000 });
  try {
    for (const [name, raw] of MALFORMED) {
      scripts.push({ raw: Buffer.from(raw, 'latin1'), splits: [], close: true });
      const plain = await viaPlain(pool);
      scripts.push({ raw: Buffer.from(raw, 'latin1'), splits: [], close: true });
      const undici = await viaUndici(agent);
      assert.ok('error' in plain, `${name}: the plain client fails it (${JSON.stringify(plain)})`);
      assert.ok('error' in undici, `${name}: undici fails it too`);
    }
  } finally {
    pool.destroy();
    await agent.destroy();
  }
  const client = new WebhookClient();
  try {
    for (const [name, raw] of MALFORMED) {
      scripts.push({ raw: Buffer.from(raw, 'latin1'), splits: [], close: true });
      const result = await client.send({ method: 'POST', configuredUrl: `http://127.0.0.1:${port}/sms`, params: [['Body', 'hi']], authToken: 't', idempotencyToken: 'i', cookie: null });
      assert.equal(result.errorCode, 11206, `${name}: ${result.errorMessage}`);
    }
  } finally {
    await client.destroy();
  }
});

test('connections: one kept for the next request; given up after Connection: close, a short Keep-Alive timeout, or when the server closes it', async () => {
  const pool = new PlainHttpPool({ connections: 4, keepAliveMs: 4000 });
  const ok = (headers = ''): Script => ({ raw: Buffer.from(`HTTP/1.1 200 OK\r\n${headers}Content-Length: 2\r\n\r\nok`), splits: [] });
  /** The distinct connections `count` requests, one after the other, came on. */
  const connectionsFor = async (script: Script, count: number): Promise<number> => {
    const from = cameOn.length;
    for (let i = 0; i < count; i++) {
      scripts.push(script);
      const outcome = await viaPlain(pool);
      assert.ok('response' in outcome, JSON.stringify(outcome));
      assert.equal(outcome.response.body, 'ok');
    }
    return new Set(cameOn.slice(from)).size;
  };
  try {
    assert.equal(await connectionsFor(ok(), 5), 1, 'kept alive: five requests on one connection');
    assert.equal(await connectionsFor(ok('Connection: close\r\n'), 3), 3, 'Connection: close');
    assert.equal(await connectionsFor(ok('Keep-Alive: timeout=1\r\n'), 3), 3, 'a Keep-Alive timeout within a second of now');
    // The server closes the kept connection while it is idle: the next request takes a new one.
    scripts.push(ok());
    await viaPlain(pool);
    const idle = cameOn.at(-1);
    for (const s of sockets) s.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await connectionsFor(ok(), 1), 1);
    assert.notEqual(cameOn.at(-1), idle, 'a connection the server closed is not used again');
  } finally {
    pool.destroy();
  }
});

test('an HTTP/1.0 response without Keep-Alive closes its connection; a response with bytes after it too', async () => {
  const pool = new PlainHttpPool({ connections: 4, keepAliveMs: 4000 });
  try {
    const from = cameOn.length;
    scripts.push({ raw: Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'), splits: [] });
    assert.ok('response' in (await viaPlain(pool)));
    scripts.push({ raw: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n'), splits: [] });
    assert.ok('response' in (await viaPlain(pool)));
    scripts.push({ raw: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), splits: [] });
    assert.ok('response' in (await viaPlain(pool)));
    assert.equal(new Set(cameOn.slice(from)).size, 3, 'each request on a connection of its own');
  } finally {
    pool.destroy();
  }
});

test('a server that answers nothing: the attempt ends at its deadline, and the connection is closed', async () => {
  const pool = new PlainHttpPool({ connections: 4, keepAliveMs: 4000 });
  try {
    scripts.push({ raw: Buffer.alloc(0), splits: [] });
    const closedBefore = closed;
    const started = Date.now();
    const outcome = await viaPlain(pool, 300);
    assert.ok('error' in outcome);
    assert.equal((outcome.error as { name?: string }).name, 'TimeoutError');
    assert.ok(Date.now() - started >= 250, 'not before its deadline');
    for (let i = 0; i < 100 && closed === closedBefore; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(closed, closedBefore + 1, 'the timed-out connection was closed, not kept');
  } finally {
    pool.destroy();
  }
});

test("what goes on the wire: the request line, Host, URL credentials as Basic auth, the form with its length; a GET's parameters in its query", async () => {
  const client = new WebhookClient();
  try {
    for (const method of ['POST', 'GET'] as const) {
      scripts.push({ raw: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), splits: [] });
      const from = received.length;
      const result = await client.send({
        method, configuredUrl: `http://us%40r:s%3Acret@127.0.0.1:${port}/sms?x=1#rt=2000`, params: [['Body', 'hé & co'], ['From', '+15550001111']],
        authToken: 't', idempotencyToken: 'idem-1', cookie: 'sid=s1',
      });
      assert.equal(result.errorCode, null, String(result.errorMessage));
      const [request] = received.slice(from);
      assert.ok(request, `${method}: the server got it`);
      const form = 'Body=h%C3%A9+%26+co&From=%2B15550001111';
      assert.equal(request.lines[0], method === 'POST' ? 'POST /sms?x=1 HTTP/1.1' : `GET /sms?x=1&${form} HTTP/1.1`);
      const headers = new Map(request.lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      assert.equal(headers.get('host'), `127.0.0.1:${port}`);
      assert.equal(headers.get('authorization'), 'Basic ' + Buffer.from('us@r:s:cret').toString('base64'));
      assert.equal(headers.get('cookie'), 'sid=s1');
      assert.equal(headers.get('i-twilio-idempotency-token'), 'idem-1');
      assert.equal(headers.get('x-twilio-signature'), result.request.signature);
      assert.equal(headers.get('user-agent'), 'TwilioProxy/1.1');
      if (method === 'POST') {
        assert.equal(headers.get('content-type'), 'application/x-www-form-urlencoded');
        assert.equal(headers.get('content-length'), String(form.length));
        assert.equal(request.body, form);
      } else {
        assert.equal(headers.has('content-length'), false);
        assert.equal(request.body, '');
      }
    }
  } finally {
    await client.destroy();
  }
});
