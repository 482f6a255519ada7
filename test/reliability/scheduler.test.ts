/**
 * The turn scheduler under internal failures: a turn whose run throws (a store error) is retried
 * after a backoff and its conversation waits for it, so later turns never overtake it; other
 * conversations go on meanwhile; stop() parks a turn that is waiting for its retry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TurnScheduler } from '../../src/conversations/scheduler.js';
import type { PendingTurn } from '../../src/stores/records.js';

const turn = (messageSid: string, conversationId: string): PendingTurn => ({ messageSid, accountSid: 'AC1', conversationId });

test('a failing turn is retried and holds its conversation; others go on', async () => {
  const ran: string[] = [];
  let failuresLeft = 2;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => { resolveDone = r; });
  const scheduler = new TurnScheduler({
    loadPending: async () => [],
    retryBaseMs: 5,
    run: async (t) => {
      if (t.messageSid === 'a1' && failuresLeft-- > 0) {
        ran.push('a1!');
        throw new Error('disk I/O error');
      }
      ran.push(t.messageSid);
      if (ran.filter((s) => !s.endsWith('!')).length === 4) resolveDone();
    },
  });
  const keepAlive = setInterval(() => undefined, 1000); // the retry timer is unref'd, as in a server
  scheduler.enqueue(turn('a1', 'X'));
  scheduler.enqueue(turn('a2', 'X'));
  scheduler.enqueue(turn('b1', 'Y'));
  scheduler.enqueue(turn('b2', 'Y'));
  await done;
  clearInterval(keepAlive);
  assert.deepEqual(ran.filter((s) => s.startsWith('a')), ['a1!', 'a1!', 'a1', 'a2'], 'a2 never overtakes a1');
  assert.ok(ran.indexOf('b2') < ran.indexOf('a1'), 'conversation Y did not wait for X');
  await scheduler.stop();
});

test('stop() does not wait for a turn that is backing off; it stays pending', async () => {
  let calls = 0;
  let failed: () => void = () => undefined;
  const firstFailure = new Promise<void>((r) => { failed = r; });
  const scheduler = new TurnScheduler({
    loadPending: async () => [],
    retryBaseMs: 60_000,
    run: async () => {
      calls++;
      failed();
      throw new Error('store unavailable');
    },
  });
  scheduler.enqueue(turn('c1', 'Z'));
  await firstFailure;
  await scheduler.stop();
  assert.equal(calls, 1);
});
