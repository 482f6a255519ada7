/** Time-ordered SIDs (src/ids/sid.ts): their shape, their time digits, and their order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSid, newSid, sidBefore } from '../../src/ids/sid.js';

/** The definition: the last 12 hex digits of the time in milliseconds. */
const timeDigits = (ms: number): string => ms.toString(16).padStart(12, '0').slice(-12);

test('the time digits of a SID are the last 12 hex digits of its millisecond, at any time', () => {
  const times = [0, 1, 0xffffff, 0x1000000, 0x1000001, Date.UTC(2026, 11, 5), 2 ** 48 - 1, 2 ** 48, 2 ** 48 + 0x1234567, 2 ** 52 + 3];
  for (let i = 0; i < 2000; i++) times.push(Math.floor(Math.random() * 2 ** 50));
  for (const ms of times) assert.equal(sidBefore('SM', ms).slice(2, 14), timeDigits(ms), String(ms));
  // newSid never goes back in time within a process: feed it times in order, before the next test's.
  for (const ms of times.filter((t) => t < Date.UTC(2026, 0, 1)).sort((a, b) => a - b)) {
    const sid = newSid('SM', ms + 0.5);
    assert.ok(isSid(sid, 'SM'), sid);
    assert.equal(sid.slice(2, 14), timeDigits(ms), String(ms));
  }
});

test('SIDs sort in the order they were made: within a millisecond, across milliseconds, and when the clock goes back', () => {
  const start = Date.UTC(2026, 11, 5, 14, 0, 0);
  const made: string[] = [];
  for (let i = 0; i < 5000; i++) made.push(newSid('WX', start + Math.floor(i / 7)));
  made.push(newSid('WX', start - 60_000)); // a clock set back a minute keeps the order
  made.push(newSid('WX', start + 1_000_000));
  assert.deepEqual([...made].sort(), made);
  assert.ok(sidBefore('WX', start) < made[0]!);
  assert.ok(sidBefore('WX', start + 1) > made[0]!);
});
