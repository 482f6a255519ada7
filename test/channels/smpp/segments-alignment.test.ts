/**
 * The SMPP channel sends the parts `splitSegments` (src/messages/segments.ts) cuts, and Parley's
 * `NumSegments` is their number. This checks that cut against Twilio's own calculator: the same
 * count and the same cut whenever the calculator's segments can exist (140 octets or fewer), and
 * shows the inputs where they cannot (a grapheme bigger than a segment), which is the one place
 * Parley counts the parts it really sends instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import { segmentsOf, splitSegments } from '../../../src/messages/segments.js';
import { GSM7_BASIC } from '../../../src/channels/smpp/gsm7.js';

const PIECES = ['a', ' ', '€', '{', '\r\n', 'é', 'ж', '😀', '👍🏽', '👨‍👩‍👧‍👦', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', 'e\u0301', '中', '`', 'ç'];
const texts = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 500 }).map((a) => a.join('')),
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
);

/** The calculator's segments as texts, and whether each fits in 140 octets. */
function calculator(text: string): { texts: string[]; possible: boolean } {
  const message = new SegmentedMessage(text);
  const segments = message.segments as unknown as Array<Array<{ raw?: string; isUserDataHeader?: boolean }> & { sizeInBits(): number }>;
  return {
    // Copy out of the calculator's Array subclass first: its map/filter build Segments with headers.
    texts: segments.map((s) => [...s].filter((c) => !c.isUserDataHeader).map((c) => c.raw ?? '').join('')),
    possible: segments.every((s) => s.sizeInBits() <= 1120),
  };
}

test('property: where the calculator\'s segments can exist, splitSegments cuts the same texts and segmentsOf counts the same', () => {
  let compared = 0;
  fc.assert(fc.property(texts, (text) => {
    if (text === '') return;
    const exact = calculator(text);
    if (!exact.possible) return;
    compared++;
    const split = splitSegments(text);
    assert.deepEqual(split.parts, exact.texts);
    assert.equal(segmentsOf(text).segments, exact.texts.length);
    assert.equal(split.encoding, new SegmentedMessage(text).encodingName);
  }), { numRuns: 800 });
  // Not vacuous: about 718 of the 800 texts are comparable (697 to 732 in 40 runs of 800), so
  // 600 is far below chance; 700 failed about one run in thirty.
  assert.ok(compared > 600, `compared ${compared} texts`);
});

/** The GSM-7 basic table but its escape, one septet a character: splitSegments cuts such text without the calculator. */
const BASIC = GSM7_BASIC.filter((c) => c !== '\u001b');

test('property: GSM-7 basic text of any length is cut as the calculator cuts it, asked for GSM-7 or not', () => {
  // Lengths around the boundaries (160, 306, 459) as often as anywhere else.
  const lengths = fc.oneof(fc.integer({ min: 1, max: 1600 }), fc.constantFrom(159, 160, 161, 305, 306, 307, 459, 460));
  fc.assert(fc.property(lengths.chain((n) => fc.array(fc.constantFrom(...BASIC), { minLength: n, maxLength: n })), (chars) => {
    const text = chars.join('');
    const exact = calculator(text);
    for (const split of [splitSegments(text), splitSegments(text, 'GSM-7')]) {
      assert.deepEqual(split.parts, exact.texts);
      assert.equal(split.segments, exact.texts.length);
      assert.equal(split.characters, text.length);
      assert.equal(split.encoding, 'GSM-7');
    }
  }), { numRuns: 300 });
});

test('a grapheme bigger than a segment: the calculator reports an impossible segment, Parley counts the parts it sends', () => {
  const cases: Array<[string, string, number, number]> = [
    ['200 jamo in one grapheme', 'a' + 'ᄀ'.repeat(200), 2, 3],
    ['a stack of 150 combining marks', 'x' + '\u0301'.repeat(150), 2, 3],
    ['a big grapheme pushed over the first boundary', 'a'.repeat(50) + 'e' + '\u0301'.repeat(19) + 'x' + '\u0301'.repeat(59), 2, 3],
  ];
  for (const [name, text, calculatorCount, parleyCount] of cases) {
    assert.equal(calculator(text).possible, false, name);
    assert.equal(new SegmentedMessage(text).segmentsCount, calculatorCount, name);
    const split = splitSegments(text);
    assert.equal(split.parts.length, parleyCount, name);
    assert.equal(segmentsOf(text).segments, parleyCount, name);
    assert.equal(split.parts.join(''), text, name);
    assert.ok(split.parts.every((p) => p.length <= 67), name);
  }
});

test('forced UCS-2 counts GSM-7 text in UTF-16 units, like the calculator told UCS-2', () => {
  for (const text of ['€'.repeat(70), '€'.repeat(71), 'a'.repeat(200), '{}'.repeat(40)]) {
    assert.equal(splitSegments(text, 'UCS-2').parts.length, new SegmentedMessage(text, 'UCS-2').segmentsCount, text.slice(0, 5));
  }
});
