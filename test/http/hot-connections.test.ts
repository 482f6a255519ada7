/**
 * The connection-level hot path (src/http/hot-connections.ts): which requests it answers itself,
 * how it gives a connection to node:http with every byte of the request that did not fit, and that
 * it keeps node's terms: order, deadlines, keep-alive, closing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import diagnostics from 'node:diagnostics_channel';
import { takeHotConnections, type HotConnectionOptions } from '../../src/http/hot-connections.js';
import type { InboundInput } from '../../src/channels/channel.js';
import { startTestParley } from '../helpers/parley.js';
import { ACCOUNT, FORM, GOOD_AUTH, NUMBER, capturedLoggers, handsetTarget, signIn } from '../helpers/hot-path.js';

const BODY = new URLSearchParams({ From: '+15557770000', To: NUMBER, Body: 'hello' }).toString();

interface Harness {
  port: number;
  server: Server;
  received: InboundInput[];
  /** What node:http parsed and gave the framework: method, URL and body. */
  framework: Array<{ method: string; url: string; body: string }>;
  /** The warnings logged, as JSON. */
  logLines: () => Array<Record<string, unknown>>;
  /** Requests node:http parsed at all (its diagnostics channel). */
  nodeParsed: () => number;
  /** Holds the gateway's next message: `reached` once it is being stored, until `release` is called. */
  holdNext(): { reached: Promise<void>; release: () => void };
  close(): Promise<void>;
}

interface Timeouts {
  headersTimeout?: number;
  requestTimeout?: number;
  keepAliveTimeout?: number;
}

async function startHarness(timeouts: Timeouts = {}): Promise<Harness> {
  const received: InboundInput[] = [];
  const framework: Harness['framework'] = [];
  let hold: { reached: () => void; released: Promise<void> } | null = null;
  const target = handsetTarget(received, async () => {
    if (hold) {
      const waiting = hold;
      hold = null;
      waiting.reached();
      await waiting.released;
    }
  });
  const { loggers, lines } = capturedLoggers('warn');
  let ids = 0;
  const options: HotConnectionOptions = {
    authenticate: signIn,
    target,
    bodyLimit: 1024,
    loggers,
    requestId: () => `req-${++ids}`,
    clientAddress: (remoteAddress) => remoteAddress,
  };
  const server: Server = createServer({ requireHostHeader: true }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      framework.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString() });
      res.writeHead(299, { 'content-type': 'text/plain', 'content-length': '9' }).end('framework');
    });
  });
  if (timeouts.headersTimeout !== undefined) server.headersTimeout = timeouts.headersTimeout;
  if (timeouts.requestTimeout !== undefined) server.requestTimeout = timeouts.requestTimeout;
  if (timeouts.keepAliveTimeout !== undefined) server.keepAliveTimeout = timeouts.keepAliveTimeout;
  takeHotConnections(server, options);
  let parsed = 0;
  const onParsed = (): void => {
    parsed++;
  };
  diagnostics.subscribe('http.server.request.start', onParsed);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    server, received, framework,
    logLines: lines,
    nodeParsed: () => parsed,
    holdNext: () => {
      let release!: () => void;
      let reached!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const reachedPromise = new Promise<void>((resolve) => {
        reached = resolve;
      });
      hold = { reached, released };
      return { reached: reachedPromise, release };
    },
    close: async () => {
      diagnostics.unsubscribe('http.server.request.start', onParsed);
      server.closeAllConnections();
      if (server.listening) {
        server.close();
        await once(server, 'close');
      }
    },
  };
}

/** A plain request's bytes, with its head changed as `edit` says. */
function plain(edit: { auth?: string; extraHeaders?: string; body?: string; requestLine?: string } = {}): string {
  const body = edit.body ?? BODY;
  return `${edit.requestLine ?? 'POST /simulator/messages HTTP/1.1'}\r\nHost: 127.0.0.1\r\nAuthorization: ${edit.auth ?? GOOD_AUTH}\r\n`
    + `Content-Type: ${FORM}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${edit.extraHeaders ?? ''}\r\n${body}`;
}

/** A client on a raw socket that reads whole responses (Content-Length framed) in order. */
class RawClient {
  private received = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  closed = false;
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiting?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** The next response: status, headers (lower-case names) and body; null if the connection closed first. */
  async response(): Promise<{ status: number; headers: Record<string, string>; body: string } | null> {
    for (;;) {
      const end = this.received.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine, ...lines] = this.received.toString('latin1', 0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (this.received.length >= end + 4 + length) {
          const body = this.received.toString('utf8', end + 4, end + 4 + length);
          this.received = this.received.subarray(end + 4 + length);
          const status = Number(statusLine!.split(' ')[1]);
          if (status >= 100 && status < 200) continue; // an interim answer (100 Continue): the final one follows
          return { status, headers, body };
        }
      }
      if (this.closed) return null;
      await this.more('a response');
    }
  }

  async closedByServer(): Promise<void> {
    while (!this.closed) await this.more('the server to close the connection');
  }

  /** Until more bytes come or the connection closes; a test that waits longer has failed. */
  private async more(what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.waiting = resolve;
        timer = setTimeout(() => reject(new Error(`waited 5 s for ${what}`)), 5_000);
      });
    } finally {
      clearTimeout(timer);
      this.waiting = null;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const tick = (ms = 2): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `body` with a harness and one raw connection to it, both closed after. */
async function onOneConnection(body: (h: Harness, client: RawClient) => Promise<void>, timeouts: Timeouts = {}): Promise<void> {
  const h = await startHarness(timeouts);
  const client = new RawClient(h.port);
  try {
    await body(h, client);
  } finally {
    client.destroy();
    await h.close();
  }
}

test('plain requests are answered on their connection, node never parsing them, with the headers node would write', () => onOneConnection(async (h, client) => {
  for (let i = 0; i < 3; i++) {
    client.write(plain());
    const res = await client.response();
    assert.equal(res?.status, 201);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
    assert.equal(res.headers['connection'], 'keep-alive');
    assert.equal(res.headers['keep-alive'], 'timeout=65');
    assert.ok(!Number.isNaN(Date.parse(res.headers['date']!)), 'a Date header');
    assert.equal((JSON.parse(res.body) as { body: string }).body, 'hello');
  }
  const text = 'Grüße, ça va? 你好 😀';
  client.write(plain({ body: new URLSearchParams({ From: '+15557770000', To: NUMBER, Body: text }).toString() }));
  const other = await client.response();
  assert.equal((JSON.parse(other!.body) as { body: string }).body, text, 'the body read as UTF-8, its answer counted in bytes');
  assert.equal(h.received.length, 4);
  assert.equal(h.nodeParsed(), 0);
  assert.deepEqual(h.framework, []);
}, { keepAliveTimeout: 65_000 }));

test('a request that comes in pieces, cut anywhere, is answered once it is whole', () => onOneConnection(async (h, client) => {
  const request = plain();
  for (let cut = 1; cut < request.length; cut += 7) {
    client.write(request.slice(0, cut));
    await tick();
    client.write(request.slice(cut));
    const res = await client.response();
    assert.equal(res?.status, 201, `cut at ${cut}`);
  }
  assert.equal(h.nodeParsed(), 0);
  assert.deepEqual(h.framework, []);
}));

test('pipelined requests are answered in order, and the first one node must answer takes the connection with every byte after it', () => onOneConnection(async (h, client) => {
  client.write(plain() + plain() + 'GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' + plain());
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await client.response())?.status);
  assert.deepEqual(statuses, [201, 201, 299, 299]);
  assert.equal(h.received.length, 2);
  assert.deepEqual(h.framework, [
    { method: 'GET', url: '/elsewhere', body: '' },
    { method: 'POST', url: '/simulator/messages', body: BODY },
  ], 'the connection stays with node once given');
}));

test('a refused sign-in is answered here as the framework answers it, in its turn, and the connection stays', () => onOneConnection(async (h, client) => {
  const bad = 'Basic ' + Buffer.from(`${ACCOUNT}:wrong`).toString('base64');
  client.write(plain() + plain({ auth: bad }) + plain());
  assert.equal((await client.response())?.status, 201);
  const refused = await client.response();
  assert.equal(refused?.status, 401);
  assert.equal(refused.headers['www-authenticate'], 'Basic realm="Twilio API"');
  assert.deepEqual(JSON.parse(refused.body), { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
  assert.equal((await client.response())?.status, 201);
  assert.equal(h.received.length, 2);
  assert.deepEqual(h.framework, []);
  assert.equal(h.nodeParsed(), 0);
  const warning = h.logLines().find((line) => line['msg'] === 'authentication failed');
  assert.ok(warning, 'logged as a failed sign-in');
  assert.equal(warning['ip'], '127.0.0.1');
  assert.equal(JSON.stringify(h.logLines()).includes(bad.slice(6)), false, 'never the credentials');
}));

test('every request that is not the plain case is node\'s to answer, with all its bytes', async () => {
  const h = await startHarness();
  try {
    const chunked = `POST /simulator/messages HTTP/1.1\r\nHost: x\r\nAuthorization: ${GOOD_AUTH}\r\nContent-Type: ${FORM}\r\nTransfer-Encoding: chunked\r\n\r\n${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`;
    const large = 'Body=' + 'x'.repeat(2000);
    const cases: Array<[string, string, number, string?]> = [
      // name, request, status, the body the framework must have read
      ['another path', plain({ requestLine: 'POST /simulator/messages?x=1 HTTP/1.1' }), 299, BODY],
      ['HTTP/1.0', plain({ requestLine: 'POST /simulator/messages HTTP/1.0' }), 299, BODY],
      ['a body framed by chunks', chunked, 299, BODY],
      ['a body over the limit', plain({ body: large }), 299, large],
      ['Expect: 100-continue', plain({ extraHeaders: 'Expect: 100-continue\r\n' }), 299, BODY],
      ['Connection: close', plain({ extraHeaders: 'Connection: close\r\n' }), 299, BODY],
      ['a browser (Origin)', plain({ extraHeaders: 'Origin: http://evil.example\r\n' }), 299, BODY],
      ['a browser (Sec-Fetch-Site)', plain({ extraHeaders: 'Sec-Fetch-Site: same-origin\r\n' }), 299, BODY],
      ['a second Authorization', plain({ extraHeaders: `Authorization: ${GOOD_AUTH}\r\n` }), 299, BODY],
      ['a JSON body', plain().replace(FORM, 'application/json'), 299, BODY],
      ['no Host', plain().replace('Host: 127.0.0.1\r\n', ''), 400],
      ['a control character in a value', plain({ extraHeaders: 'X-Note: a\u0001b\r\n' }), 400],
      ['a space before the colon', plain({ extraHeaders: 'X-Note : b\r\n' }), 400],
      ['two different Content-Lengths', plain({ extraHeaders: 'Content-Length: 3\r\n' }), 400],
      ['a head over 16 KiB', plain({ extraHeaders: `X-Long: ${'y'.repeat(17_000)}\r\n` }), 431],
    ];
    for (const [name, request, status, body] of cases) {
      const before = h.framework.length;
      const client = new RawClient(h.port);
      client.write(request);
      const res = await client.response();
      client.destroy();
      assert.equal(res?.status, status, name);
      if (body === undefined) {
        assert.equal(h.framework.length, before, `${name}: node refused it`);
      } else {
        assert.equal(h.framework.length, before + 1, `${name}: the framework answered`);
        assert.equal(h.framework.at(-1)!.body, body, `${name}: with the whole body`);
      }
    }
    assert.deepEqual(h.received, [], 'the hot path took none of them');
  } finally {
    await h.close();
  }
});

test('node\'s deadlines hold: a head must come within headersTimeout, a whole request within requestTimeout, then 408; an idle connection closes at the keep-alive timeout', async () => {
  const h = await startHarness({ headersTimeout: 200, requestTimeout: 1_500, keepAliveTimeout: 300 });
  try {
    const request = plain();
    const cutHead = new RawClient(h.port);
    cutHead.write(request.slice(0, request.indexOf('\r\n\r\n')));
    let started = Date.now();
    assert.equal((await cutHead.response())?.status, 408);
    const headWait = Date.now() - started;
    assert.ok(headWait >= 150 && headWait < 1_200, `the head's deadline (${headWait} ms)`);
    await cutHead.closedByServer();

    const cutBody = new RawClient(h.port);
    cutBody.write(request.slice(0, request.length - 5));
    started = Date.now();
    assert.equal((await cutBody.response())?.status, 408);
    assert.ok(Date.now() - started >= 1_200, 'a whole head leaves the body until the request\'s deadline');
    await cutBody.closedByServer();

    const idle = new RawClient(h.port);
    idle.write(plain());
    assert.equal((await idle.response())?.status, 201);
    const answered = Date.now();
    await idle.closedByServer();
    assert.ok(Date.now() - answered >= 250, 'kept alive until the timeout');
    assert.equal(h.received.length, 1, 'the cut requests were never received');
  } finally {
    await h.close();
  }
});

test('closing the server closes idle connections at once and ends a busy one after its answer', async () => {
  const h = await startHarness({ keepAliveTimeout: 60_000 });
  const idle = new RawClient(h.port);
  const busy = new RawClient(h.port);
  try {
    idle.write(plain());
    assert.equal((await idle.response())?.status, 201);
    const { reached, release } = h.holdNext();
    busy.write(plain());
    await reached;
    const closed = once(h.server, 'close');
    h.server.close();
    await idle.closedByServer();
    assert.equal(busy.closed, false, 'the busy connection waits for its answer');
    release();
    const res = await busy.response();
    assert.equal(res?.status, 201);
    assert.equal(res.headers['connection'], 'close');
    await busy.closedByServer();
    await closed;
    assert.equal(h.received.length, 2);
  } finally {
    idle.destroy();
    busy.destroy();
    await h.close();
  }
});

test('a client that goes away while its message is stored leaves it stored, and the server goes on', async () => {
  const h = await startHarness();
  try {
    const { reached, release } = h.holdNext();
    const leaving = new RawClient(h.port);
    leaving.write(plain());
    await reached;
    leaving.destroy();
    await tick(20);
    release();
    await tick(20);
    assert.equal(h.received.length, 1);
    const next = new RawClient(h.port);
    next.write(plain());
    assert.equal((await next.response())?.status, 201);
    next.destroy();
    // A client that half-closes after its request still gets its answer, then the connection ends.
    const halfClosing = new RawClient(h.port);
    halfClosing.socket.end(plain());
    assert.equal((await halfClosing.response())?.status, 201);
    await halfClosing.closedByServer();
    assert.equal(h.received.length, 3);
  } finally {
    await h.close();
  }
});

test('in a real Parley a keep-alive connection of plain messages is never parsed by node:http', async () => {
  const parley = await startTestParley();
  let parsed = 0;
  const onParsed = (): void => {
    parsed++;
  };
  try {
    await parley.createNumber(NUMBER, 'http://127.0.0.1:9/sms');
    const auth = 'Basic ' + Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64');
    diagnostics.subscribe('http.server.request.start', onParsed);
    const client = new RawClient(Number(new URL(parley.url).port));
    for (let i = 0; i < 3; i++) {
      client.write(plain({ auth }));
      const res = await client.response();
      assert.equal(res?.status, 201);
      assert.equal((JSON.parse(res.body) as { direction: string }).direction, 'inbound');
    }
    assert.equal(parsed, 0);
    client.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    assert.equal((await client.response())?.status, 200);
    assert.equal(parsed, 1, 'the first other request went to node');
    client.destroy();
  } finally {
    diagnostics.unsubscribe('http.server.request.start', onParsed);
    await parley.stop();
  }
});
