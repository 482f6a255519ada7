/**
 * SendOptions.firstHandover (src/channels/channel.ts): Delivery passes it to the channel with the
 * hand-over it was given for, and never with a hand-over after a `retry` (the channel may have
 * accepted parts of the message in between, so it must read them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SendOptions, SendOutcome } from '../../src/channels/channel.js';
import { SystemClock } from '../../src/clock/clock.js';
import { Delivery } from '../../src/delivery/delivery.js';
import { EventBus } from '../../src/events/bus.js';
import type { MessageRecord } from '../../src/stores/records.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { outbound } from '../stores/contract/fixtures.js';

test('a first hand-over reaches the channel as first; the hand-over after a retry does not', async () => {
  const store = openSqliteStore({ path: ':memory:' });
  const calls: Array<[string, SendOptions | undefined]> = [];
  const outcomes: SendOutcome[] = [{ kind: 'retry', errorCode: 30008, retryAfterMs: 1 }, { kind: 'sent' }, { kind: 'sent' }];
  let sent!: () => void;
  const allSent = new Promise<void>((resolve) => { sent = resolve; });
  const channel = {
    send: async (message: MessageRecord, options?: SendOptions): Promise<SendOutcome> => {
      calls.push([message.body, options]);
      const outcome = outcomes.shift()!;
      if (outcomes.length === 0) sent();
      return outcome;
    },
  };
  const delivery = new Delivery({ store, channel, clock: new SystemClock(), events: new EventBus() });
  const keepAlive = setInterval(() => undefined, 1000); // Delivery's retry timer does not hold the process open
  try {
    const [retried, resumed] = [outbound('retried'), outbound('resumed')];
    await store.messages.insert(retried);
    await store.messages.insert(resumed);
    await delivery.deliver(retried, { firstHandover: true }); // answered `retry`: handed over again in 1 ms
    await delivery.deliver(resumed);
    await allSent;
    assert.deepEqual(calls, [['retried', { firstHandover: true }], ['resumed', undefined], ['retried', undefined]]);
  } finally {
    clearInterval(keepAlive);
    await delivery.stop();
    await store.close();
  }
});
