/**
 * The hot path for `POST /simulator/messages` (src/http/hot-path.ts): which requests it takes and
 * which it leaves to the framework, what it answers, and that a real Parley answers the same
 * request the same way through either entrance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import diagnostics from 'node:diagnostics_channel';
import { Readable } from 'node:stream';
import { Client, request } from 'undici';
import { withHotPath, type HotPathOptions } from '../../src/http/hot-path.js';
import type { InboundInput } from '../../src/channels/channel.js';
import { TwilioError } from '../../src/errors/twilio-error.js';
import { startTestParley } from '../helpers/parley.js';
import { RFC_2822 } from '../helpers/formats.js';
import { FORM, GOOD_AUTH, NUMBER, capturedLoggers, handsetTarget, signIn } from '../helpers/hot-path.js';


interface Harness {
  url: string;
  received: InboundInput[];
  /** What reached the framework: method, URL and the body it could still read. */
  framework: Array<{ method: string; url: string; body: string }>;
  logLines: () => Array<Record<string, unknown>>;
  /** What the gateway does with the next message: store it (default) or throw this. */
  failNext: (error: unknown) => void;
  close(): Promise<void>;
}

async function startHarness(bodyLimit = 1024): Promise<Harness> {
  const received: InboundInput[] = [];
  const framework: Harness['framework'] = [];
  let failure: unknown = null;
  const target = handsetTarget(received, async () => {
    if (failure !== null) {
      const error = failure;
      failure = null;
      throw error;
    }
  });
  const { loggers, lines } = capturedLoggers('debug');
  let ids = 0;
  const options: HotPathOptions = {
    authenticate: signIn,
    target,
    bodyLimit,
    loggers,
    requestId: () => `req-${++ids}`,
    clientAddress: (req) => req.socket.remoteAddress,
  };
  const recordFramework = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      framework.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString() });
      res.writeHead(299, { 'content-type': 'text/plain' }).end('framework');
    });
  };
  const server: Server = createServer(withHotPath(recordFramework, options));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`, received, framework,
    logLines: lines,
    failNext: (error) => {
      failure = error;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function post(url: string, body: string, headers: Record<string, string> = {}, path = '/simulator/messages'): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const res = await request(url + path, { method: 'POST', headers: { authorization: GOOD_AUTH, 'content-type': FORM, ...headers }, body });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

const message = new URLSearchParams({ From: '+15557770000', To: NUMBER, Body: 'hello' }).toString();

test('the plain inbound message is answered by the hot path: 201 with the Message JSON, the framework never sees it', async () => {
  const h = await startHarness();
  try {
    for (const type of [FORM, 'Application/X-WWW-Form-Urlencoded; charset=UTF-8']) {
      const res = await post(h.url, message, { 'content-type': type });
      assert.equal(res.status, 201);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.text));
      const json = JSON.parse(res.text) as { sid: string; from: string; to: string; body: string; direction: string };
      assert.match(json.sid, /^SM[0-9a-f]{32}$/);
      assert.deepEqual([json.from, json.to, json.body, json.direction], ['+15557770000', NUMBER, 'hello', 'inbound']);
    }
    assert.equal(h.received.length, 2);
    assert.deepEqual(h.framework, []);
  } finally {
    await h.close();
  }
});

test('every other request goes to the framework with its body unread', async () => {
  const h = await startHarness(1024);
  try {
    const json = JSON.stringify({ From: '+15557770000', To: NUMBER, Body: 'hello' });
    const cases: Array<[string, () => Promise<unknown>, string, string]> = [
      ['a JSON body', () => post(h.url, json, { 'content-type': 'application/json' }), '/simulator/messages', json],
      ['no content type', () => post(h.url, message, { 'content-type': '' }), '/simulator/messages', message],
      ['a browser (Origin)', () => post(h.url, message, { origin: 'http://evil.example' }), '/simulator/messages', message],
      ['a browser (Sec-Fetch-Mode)', () => post(h.url, message, { 'sec-fetch-mode': 'cors' }), '/simulator/messages', message],
      ['credentials that do not sign in', () => post(h.url, message, { authorization: 'Basic bm9wZTpub3Bl' }), '/simulator/messages', message],
      ['no credentials', () => post(h.url, message, { authorization: '' }), '/simulator/messages', message],
      ['a body over the limit', () => post(h.url, 'Body=' + 'x'.repeat(2000)), '/simulator/messages', 'Body=' + 'x'.repeat(2000)],
      ['a query string', () => post(h.url, message, {}, '/simulator/messages?x=1'), '/simulator/messages?x=1', message],
      ['another path', () => post(h.url, message, {}, '/simulator/messages/'), '/simulator/messages/', message],
      ['a chunked body', async () => {
        const res = await request(h.url + '/simulator/messages', {
          method: 'POST', headers: { authorization: GOOD_AUTH, 'content-type': FORM },
          body: Readable.from([Buffer.from(message)]),
        });
        return res.body.text();
      }, '/simulator/messages', message],
    ];
    for (const [name, send, url, body] of cases) {
      const before = h.framework.length;
      await send();
      assert.equal(h.framework.length, before + 1, `${name}: the framework answered`);
      assert.deepEqual(h.framework.at(-1), { method: 'POST', url, body }, `${name}: with the whole body`);
    }
    const get = await request(h.url + '/simulator/messages', { headers: { authorization: GOOD_AUTH } });
    assert.equal(get.statusCode, 299);
    await get.body.text();
    assert.deepEqual(h.received, []);
  } finally {
    await h.close();
  }
});

test('refusals are Twilio errors, logged as the framework logs them; an internal error is a 20500', async () => {
  const h = await startHarness();
  try {
    const missingTo = await post(h.url, 'From=%2B15557770000&Body=hi');
    assert.equal(missingTo.status, 400);
    const body = JSON.parse(missingTo.text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'more_info', 'status']);
    assert.equal(body.code, 21604);
    assert.equal(body.status, 400);
    assert.match(String(body.more_info), /21604/);

    h.failNext(new TwilioError(20503, 'Parley is shutting down'));
    const draining = await post(h.url, message);
    assert.equal(draining.status, 503);
    assert.equal((JSON.parse(draining.text) as { code: number }).code, 20503);

    h.failNext(new Error('disk on fire'));
    const broken = await post(h.url, message);
    assert.equal(broken.status, 500);
    assert.deepEqual(JSON.parse(broken.text), { code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 });

    const lines = h.logLines();
    const drainLine = lines.find((l) => l.msg === 'refused: draining');
    assert.ok(drainLine, 'the drain refusal is logged');
    assert.equal(drainLine.code, 20503);
    assert.equal(drainLine.ip, '127.0.0.1');
    assert.equal(drainLine.path, '/simulator/messages');
    assert.match(String(drainLine.reqId), /^req-\d+$/);
    const internal = lines.find((l) => l.msg === 'internal error');
    assert.ok(internal, 'the internal error is logged');
    assert.match(JSON.stringify(internal.err), /disk on fire/);
    assert.ok(lines.some((l) => l.msg === 'request refused' && l.code === 21604));

    const after = await post(h.url, message);
    assert.equal(after.status, 201, 'the server goes on after an internal error');
  } finally {
    await h.close();
  }
});

test('a client that goes away in the middle of its body is dropped: nothing received, nothing answered, the server goes on', async () => {
  const h = await startHarness();
  try {
    const port = Number(new URL(h.url).port);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`POST /simulator/messages HTTP/1.1\r\nHost: x\r\nAuthorization: ${GOOD_AUTH}\r\nContent-Type: ${FORM}\r\nContent-Length: ${message.length}\r\n\r\n${message.slice(0, 10)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(h.received, []);
    assert.deepEqual(h.framework, []);
    const next = await post(h.url, message);
    assert.equal(next.status, 201);
    assert.equal(h.received.length, 1);
  } finally {
    await h.close();
  }
});

/** What a request got back, without what changes from one message to the next. */
type Answer = { status: number; body: unknown; challenge: unknown };

test('a real Parley answers the same request the same way on its connection, through the hot path and through the framework', async () => {
  const parley = await startTestParley();
  // The connection-level hot path takes a fresh connection's plain requests; the request-level
  // one, a connection node:http was given (here by a GET first); the framework, a JSON body.
  const fresh = new Client(new URL(parley.url).origin);
  const handedOver = new Client(new URL(parley.url).origin);
  try {
    await parley.createNumber(NUMBER, 'http://127.0.0.1:9/sms');
    const auth = 'Basic ' + Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64');
    assert.equal((await handedOver.request({ method: 'GET', path: '/healthz' }).then(async (res) => (await res.body.text(), res.statusCode))), 200);
    const entrances = async (params: Record<string, string>, authorization = auth): Promise<Answer[]> => {
      const results = [];
      const form = new URLSearchParams(params).toString();
      for (const [client, type, body] of [[fresh, FORM, form], [handedOver, FORM, form], [null, 'application/json', JSON.stringify(params)]] as const) {
        const options = { method: 'POST' as const, headers: { authorization, 'content-type': type }, body };
        const res = client ? await client.request({ ...options, path: '/simulator/messages' }) : await request(parley.url + '/simulator/messages', options);
        const json = JSON.parse(await res.body.text()) as Record<string, unknown>;
        for (const changing of ['sid', 'uri', 'subresource_uris']) delete json[changing];
        // The two requests may fall in different seconds: a date is compared by its form, not its value.
        for (const date of ['date_created', 'date_updated', 'date_sent']) {
          if (typeof json[date] === 'string') json[date] = RFC_2822.test(json[date] as string) ? 'a date' : json[date];
        }
        results.push({ status: res.statusCode, body: json, challenge: res.headers['www-authenticate'] });
      }
      return results;
    };
    const cases: Array<[string, Record<string, string>, string?]> = [
      ['accepted', { From: '+15557770000', To: NUMBER, Body: 'hello' }],
      ['accepted, text outside ASCII', { From: '+15557770000', To: NUMBER, Body: 'Grüße, ça va? 你好 😀' }],
      ['no To', { From: '+15557770000', Body: 'hello' }],
      ['a From that is not E.164', { From: 'nobody', To: NUMBER, Body: 'hello' }],
      ['not a Parley number', { From: '+15557770000', To: '+15550009999', Body: 'hello' }],
      ['the Parley number texting itself', { From: NUMBER, To: NUMBER, Body: 'hello' }],
      ['an empty body', { From: '+15557770000', To: NUMBER }],
      ['a bad media URL', { From: '+15557770000', To: NUMBER, MediaUrl: 'ftp://x' }],
      ['wrong credentials', { From: '+15557770000', To: NUMBER, Body: 'hello' }, 'Basic ' + Buffer.from(`${parley.account.sid}:${'0'.repeat(32)}`).toString('base64')],
    ];
    // Each case once through every entrance; the checks below read the hot paths' answers by name.
    const answers = new Map<string, Answer>();
    for (const [name, params, authorization] of cases) {
      const [onConnection, hot, framework] = await entrances(params, authorization);
      assert.deepEqual(onConnection, framework, `${name}: on the connection`);
      assert.deepEqual(hot, framework, `${name}: the request-level hot path`);
      answers.set(name, hot!);
    }
    const answer = (name: string): Answer => answers.get(name)!;
    assert.equal(answer('accepted').status, 201);
    assert.equal((answer('accepted, text outside ASCII').body as { body: string }).body, 'Grüße, ça va? 你好 😀', 'read back byte for byte, its Content-Length counted in bytes');
    assert.equal(answer('the Parley number texting itself').status, 400);
    assert.equal((answer('the Parley number texting itself').body as { code: number }).code, 21212);
    assert.equal(answer('wrong credentials').status, 401);
    assert.equal(answer('wrong credentials').challenge, 'Basic realm="Twilio API"');
  } finally {
    await fresh.close();
    await handedOver.close();
    await parley.stop();
  }
});

test('in a real Parley the plain inbound message never reaches fastify; a JSON one does', async () => {
  const parley = await startTestParley();
  const handled: string[] = [];
  const onStart = (store: unknown): void => {
    handled.push(`${(store as { route: { method: string; url: string } }).route.method} ${(store as { route: { url: string } }).route.url}`);
  };
  const channel = diagnostics.tracingChannel('fastify.request.handler');
  channel.start.subscribe(onStart);
  try {
    await parley.createNumber(NUMBER, 'http://127.0.0.1:9/sms');
    const auth = 'Basic ' + Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64');
    const params = { From: '+15557770000', To: NUMBER, Body: 'hello' };
    handled.length = 0;
    const form = await request(parley.url + '/simulator/messages', { method: 'POST', headers: { authorization: auth, 'content-type': FORM }, body: new URLSearchParams(params).toString() });
    assert.equal(form.statusCode, 201);
    await form.body.text();
    assert.deepEqual(handled, [], 'the form went by the hot path');
    const json = await request(parley.url + '/simulator/messages', { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(params) });
    assert.equal(json.statusCode, 201);
    await json.body.text();
    assert.deepEqual(handled, ['POST /simulator/messages'], 'the JSON body went to fastify');
  } finally {
    channel.start.unsubscribe(onStart);
    await parley.stop();
  }
});
