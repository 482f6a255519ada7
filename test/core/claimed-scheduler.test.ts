/**
 * The cluster's turn scheduler (src/conversations/claimed-scheduler.ts) with the store's claims
 * played by the test: a turn whose commit is refused (LeaseLostError) is reported as fenced and
 * never retried, also when the node's heartbeat noticed the lost lease first and the scheduler had
 * already forgotten the conversation (the cluster's fencing test waited for ever on that log line).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClaimedTurnScheduler } from '../../src/conversations/claimed-scheduler.js';
import { LeaseLostError } from '../../src/stores/errors.js';
import type { PendingTurn } from '../../src/stores/records.js';

const turn: PendingTurn = {
  messageSid: 'SM' + '0'.repeat(32), accountSid: 'AC' + '0'.repeat(32), conversationId: 'conv-1', claim: { token: 1, how: 'acquired' },
};

function scheduler(run: (turn: PendingTurn) => Promise<void>) {
  const fenced: string[] = [];
  const errors: unknown[] = [];
  const runs: string[] = [];
  const s = new ClaimedTurnScheduler({
    run: (t) => {
      runs.push(t.messageSid);
      return run(t);
    },
    claims: { nextTurns: async () => [], claimConversations: async () => [] },
    onFenced: (t) => fenced.push(t.messageSid),
    onError: (error) => errors.push(error),
    retryBaseMs: 5,
  });
  return { s, fenced, errors, runs };
}

const settle = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('a refused commit is reported as fenced and the turn is not run again', async () => {
  const { s, fenced, errors, runs } = scheduler(async (t) => {
    throw new LeaseLostError(t.conversationId);
  });
  s.enqueue(turn);
  await settle();
  assert.deepEqual(fenced, [turn.messageSid]);
  assert.deepEqual(errors, []);
  assert.equal(runs.length, 1, 'never retried');
  assert.deepEqual(s.size, { running: 0, queued: 0 });
  await s.stop();
});

test('a refused commit is reported also after the lost lease made the scheduler drop everything', async () => {
  let refuse!: () => void;
  const { s, fenced, runs } = scheduler((t) => new Promise((_, reject) => (refuse = () => reject(new LeaseLostError(t.conversationId)))));
  s.enqueue(turn);
  await settle(5);
  assert.equal(runs.length, 1, 'the turn is running');
  s.dropAll(); // the heartbeat found the lease gone while the turn waited for its webhook
  refuse(); // then the turn's commit was refused
  await settle();
  assert.deepEqual(fenced, [turn.messageSid]);
  assert.equal(runs.length, 1, 'never retried');
  await s.stop();
});

test('any other failure is an error and the conversation is read again', async () => {
  let calls = 0;
  const { s, fenced, errors } = scheduler(async () => {
    calls++;
    throw new Error('database restarted');
  });
  s.enqueue(turn);
  await settle();
  assert.deepEqual(fenced, []);
  assert.equal(errors.length, 1);
  assert.equal(calls, 1, 'the retry reads the store again (here: nothing pending), it does not rerun from memory');
  await s.stop();
});
