/**
 * Two `parley serve` processes on one PostgreSQL database are one gateway: whatever one node
 * accepted, the other reads, lists, redacts and cancels; a number changed through one node is
 * used at once by the other's next turn; the events of every node reach a stream (and a `?Wait=`
 * long-poll) on any node; a slow app on one conversation delays no other conversation, on either
 * node, and that conversation's later turns wait for it wherever they were accepted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ServerResponse } from 'node:http';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startScriptedApp, twiml, type RunningApp } from '../reliability/apps.js';

const NUMBER = '+15005550100';
const SLOW_HANDSET = '+15550000001';

let cluster: Cluster;
let app: RunningApp;
/** Requests of the slow handset, held until the test lets them go. */
const held: ServerResponse[] = [];
let heldArrived: (() => void) | null = null;

before(async () => {
  app = await startScriptedApp({
    '/one': (_req, res, params) => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml(`one: ${params.get('Body')}`)),
    '/two': (_req, res, params) => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml(`two: ${params.get('Body')}`)),
    '/slow': (_req, res, params) => {
      if (params.get('From') !== SLOW_HANDSET) {
        res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml(`quick: ${params.get('Body')}`));
        return;
      }
      held.push(res);
      heldArrived?.();
    },
  });
  cluster = await startCluster(2);
});

after(async () => {
  for (const res of held) res.destroy();
  await cluster?.stop();
  await app?.close();
});

const [A, B] = [0, 1];
const accountPath = (): string => `/2010-04-01/Accounts/${cluster.credentials.accountSid}`;

test('a message accepted by one node is read, listed, redacted and cancelled through the other', async () => {
  const [a, b] = [cluster.apis[A]!, cluster.apis[B]!];
  await a.createNumber({ PhoneNumber: NUMBER, SmsUrl: `${app.url}/one` });
  const created = await a.request('POST', `${accountPath()}/Messages.json`, { From: NUMBER, To: '+15557770001', Body: 'from node A' });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const sid = String(created.json.sid);
  const fetched = await b.request('GET', `${accountPath()}/Messages/${sid}.json`);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.json.body, 'from node A');
  const listed = await b.request('GET', `${accountPath()}/Messages.json?To=${encodeURIComponent('+15557770001')}`);
  assert.deepEqual((listed.json.messages as Array<{ sid: string }>).map((m) => m.sid), [sid]);

  // An inbound message accepted by A (final at once: received), its turn awaited and redacted through B.
  const inbound = await a.send('+15557770003', NUMBER, 'to redact');
  const inboundSid = String(inbound.json.sid);
  assert.equal((await b.turn(inboundSid)).turn.status, 'done');
  const redacted = await b.request('POST', `${accountPath()}/Messages/${inboundSid}.json`, { Body: '' });
  assert.equal(redacted.status, 200, JSON.stringify(redacted.json));
  assert.equal((await a.request('GET', `${accountPath()}/Messages/${inboundSid}.json`)).json.body, '');

  const sendAt = new Date(Date.now() + 3_600_000).toISOString();
  const scheduled = await a.request('POST', `${accountPath()}/Messages.json`, {
    From: NUMBER, To: '+15557770002', Body: 'later', SendAt: sendAt, ScheduleType: 'fixed',
  });
  assert.equal(scheduled.status, 201, JSON.stringify(scheduled.json));
  const canceled = await b.request('POST', `${accountPath()}/Messages/${String(scheduled.json.sid)}.json`, { Status: 'canceled' });
  assert.equal(canceled.status, 200, JSON.stringify(canceled.json));
  assert.equal((await a.request('GET', `${accountPath()}/Messages/${String(scheduled.json.sid)}.json`)).json.status, 'canceled');
  const missing = await b.request('GET', `${accountPath()}/Messages/SM${'0'.repeat(32)}.json`);
  assert.deepEqual([missing.status, missing.json.code], [404, 20404]);
});

test("a number changed through one node is used at once by the other node's next turn", async () => {
  const [a, b] = [cluster.apis[A]!, cluster.apis[B]!];
  const numbers = await b.request('GET', `${accountPath()}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(NUMBER)}`);
  const numberSid = String((numbers.json.incoming_phone_numbers as Array<{ sid: string }>)[0]!.sid);
  const handset = '+15550000010';
  const first = await a.send(handset, NUMBER, 'before');
  assert.deepEqual((await a.turn(String(first.json.sid))).replies.map((r) => r.body), ['one: before']);
  const updated = await b.request('POST', `${accountPath()}/IncomingPhoneNumbers/${numberSid}.json`, { SmsUrl: `${app.url}/two` });
  assert.equal(updated.status, 200);
  const second = await a.send(handset, NUMBER, 'after');
  assert.deepEqual((await a.turn(String(second.json.sid))).replies.map((r) => r.body), ['two: after']);
});

test('the events of every node reach an event stream and a long-poll on any node', async () => {
  const [a, b] = [cluster.apis[A]!, cluster.apis[B]!];
  /** Opens a stream on B; `until` reads it until every text in `wanted` has come (20 s at most). */
  const streamOnB = async (query: string): Promise<{ until: (wanted: string[]) => Promise<string>; close: () => void }> => {
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new Error(`stream ${query}: not every event within 20 s`)), 20_000);
    const res = await fetch(`${cluster.nodes[B]!.url}/simulator/events${query}`, {
      headers: { authorization: `Basic ${Buffer.from(`${cluster.credentials.accountSid}:${cluster.credentials.authToken}`).toString('base64')}` },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    await reader.read(); // ": connected": the stream is subscribed, and the other nodes relay what it wants
    let text = '';
    const until = async (wanted: string[]): Promise<string> => {
      while (!wanted.every((w) => text.includes(w))) {
        const chunk = await reader.read();
        assert.ok(!chunk.done, `the stream ended before every event came: ${text.slice(-2000)}`);
        text += decoder.decode(chunk.value, { stream: true });
      }
      return text;
    };
    return {
      until,
      close: () => {
        clearTimeout(deadline);
        controller.abort();
      },
    };
  };

  // A filtered stream first, while B's streams want nothing wider: A relays only what it asks for.
  const delivered = await streamOnB('?Events=message&Status=delivered');
  const filtered = await a.send('+15550000019', NUMBER, 'seen when delivered');
  const deliveredText = await delivered.until([`"inbound_sid":"${String(filtered.json.sid)}"`]);
  assert.ok(deliveredText.includes('"status":"delivered"') && !deliveredText.includes('"status":"received"'));
  delivered.close();

  const everything = await streamOnB('');
  const accepted = await a.send('+15550000020', NUMBER, 'seen everywhere');
  const sid = String(accepted.json.sid);
  // Inbound message, its turn and exchange, the reply delivered: all happened on A, streamed by B.
  await everything.until([`"sid":"${sid}"`, `event: turn\ndata: {"message_sid":"${sid}"`, 'event: exchange', '"status":"delivered"']);
  everything.close();
  const other = await a.send('+15550000021', NUMBER, 'waited for on B');
  const view = await b.turn(String(other.json.sid), '20s');
  assert.deepEqual([view.turn.status, view.replies.map((r) => r.body)], ['done', ['two: waited for on B']]);
});

test('a slow app on one conversation delays no other conversation, on either node', async () => {
  const [a, b] = [cluster.apis[A]!, cluster.apis[B]!];
  const numbers = await b.request('GET', `${accountPath()}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(NUMBER)}`);
  const numberSid = String((numbers.json.incoming_phone_numbers as Array<{ sid: string }>)[0]!.sid);
  await b.request('POST', `${accountPath()}/IncomingPhoneNumbers/${numberSid}.json`, { SmsUrl: `${app.url}/slow` });

  const arrived = new Promise<void>((resolve) => (heldArrived = resolve));
  const slow = await a.send(SLOW_HANDSET, NUMBER, 'slow one');
  await arrived; // its webhook request is held by the app now
  heldArrived = null;
  const behind = await b.send(SLOW_HANDSET, NUMBER, 'slow two'); // same conversation, other node: waits for the first
  const others = await Promise.all([a.send('+15550000031', NUMBER, 'x'), b.send('+15550000032', NUMBER, 'y'), a.send('+15550000033', NUMBER, 'z')]);
  for (const [i, o] of others.entries()) {
    const view = await (i % 2 ? b : a).turn(String(o.json.sid), '20s');
    assert.deepEqual(view.replies.map((r) => r.body), [`quick: ${['x', 'y', 'z'][i]}`], 'other conversations run while one is held');
  }
  assert.equal((await b.turn(String(behind.json.sid), '1s')).turn.status, 'pending', "the held conversation's next turn waits");
  assert.equal(held.length, 1, 'its second webhook has not been sent');

  const second = new Promise<void>((resolve) => (heldArrived = resolve));
  held.shift()!.writeHead(200, { 'content-type': 'text/xml' }).end(twiml('slow reply one'));
  await second;
  held.shift()!.writeHead(200, { 'content-type': 'text/xml' }).end(twiml('slow reply two'));
  assert.deepEqual((await b.turn(String(slow.json.sid))).replies.map((r) => r.body), ['slow reply one']);
  assert.deepEqual((await a.turn(String(behind.json.sid))).replies.map((r) => r.body), ['slow reply two']);
});
