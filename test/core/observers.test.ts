/**
 * What a node's observers want from the other nodes (src/events/interest.ts), and when the other
 * nodes are told (src/events/observers.ts): at once and waited for when it widens, without a round
 * trip when it does not, and narrowed only after the linger. The telling itself across real nodes
 * is tested in test/stores/postgres-cluster.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interestText, parseInterest, passes, unionOf, type Interest, type StreamedEvent } from '../../src/events/interest.js';
import { Observers } from '../../src/events/observers.js';
import type { MessageStatus } from '../../src/stores/records.js';
import { inbound } from '../stores/contract/fixtures.js';

const wants = (events: StreamedEvent[] | null, statuses: MessageStatus[] | null = null): Interest => ({
  events: events && new Set(events), statuses: statuses && new Set(statuses),
});

test("an interest's text is the same whatever the order, and reads back as the same interest", () => {
  assert.equal(interestText(wants(['turn', 'message'], ['delivered', 'queued'])), 'message,turn|delivered,queued');
  assert.equal(interestText(wants(['message', 'turn'], ['queued', 'delivered'])), 'message,turn|delivered,queued');
  assert.equal(interestText(wants(null)), '*|*');
  assert.equal(interestText(wants(['turn'], ['queued'])), 'turn|', 'statuses do not matter without messages');
  assert.equal(interestText(wants([])), '', 'nothing');
  for (const text of ['message,turn|delivered,queued', '*|*', 'turn|', '', 'message|*', 'alert,conversation,exchange|']) {
    assert.equal(interestText(parseInterest(text)), text);
  }
});

test("a text this build cannot read (a newer node's) means everything: too much is only slower, too little loses events", () => {
  for (const text of ['message,reaction|*', 'gibberish', 'turn']) assert.equal(interestText(parseInterest(text)), '*|*', text);
});

test('the union takes every event either takes; a turn observer widens no status', () => {
  assert.equal(interestText(unionOf([wants(['message'], ['delivered']), wants(['turn'])])), 'message,turn|delivered');
  assert.equal(interestText(unionOf([wants(['message'], ['delivered']), wants(['message'])])), 'message|*');
  assert.equal(interestText(unionOf([wants(['message'], ['delivered']), wants(['message'], ['queued'])])), 'message|delivered,queued');
  assert.equal(interestText(unionOf([wants(['turn']), wants(null)])), '*|*');
  assert.equal(interestText(unionOf([])), '');
});

test('an event passes by its type, and a message event by its status too', () => {
  const delivered = { ...inbound('hi'), status: 'delivered' as const };
  const turn = { type: 'turn' as const, accountSid: delivered.accountSid, messageSid: delivered.sid, conversationId: 'c', errorCode: null, durationMs: 1 };
  const only = parseInterest('message,turn|delivered');
  assert.equal(passes(only, { type: 'message', message: delivered }), true);
  assert.equal(passes(only, { type: 'message', message: { ...delivered, status: 'sent' } }), false);
  assert.equal(passes(only, turn), true);
  assert.equal(passes(only, { type: 'conversation', accountSid: delivered.accountSid, conversationId: 'c' }), false);
  assert.equal(passes(parseInterest(''), turn), false);
  assert.equal(passes(parseInterest('*|*'), { type: 'receipt-unmatched', channel: 'smpp', smscId: '1' }), false, 'never relayed');
});

test('a wider interest is told and waited for; a covered one waits only for the telling in progress', async () => {
  const told: string[] = [];
  let answer!: () => void;
  const observers = new Observers((text) => {
    told.push(text);
    return new Promise((resolve) => {
      answer = resolve;
    });
  }, 60_000);
  let firstReady = false;
  const first = observers.observe(wants(['message'], ['delivered'])).then((release) => {
    firstReady = true;
    return release;
  });
  let secondReady = false;
  const second = observers.observe(wants(['message'], ['delivered'])).then(() => {
    secondReady = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(told, ['message|delivered'], 'told once');
  assert.equal(firstReady || secondReady, false, 'neither starts before the other nodes answered');
  answer();
  await Promise.all([first, second]);
  const third = observers.observe(wants(['turn']));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(told, ['message|delivered', 'message,turn|delivered'], 'a wider interest is told the union');
  answer();
  await third;
  observers.stop();
});

test('when observers leave, the narrower union is told only after the linger, and not at all if one came back', async () => {
  const LINGER_MS = 1000;
  const told: string[] = [];
  const observers = new Observers(async (text) => {
    told.push(text);
  }, LINGER_MS);
  const release = await observers.observe(wants(['turn']));
  release();
  release(); // twice is once
  const again = await observers.observe(wants(['turn']));
  assert.deepEqual(told, ['turn|'], 'no round trip for the observer that came back');
  await new Promise((resolve) => setTimeout(resolve, LINGER_MS + 200));
  assert.deepEqual(told, ['turn|'], 'an observer is open: nothing narrower to tell');
  again();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(told, ['turn|'], 'not before the linger');
  await new Promise((resolve) => setTimeout(resolve, LINGER_MS + 200));
  assert.deepEqual(told, ['turn|', ''], 'nothing, after the linger');
  observers.stop();
});

test('an observer waits for a telling that never ends only so long', async () => {
  const observers = new Observers(() => new Promise(() => undefined), 60_000, 200);
  const t0 = performance.now();
  const release = await observers.observe(wants(['turn']));
  assert.ok(performance.now() - t0 >= 190, 'it did wait');
  release();
  observers.stop();
});
