/**
 * GET /simulator/events (src/http/routes/events.ts) as a client reads it: well-formed events,
 * text outside ASCII byte for byte, and several messages posted at once each reported.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startGateway, type Api, type GatewayProcess } from '../helpers/gateway-process.js';

const NUMBER = '+15005550006';
let gateway: GatewayProcess;
let api: Api;

before(async () => {
  ({ gateway, api } = await startGateway(':memory:'));
  await api.createNumber({ PhoneNumber: NUMBER });
});

after(async () => {
  await gateway.kill('SIGTERM');
});

interface StreamEvent { name: string; data: unknown }

/** Opens the stream and collects its events until `done` says it has seen enough. */
async function collect(query: string, act: () => Promise<void>, done: (events: StreamEvent[]) => boolean): Promise<StreamEvent[]> {
  const abort = new AbortController();
  const res = await request(`${api.base}/simulator/events${query}`, {
    headers: { authorization: 'Basic ' + Buffer.from(`${api.credentials.accountSid}:${api.credentials.authToken}`).toString('base64') },
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

type MessageData = { message: { sid: string; body: string; direction: string } };

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
});
