/**
 * submit_sm's validity_period as src/channels/smpp/validity-period.ts writes it: SMPP's absolute
 * time in UTC, the time left counted on Parley's clock and placed on the machine's, and a minute at
 * least for a part sent after its message's end. What an SMSC receives is in outbound.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smpp } from '../../../src/channels/smpp/library.js';
import { absoluteTime, LEAST_VALIDITY_MS, validityPeriodField } from '../../../src/channels/smpp/validity-period.js';

const WALL = Date.UTC(2026, 11, 7, 20, 5, 9, 250);

test('absolute time: YYMMDDhhmmss, tenths, then 00+ (UTC), sixteen characters, read back by the library as the same moment', () => {
  assert.equal(absoluteTime(WALL), '261207200509200+');
  assert.equal(absoluteTime(Date.UTC(2030, 0, 2, 3, 4, 5, 999)), '300102030405900+');
  const read: unknown = smpp.filters.time.decode.call(new smpp.PDU('submit_sm'), '261207200509200+');
  assert.ok(read instanceof Date);
  assert.equal(read.getTime(), Date.UTC(2026, 11, 7, 20, 5, 9, 200));
});

test('none is an empty field; a duration counts from the submit on the machine\'s clock', () => {
  assert.equal(validityPeriodField('none', 0, 0, WALL), '');
  assert.equal(validityPeriodField(3_600_000, 0, 0, WALL), absoluteTime(WALL + 3_600_000));
});

test('message: the time left on Parley\'s clock (moved forward in development mode), placed on the machine\'s', () => {
  const parleyNow = WALL + 5 * 3_600_000; // a manual clock advanced five hours
  assert.equal(validityPeriodField('message', parleyNow + 600_000, parleyNow, WALL), absoluteTime(WALL + 600_000));
});

test('message: a part sent after the end still gets a minute, not a moment the SMSC would refuse as past', () => {
  assert.equal(validityPeriodField('message', WALL - 10_000, WALL, WALL), absoluteTime(WALL + LEAST_VALIDITY_MS));
  assert.equal(validityPeriodField('message', WALL + 1_000, WALL, WALL), absoluteTime(WALL + LEAST_VALIDITY_MS));
});
