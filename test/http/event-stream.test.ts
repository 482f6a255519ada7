/**
 * GET /simulator/events (src/http/routes/events.ts) as a client reads it: well-formed events,
 * text outside ASCII byte for byte, several messages posted at once each reported, and the
 * Direction and Status filters (a bad value refused in Twilio's error format).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startGateway, type Api, type GatewayProcess } from '../helpers/gateway-process.js';
import { startApp, type TestApp } from '../helpers/apps.js';

const NUMBER = '+15005550006';
/** A number whose app answers every message, for the filters' tests. */
const REPLYING_NUMBER = '+15005550007';
let gateway: GatewayProcess;
let api: Api;
let app: TestApp;

before(async () => {
  ({ gateway, api } = await startGateway(':memory:'));
  app = await startApp((req, res) => {
    res.setHeader('content-type', 'text/xml');
    res.end(`<Response><Message>echo ${req.params.get('Body')}</Message></Response>`);
  });
  await api.createNumber({ PhoneNumber: NUMBER });
  await api.createNumber({ PhoneNumber: REPLYING_NUMBER, SmsUrl: app.url });
});

after(async () => {
  await gateway.kill('SIGTERM');
  await app.close();
});

interface StreamEvent { name: string; data: unknown }

/** Opens the stream and collects its events until `done` says it has seen enough. */
async function collect(query: string, act: () => Promise<void>, done: (events: StreamEvent[]) => boolean): Promise<StreamEvent[]> {
  const abort = new AbortController();
  const res = await request(`${api.base}/simulator/events${query}`, {
    headers: { authorization: api.authorization },
    signal: abort.signal,
  });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/event-stream/);
  const chunks: Buffer[] = [];
  const events: StreamEvent[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stream ended early: ${JSON.stringify(events).slice(0, 500)}`)), 20_000);
    res.body.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // Decoded only whole: a character split across two chunks must come out intact.
      const text = Buffer.concat(chunks).toString('utf8');
      events.length = 0;
      for (const block of text.split('\n\n').slice(0, -1)) {
        if (block.startsWith(':')) continue; // comments: connected, keep-alive
        const match = /^event: (\w+)\ndata: (.*)$/s.exec(block);
        assert.ok(match, `not an event: ${JSON.stringify(block)}`);
        events.push({ name: match[1]!, data: JSON.parse(match[2]!) });
      }
      if (done(events)) {
        clearTimeout(timer);
        resolve();
      }
    });
    res.body.on('error', () => undefined);
  });
  await act();
  try {
    await finished;
  } finally {
    abort.abort();
  }
  return events;
}

type MessageData = { message: { sid: string; body: string; direction: string; status: string }; inbound_sid: string | null };

describe('the live event stream', () => {
  test('carries a message\'s text outside ASCII unchanged', async () => {
    const body = 'Grüße, ça va? 你好 😀 \u2028 "quoted" \\ back';
    const events = await collect('?Events=message', async () => {
      const res = await api.send('+15551230001', NUMBER, body);
      assert.equal(res.status, 201);
    }, (seen) => seen.some((e) => (e.data as MessageData).message.body === body));
    assert.ok(events.every((e) => e.name === 'message'), 'only the events asked for');
  });

  test('reports every one of several messages posted at once, ASCII or not in one write', async () => {
    // Half the bodies ASCII, half not, so that one write carries both (bench/README.md, finding 69).
    const bodies = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? `at once ${i}` : `at once ${i} ✓`));
    const events = await collect('?Events=message', async () => {
      const sent = await Promise.all(bodies.map((b, i) => api.send(`+1555123${String(i).padStart(4, '0')}`, NUMBER, b)));
      assert.ok(sent.every((r) => r.status === 201));
    }, (seen) => bodies.every((b) => seen.some((e) => (e.data as MessageData).message.body === b)));
    const inbound = events.map((e) => (e.data as MessageData).message).filter((m) => m.direction === 'inbound' && m.body.startsWith('at once'));
    assert.equal(new Set(inbound.map((m) => m.sid)).size, bodies.length);
  });

  test('with Direction and Status, shows only the message events that pass both', async () => {
    const handset = '+15551239001';
    let inboundSid = '';
    // Two turns: the stream must keep passing the filter after its first event, not only once.
    const bodies = ['filtered one', 'filtered two'];
    const events = await collect('?Events=message&Direction=outbound-reply&Status=queued,%20delivered', async () => {
      for (const body of bodies) {
        const res = await api.send(handset, REPLYING_NUMBER, body);
        assert.equal(res.status, 201);
        inboundSid ||= String(res.json.sid);
      }
    }, (seen) => bodies.every((b) => seen.some((e) => (e.data as MessageData).message.body === `echo ${b}` && (e.data as MessageData).message.status === 'delivered')));
    const shown = events.map((e) => e.data as MessageData);
    assert.ok(shown.every((d) => d.message.direction === 'outbound-reply'), 'no inbound message');
    assert.deepEqual(shown.map((d) => `${d.message.body}: ${d.message.status}`).sort(), [
      'echo filtered one: delivered', 'echo filtered one: queued', 'echo filtered two: delivered', 'echo filtered two: queued',
    ], 'each reply stored and delivered, its `sent` left out');
    assert.ok(shown.some((d) => d.inbound_sid === inboundSid), 'a reply names the message it answers');
    // The same turns, unfiltered, did have more to show: the log has the inbound messages and `sent`.
    const log = await api.request('GET', `/simulator/messages?Handset=${encodeURIComponent(handset)}`);
    const logged = (log.json as { messages: { direction: string }[] }).messages;
    assert.equal(logged.filter((m) => m.direction === 'inbound').length, 2);
  });

  test('Direction=outbound passes every outbound kind, and Status alone any direction', async () => {
    const handset = '+15551239002';
    const outbound = await collect('?Direction=outbound', async () => {
      assert.equal((await api.send(handset, REPLYING_NUMBER, 'any outbound')).status, 201);
    }, (seen) => seen.some((e) => e.name === 'turn') && seen.some((e) => e.name === 'message' && (e.data as MessageData).message.status === 'delivered'));
    const messages = outbound.filter((e) => e.name === 'message').map((e) => (e.data as MessageData).message);
    assert.ok(messages.length > 0 && messages.every((m) => m.direction.startsWith('outbound')));
    assert.ok(outbound.some((e) => e.name === 'turn'), 'events of other types are not filtered by Direction');

    const received = await collect('?Events=message&Status=received', async () => {
      assert.equal((await api.send(handset, REPLYING_NUMBER, 'status alone')).status, 201);
    }, (seen) => seen.some((e) => (e.data as MessageData).message.body === 'status alone'));
    assert.ok(received.every((e) => (e.data as MessageData).message.status === 'received'));
  });

  test('refuses an event type, Direction or Status it does not know, in Twilio\'s error format', async () => {
    for (const query of ['?Status=delivered,arrived', '?Direction=sideways', '?Status=,', '?Events=message,mesage']) {
      const res = await request(`${api.base}/simulator/events${query}`, { headers: { authorization: api.authorization } });
      assert.equal(res.statusCode, 400, query);
      const body = await res.body.json() as { code: number; message: string; more_info: string; status: number };
      assert.equal(body.code, 20001, query);
      assert.equal(body.status, 400);
      const expected: Record<string, RegExp> = {
        Status: /^Status must be a comma-separated list of .*; "(arrived|)" is not/,
        Direction: /^Direction must be .*; "sideways" is not/,
        Events: /^Events must be a comma-separated list of message, turn, exchange, alert, conversation; "mesage" is not/,
      };
      assert.match(body.message, expected[query.slice(1, query.indexOf('='))]!);
      assert.match(body.more_info, /20001/);
    }
  });
});
