/**
 * A TwiML reply on the simulator is stored already settled, in its turn's own commit (one write
 * where handing it over and its receipt took three), and looks the same from outside: status
 * history queued, sent, delivered (or undelivered 30003 for a handset switched off), a `message`
 * event for each status in that order, status callbacks for sent and then the final status.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MessageRecord } from '../../src/stores/records.js';
import { startTestParley, type TestParley } from '../helpers/parley.js';
import { startApp, twiml, type TestApp } from '../helpers/apps.js';

const NUMBER = '+15005550071';
let parley: TestParley;
let app: TestApp;

before(async () => {
  parley = await startTestParley();
  app = await startApp((req, res) => {
    if (req.url === '/sms') return twiml(res, `<Response><Message statusCallback="${app.origin}/status">Thanks</Message></Response>`);
    res.writeHead(204).end();
  });
  await parley.createNumber(NUMBER, app.url);
});

after(async () => {
  await parley.stop();
  await app.close();
});

async function replyOf(handset: string): Promise<{ reply: MessageRecord; events: string[] }> {
  const events: string[] = [];
  const off = parley.gateway.events.subscribe((e) => {
    if (e.type === 'message' && e.message.direction === 'outbound-reply' && e.message.to === handset) events.push(e.message.status);
  });
  const { sid } = await parley.text(handset, NUMBER, 'hi');
  const view = await parley.api<{ turn: { status: string }; replies: Array<{ sid: string }> }>('GET', `/simulator/messages/${sid}?Wait=10s`);
  off();
  assert.equal(view.body.turn.status, 'done');
  const reply = await parley.store.messages.get(parley.account.sid, view.body.replies[0]!.sid);
  return { reply: reply!, events };
}

async function callbacksFor(sid: string, count: number): Promise<string[]> {
  const statuses = (): string[] => app.requests.filter((r) => r.url === '/status' && r.params.get('MessageSid') === sid).map((r) => r.params.get('MessageStatus') ?? '');
  if (statuses().length < count) {
    await parley.gateway.events.waitFor((e) => e.type === 'exchange' && e.exchange.messageSid === sid && statuses().length >= count, 10_000);
  }
  return statuses();
}

test('a reply to a reachable handset: delivered in the turn\'s commit, through queued and sent', async () => {
  const { reply, events } = await replyOf('+15558670401');
  assert.equal(reply.status, 'delivered');
  assert.ok(reply.dateSent !== null);
  assert.deepEqual(events, ['queued', 'sent', 'delivered']);
  const history = await parley.store.messages.statusHistory(parley.account.sid, reply.sid);
  assert.deepEqual(history?.map((h) => h.status), ['queued', 'sent', 'delivered']);
  assert.deepEqual(await callbacksFor(reply.sid, 2), ['sent', 'delivered']);
});

test('a reply to a handset switched off: undelivered with 30003, callbacks sent then undelivered', async () => {
  const handset = '+15558670402';
  assert.equal(parley.gateway.setHandsetReachable(parley.account.sid, handset, false), true);
  const { reply, events } = await replyOf(handset);
  assert.deepEqual([reply.status, reply.errorCode, reply.errorMessage], ['undelivered', 30003, 'Unreachable destination handset']);
  assert.deepEqual(events, ['queued', 'sent', 'undelivered']);
  assert.deepEqual(await callbacksFor(reply.sid, 2), ['sent', 'undelivered']);
  const [sent, undelivered] = app.requests.filter((r) => r.url === '/status' && r.params.get('MessageSid') === reply.sid);
  assert.deepEqual([sent?.params.get('ErrorCode'), undelivered?.params.get('ErrorCode')], [null, '30003']);
});

test('the simulator counts settled replies as sent on its channel', async () => {
  const before = parley.gateway.channels.sentCounts.get('simulator') ?? 0;
  await replyOf('+15558670403');
  assert.equal(parley.gateway.channels.sentCounts.get('simulator'), before + 1);
});
