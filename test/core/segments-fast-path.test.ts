/** The GSM-7 fast path of segmentsOf agrees with Twilio's own calculator on every input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import { segmentsOf } from '../../src/messages/segments.js';
import { GSM7_BASIC } from '../../src/channels/smpp/gsm7.js';

/** The GSM-7 basic table but its escape. */
const BASIC = GSM7_BASIC.filter((c) => c !== '\u001b');
const EXTRA = '€{}[]^~|\\\fçé`😀ü中';

test('segment counts equal the calculator for GSM-7 basic text of any length (fast path)', () => {
  fc.assert(fc.property(fc.array(fc.constantFrom(...BASIC), { minLength: 1, maxLength: 1600 }), (chars) => {
    const body = chars.join('');
    const exact = new SegmentedMessage(body);
    const ours = segmentsOf(body);
    assert.equal(ours.segments, exact.segmentsCount);
    assert.equal(ours.encoding, exact.encodingName);
  }), { numRuns: 300 });
});

test('segment counts equal the calculator when extension or non-GSM characters are mixed in', () => {
  fc.assert(fc.property(fc.array(fc.constantFrom(...BASIC, ...EXTRA), { minLength: 1, maxLength: 400 }), (chars) => {
    const body = chars.join('');
    const exact = new SegmentedMessage(body);
    assert.equal(segmentsOf(body).segments, exact.segmentsCount);
    assert.equal(segmentsOf(body).encoding, exact.encodingName);
  }), { numRuns: 200 });
});

test('each ASCII character, alone and in a long text, is counted as the calculator counts it (the ASCII class first tested)', () => {
  for (let code = 0; code < 128; code++) {
    const ch = String.fromCharCode(code);
    for (const body of [ch, `Hello ${ch} there`, `${'x'.repeat(159)}${ch}`]) {
      const exact = new SegmentedMessage(body);
      const ours = segmentsOf(body);
      assert.equal(ours.encoding, exact.encodingName, `U+${code.toString(16)} in ${JSON.stringify(body.slice(0, 20))}`);
      assert.equal(ours.segments, exact.segmentsCount, `U+${code.toString(16)} in ${JSON.stringify(body.slice(0, 20))}`);
    }
  }
});
