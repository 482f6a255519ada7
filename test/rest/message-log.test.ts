/**
 * The console's message log over HTTP (`GET /simulator/messages`, `.../{Sid}/details`): every
 * message of the account in both directions, its filters and Twilio's paging, and one message's
 * status history, error, encoding, webhook exchanges and status callbacks. The REST API's own
 * `Messages.json` ignores the log's parameters, as before.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestParley, type TestParley } from '../helpers/parley.js';
import { startSessionCounter, type RunningApp } from '../../examples/session-counter/server.js';

const NUMBER = '+15005550006';
const [ALICE, BOB, CAROL] = ['+15558670001', '+15558670002', '+15558670003'];
const LONG = 'This reminder is long enough to need two segments: '.padEnd(170, '.');

interface MessageJson { sid: string; body: string; direction: string; status: string; from: string; to: string }
interface LogPage {
  messages: MessageJson[];
  next_page_uri: string | null;
  previous_page_uri: string | null;
  uri: string;
  page: number;
  page_size: number;
}
interface Details {
  message: MessageJson;
  status_history: Array<{ status: string; date: string }>;
  error: { code: number; message: string; more_info: string } | null;
  encoding: string;
  characters: number;
  segments: number;
  turn: { status: string } | null;
  replies: MessageJson[];
  inbound_sid: string | null;
  webhook_exchanges: Array<{ purpose: string; steps: string[] }>;
  status_callbacks: Array<{ purpose: string; steps: string[] }>;
}

describe('message log', () => {
  let parley: TestParley;
  let app: RunningApp;
  let callbacks: Server;
  const sids: Record<string, string> = {};
  const log = async (query: string): Promise<LogPage> => {
    const res = await parley.api<LogPage>('GET', `/simulator/messages${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const bodies = (page: LogPage): string[] => page.messages.map((m) => m.body);
  const details = async (sid: string): Promise<Details> => {
    const res = await parley.api<Details>('GET', `/simulator/messages/${sid}/details`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    parley = await startTestParley({ dev: true });
    app = await startSessionCounter({ authToken: parley.account.authToken });
    callbacks = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((done) => callbacks.listen(0, '127.0.0.1', done));
    await parley.createNumber(NUMBER, app.smsUrl);

    const alice = await parley.text(ALICE, NUMBER, 'Hello');
    const aliceTurn = await parley.turn(alice.sid);
    const bob = await parley.text(BOB, NUMBER, 'Ça va? 👋');
    await parley.turn(bob.sid);
    Object.assign(sids, { alice: alice.sid, aliceReply: aliceTurn.replies[0]!.sid, bob: bob.sid });

    assert.equal((await parley.api('POST', '/simulator/clock', { Advance: '2d' })).status, 200);
    const messages = `/2010-04-01/Accounts/${parley.account.sid}/Messages.json`;
    const callbackUrl = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/status`;
    const delivered = parley.gateway.events.waitFor((e) => e.type === 'exchange' && e.exchange.steps.includes('MessageStatus=delivered'), 10_000);
    const code = await parley.api<MessageJson>('POST', messages, { From: NUMBER, To: ALICE, Body: 'Your code is 1234', StatusCallback: callbackUrl });
    assert.equal(code.status, 201);
    sids.code = code.body.sid;
    await delivered;

    assert.equal((await parley.api('POST', `/simulator/handsets/${encodeURIComponent(CAROL)}`, { Reachable: 'false' })).status, 200);
    const undelivered = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.status === 'undelivered', 10_000);
    const reminder = await parley.api<MessageJson>('POST', messages, { From: NUMBER, To: CAROL, Body: LONG });
    sids.reminder = reminder.body.sid;
    await undelivered;
  });

  after(async () => {
    await parley?.stop();
    await app?.close();
    callbacks?.close();
  });

  test('every message of the account, both directions, newest first', async () => {
    assert.deepEqual(bodies(await log('')), [
      LONG, 'Your code is 1234', 'Hello, thanks for the new message.', 'Ça va? 👋', 'Hello, thanks for the new message.', 'Hello',
    ]);
  });

  const FILTERS: Array<[string, string[]]> = [
    ['?Direction=inbound', ['Ça va? 👋', 'Hello']],
    ['?Direction=outbound', [LONG, 'Your code is 1234', 'Hello, thanks for the new message.', 'Hello, thanks for the new message.']],
    ['?Direction=outbound-api', [LONG, 'Your code is 1234']],
    [`?Handset=${encodeURIComponent(ALICE)}`, ['Your code is 1234', 'Hello, thanks for the new message.', 'Hello']],
    [`?Number=${encodeURIComponent(NUMBER)}&Handset=${encodeURIComponent(BOB)}`, ['Hello, thanks for the new message.', 'Ça va? 👋']],
    ['?Status=undelivered', [LONG]],
    [`?Status=delivered&Handset=${encodeURIComponent(ALICE)}`, ['Your code is 1234', 'Hello, thanks for the new message.']],
    [`?Number=${encodeURIComponent('+15005550009')}`, []],
  ];
  for (const [query, expected] of FILTERS) {
    test(`filters: ${decodeURIComponent(query)}`, async () => assert.deepEqual(bodies(await log(query)), expected));
  }

  test('a date range: only what was sent after the clock moved two days', async () => {
    const oneDayAgo = new Date(parley.clock.now() - 86_400_000).toISOString();
    assert.deepEqual(bodies(await log(`?DateSent%3E=${encodeURIComponent(oneDayAgo)}`)), [LONG, 'Your code is 1234']);
    assert.equal((await log(`?DateSent%3C=${encodeURIComponent(oneDayAgo)}&Direction=inbound`)).messages.length, 2);
  });

  test("paging follows Twilio's: next and previous page URIs keep the filters", async () => {
    const first = await log('?Direction=outbound&PageSize=3');
    assert.equal(first.messages.length, 3);
    assert.equal(first.previous_page_uri, null);
    assert.match(first.next_page_uri ?? '', /^\/simulator\/messages\?Direction=outbound&PageSize=3&Page=1&PageToken=PA/);
    const second = await log(first.next_page_uri!.slice('/simulator/messages'.length));
    assert.deepEqual(bodies(second), ['Hello, thanks for the new message.']);
    assert.equal(second.next_page_uri, null);
    const back = await log(second.previous_page_uri!.slice('/simulator/messages'.length));
    assert.deepEqual(bodies(back), bodies(first));
  });

  test('bad filters answer 20001', async () => {
    for (const query of ['?Status=lost', '?Direction=sideways', '?PageSize=0', '?DateSent%3E=yesterday']) {
      const res = await parley.api<{ code: number }>('GET', `/simulator/messages${query}`);
      assert.deepEqual([res.status, res.body.code], [400, 20001], query);
    }
  });

  test("the REST API's Messages.json ignores the log's parameters, as the helper libraries expect", async () => {
    const res = await parley.api<{ messages: unknown[] }>('GET',
      `/2010-04-01/Accounts/${parley.account.sid}/Messages.json?Direction=inbound&Status=undelivered&Handset=${encodeURIComponent(ALICE)}`);
    assert.equal(res.body.messages.length, 6);
  });

  test('a reply: its status history with times, the message it answers, GSM-7', async () => {
    const d = await details(sids.aliceReply!);
    assert.deepEqual(d.status_history.map((h) => h.status), ['queued', 'sent', 'delivered']);
    const times = d.status_history.map((h) => Date.parse(h.date));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.equal(d.inbound_sid, sids.alice);
    assert.deepEqual([d.encoding, d.segments, d.characters, d.error], ['GSM-7', 1, 34, null]);
  });

  test('an inbound message: its turn, webhook exchange and replies', async () => {
    const d = await details(sids.alice!);
    assert.deepEqual(d.status_history.map((h) => h.status), ['received']);
    assert.deepEqual(d.turn, { status: 'done' });
    assert.deepEqual(d.webhook_exchanges.map((x) => x.purpose), ['sms']);
    assert.deepEqual(d.replies.map((r) => r.sid), [sids.aliceReply]);
    assert.deepEqual(d.status_callbacks, []);
    const bob = await details(sids.bob!);
    assert.deepEqual([bob.encoding, bob.characters, bob.segments], ['UCS-2', 'Ça va? 👋'.length, 1]);
  });

  test('an API message: the status callbacks it caused', async () => {
    const d = await details(sids.code!);
    assert.deepEqual(d.status_history.map((h) => h.status), ['queued', 'sent', 'delivered']);
    assert.ok(d.status_callbacks.length >= 1);
    assert.ok(d.status_callbacks.every((x) => x.purpose === 'status-callback'));
    assert.ok(d.status_callbacks.some((x) => x.steps.includes('MessageStatus=delivered')), JSON.stringify(d.status_callbacks.map((x) => x.steps)));
    assert.deepEqual(d.webhook_exchanges, []);
  });

  test('an undelivered message: the error with its docs page, two segments', async () => {
    const d = await details(sids.reminder!);
    assert.equal(d.status_history.at(-1)?.status, 'undelivered');
    assert.deepEqual(d.error, { code: 30003, message: d.error?.message, more_info: 'https://www.twilio.com/docs/errors/30003' });
    assert.deepEqual([d.encoding, d.segments], ['GSM-7', 2]);
  });

  test('an unknown message is 20404', async () => {
    const res = await parley.api<{ code: number }>('GET', `/simulator/messages/SM${'0'.repeat(32)}/details`);
    assert.deepEqual([res.status, res.body.code], [404, 20404]);
  });
});
