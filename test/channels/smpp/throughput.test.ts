/**
 * The `throughput` limiter on its own, exactly (the SMSC double sees arrival times, with the
 * jitter of a shared event loop): whatever the demand, sending each submit at the time the limiter
 * gives never puts more than N submits in any one-second window, and never waits when fewer than
 * N went in the last second.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RateLimit } from '../../../src/channels/smpp/throughput.js';

test('never more than N submits in any window of 1000 ms, and no wait that the cap does not need', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }), (perSecond, gaps) => {
    const limit = new RateLimit(perSecond);
    const sentAt: number[] = [];
    let demand = 0;
    for (const gap of gaps) {
      demand += gap;
      const now = Math.max(demand, sentAt.at(-1) ?? 0); // sends go in order
      const at = limit.nextAt(now);
      // It waits only when the last N sends are all within the second before `at`.
      if (at > now) assert.ok(sentAt.length >= perSecond && sentAt[sentAt.length - perSecond]! + 1000 === at);
      limit.take(at);
      sentAt.push(at);
    }
    for (let i = perSecond; i < sentAt.length; i++) assert.ok(sentAt[i]! - sentAt[i - perSecond]! >= 1000, `${i}: ${sentAt[i]! - sentAt[i - perSecond]!} ms`);
  }));
});

test('0 means no cap', () => {
  const limit = new RateLimit(0);
  for (let i = 0; i < 1000; i++) {
    assert.equal(limit.nextAt(5), 5);
    limit.take(5);
  }
});
