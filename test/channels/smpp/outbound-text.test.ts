/**
 * Outbound encoding and splitting (src/channels/smpp/outbound-text.ts): data_coding choice, UDH /
 * SAR / message_payload bodies, part sizes, and the part count against Parley's NumSegments.
 * Parts are read back with the inbound decoder and reassembled, as the handset would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { segmentsOf, splitSegments } from '../../../src/messages/segments.js';
import { encodeOutbound, dataCodingFor, type ConfiguredDataCoding, type LongMessageMode, type OutboundText } from '../../../src/channels/smpp/outbound-text.js';
import { decodeShortMessage } from '../../../src/channels/smpp/inbound-text.js';
import { reassemble } from '../../../src/channels/smpp/reassembly.js';
import { isGsm7, septetCount } from '../../../src/channels/smpp/gsm7.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const CODINGS: ConfiguredDataCoding[] = [0, 1, 3];
const MODES: LongMessageMode[] = ['udh', 'sar', 'payload'];

/** What the receiving side makes of the bodies: decoded parts, reassembled in order. */
function readBack(out: OutboundText): string {
  const parts = out.parts.map((p) => {
    const bytes = p.tlvs.message_payload ?? p.shortMessage;
    const decoded = decodeShortMessage({ shortMessage: bytes, dataCoding: out.dataCoding, esmClass: 0x03 | p.esmClassFlags, sar: p.tlvs });
    assert.equal(decoded.text, p.text, 'each body decodes to the text it says it carries');
    return decoded;
  });
  if (parts.length === 1) return parts[0]!.text;
  const total = parts[0]!.concatenation!.total;
  const result = reassemble(total, parts.map((d) => ({ seq: d.concatenation!.seq, text: d.text })));
  assert.equal(result.complete, true);
  return result.text;
}

test('data_coding: GSM-7 text takes the configured coding, other text UCS-2, and the charset fallback', () => {
  const cases: Array<[string, ConfiguredDataCoding, number]> = [
    ['Hello', 0, 0], ['Hello', 1, 1], ['Hello', 3, 3],
    ['€ [x]', 0, 0], ['€ [x]', 1, 8], ['€ [x]', 3, 8],
    ['café £5', 0, 0], ['café £5', 1, 8], ['café £5', 3, 3],
    ['ΔΣ', 3, 8], ['{a|b}~^\\', 1, 1], ['\f', 1, 1],
    ['garçon', 0, 8], ['garçon', 3, 8], ['😀', 0, 8], ['中文', 1, 8], ['`', 0, 8], ['', 3, 3],
  ];
  for (const [text, configured, expected] of cases) assert.equal(dataCodingFor(text, configured), expected, `${JSON.stringify(text)} with ${configured}`);
});

test('trap 9: dcs 1 carries ASCII octets, dcs 0 GSM septets, for the same text', () => {
  const options = { longMessages: 'udh', reference: 1 } as const;
  assert.equal(hex(encodeOutbound('Hi @ {x}', { ...options, dataCoding: 1 }).parts[0]!.shortMessage), Buffer.from('Hi @ {x}').toString('hex'));
  assert.equal(hex(encodeOutbound('Hi @ {x}', { ...options, dataCoding: 0 }).parts[0]!.shortMessage), '48692000201b28781b29');
});

test('trap 13: € goes as 1B 65 in dcs 0, and makes dcs 1/3 fall back to UCS-2 with the UCS-2 count', () => {
  const options = { longMessages: 'udh', reference: 1 } as const;
  assert.equal(hex(encodeOutbound('€', { ...options, dataCoding: 0 }).parts[0]!.shortMessage), '1b65');
  const text = '€' + 'a'.repeat(80);
  const latin = encodeOutbound(text, { ...options, dataCoding: 3 });
  assert.deepEqual([latin.dataCoding, latin.encoding, latin.segments], [8, 'UCS-2', 2]);
  assert.deepEqual([segmentsOf(text).encoding, segmentsOf(text).segments], ['GSM-7', 1], 'the GSM-7 count differs: the channel reports the UCS-2 one');
});

test('trap 15: Latin-1 (dcs 3) carries accents as single octets', () => {
  const out = encodeOutbound('Mañana é à £', { dataCoding: 3, longMessages: 'udh', reference: 1 });
  assert.equal(out.dataCoding, 3);
  assert.equal(hex(out.parts[0]!.shortMessage), Buffer.from('Mañana é à £', 'latin1').toString('hex'));
});

test('split boundaries: 160/153 septets, 70/67 UCS-2 code units', () => {
  const cases: Array<[string, string, number, number[]]> = [
    ['160 GSM', 'a'.repeat(160), 1, [160]],
    ['161 GSM', 'a'.repeat(161), 2, [153, 8]],
    ['307 GSM', '1'.repeat(307), 3, [153, 153, 1]],
    ['159 + € (trap 14)', 'a'.repeat(158) + '€', 1, [160]],
    ['160 + € (trap 14)', 'a'.repeat(159) + '€', 2, [153, 8]],
    ['escape on the boundary', 'a'.repeat(152) + '€' + 'b'.repeat(10), 2, [152, 12]],
    ['70 UCS-2', 'ж'.repeat(70), 1, [140]],
    ['71 UCS-2', 'ж'.repeat(71), 2, [134, 8]],
    ['😜 + 68 (calculator vector)', '😜' + 'ж'.repeat(68), 1, [140]],
    ['😜 + 69', '😜' + 'ж'.repeat(69), 2, [134, 8]],
    ['surrogate pair on the boundary (trap 16)', 'ж'.repeat(66) + '😀' + 'ж'.repeat(5), 2, [132, 14]],
  ];
  for (const [name, text, segments, sizes] of cases) {
    const out = encodeOutbound(text, { dataCoding: 0, longMessages: 'sar', reference: 9 });
    assert.equal(out.segments, segments, name);
    assert.deepEqual(out.parts.map((p) => p.shortMessage.length), sizes, name);
    assert.equal(segmentsOf(text).segments, segments, `${name}: Parley's count`);
    assert.equal(readBack(out), text, name);
  }
});

test('trap 17: UCS-2 parts are whole code units, an even number of octets, even when a pair does not fit', () => {
  const text = 'ж'.repeat(66) + '😀'.repeat(40);
  for (const longMessages of ['udh', 'sar'] as const) {
    const out = encodeOutbound(text, { dataCoding: 0, longMessages, reference: 5 });
    const payloads = out.parts.map((p) => p.shortMessage.subarray(p.esmClassFlags & 0x40 ? 6 : 0).length);
    assert.deepEqual(payloads, [132, 132, 28], longMessages);
    assert.equal(readBack(out), text);
  }
});

test('udh mode: 05 00 03 ref total seq before each part, UDHI flag set (trap 18); ref is the low byte', () => {
  const out = encodeOutbound('a'.repeat(200), { dataCoding: 0, longMessages: 'udh', reference: 0x1234 });
  assert.deepEqual(out.parts.map((p) => hex(p.shortMessage.subarray(0, 6))), ['050003340201', '050003340202']);
  assert.deepEqual(out.parts.map((p) => p.esmClassFlags), [0x40, 0x40]);
  assert.deepEqual(out.parts.map((p) => p.tlvs), [{}, {}]);
});

test('trap 12: @ (0x00) inside a part is counted like any septet', () => {
  const text = '@'.repeat(300);
  const out = encodeOutbound(text, { dataCoding: 0, longMessages: 'udh', reference: 3 });
  assert.deepEqual(out.parts.map((p) => p.shortMessage.length), [6 + 153, 6 + 147]);
  assert.equal(readBack(out), text);
});

test('sar mode (trap 19): no UDH, the three SAR TLVs with the 16-bit reference', () => {
  const out = encodeOutbound('ж'.repeat(100), { dataCoding: 0, longMessages: 'sar', reference: 0xbeef });
  assert.deepEqual(out.parts.map((p) => [p.esmClassFlags, p.tlvs]), [
    [0, { sar_msg_ref_num: 0xbeef, sar_total_segments: 2, sar_segment_seqnum: 1 }],
    [0, { sar_msg_ref_num: 0xbeef, sar_total_segments: 2, sar_segment_seqnum: 2 }],
  ]);
});

test('payload mode: one body, empty short_message, the whole text in message_payload, Twilio\'s count', () => {
  const text = 'x€'.repeat(200);
  const out = encodeOutbound(text, { dataCoding: 0, longMessages: 'payload', reference: 1 });
  assert.equal(out.parts.length, 1);
  assert.equal(out.parts[0]!.shortMessage.length, 0);
  assert.equal(out.parts[0]!.esmClassFlags, 0);
  assert.equal(out.parts[0]!.tlvs.message_payload!.length, 600);
  assert.equal(out.segments, segmentsOf(text).segments);
  assert.equal(out.segments, 4);
  const short = encodeOutbound('short', { dataCoding: 0, longMessages: 'payload', reference: 1 });
  assert.deepEqual([short.parts[0]!.tlvs, short.parts[0]!.shortMessage.toString()], [{}, 'short'], 'a one-part text stays in short_message');
});

test('an empty text is one empty part; a reference out of range is refused', () => {
  const out = encodeOutbound('', { dataCoding: 0, longMessages: 'udh', reference: 0 });
  assert.deepEqual([out.segments, out.parts.length, out.parts[0]!.shortMessage.length], [1, 1, 0]);
  assert.throws(() => encodeOutbound('x', { dataCoding: 0, longMessages: 'udh', reference: 65536 }), RangeError);
  assert.throws(() => encodeOutbound('x', { dataCoding: 0, longMessages: 'udh', reference: -1 }), RangeError);
});

const GSM_MIX = ['a', 'Z', ' ', '@', '$', '£', 'é', 'Δ', '\n', '\r', '€', '[', ']', '{', '}', '^', '~', '|', '\\', '\f'];
const OTHER = ['😀', '👍🏽', '👨‍👩‍👧', '🇺🇸', 'ç', '中', 'e\u0301', '\u0301', '\ud83d', '\ude00', '`', 'ж'];
const texts = fc.oneof(
  fc.array(fc.constantFrom(...GSM_MIX), { maxLength: 700 }).map((a) => a.join('')),
  fc.array(fc.constantFrom(...GSM_MIX, ...OTHER), { maxLength: 400 }).map((a) => a.join('')),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('', '€', '😀', 'a'.repeat(152) + '€€', '\u0301'.repeat(150), 'a' + 'ᄀ'.repeat(200)),
);

test('property: for any text, every data-coding and long-message mode, the parts read back to the text, within size, with Parley\'s count', () => {
  fc.assert(fc.property(texts, fc.constantFrom(...CODINGS), fc.constantFrom(...MODES), fc.integer({ min: 0, max: 0xffff }), (text, dataCoding, longMessages, reference) => {
    const out = encodeOutbound(text, { dataCoding, longMessages, reference });
    assert.equal(readBack(out), text);
    const ucs2 = out.dataCoding === 8;
    assert.equal(ucs2, !isGsm7(text) || out.dataCoding !== dataCoding);
    // The count: NumSegments as Parley reports it, or the UCS-2 count of the documented fallback.
    const fallback = ucs2 && isGsm7(text);
    assert.equal(out.segments, fallback ? splitSegments(text, 'UCS-2').segments : segmentsOf(text).segments);
    assert.equal(out.encoding, ucs2 ? 'UCS-2' : 'GSM-7');
    const parts = longMessages === 'payload' && out.segments > 1 ? splitSegments(text, ucs2 ? 'UCS-2' : 'GSM-7').parts : out.parts.map((p) => p.text);
    assert.equal(parts.length, out.segments);
    const single = out.segments === 1;
    for (const [i, p] of out.parts.entries()) {
      const udh = p.esmClassFlags & 0x40 ? 6 : 0;
      const payload = p.tlvs.message_payload ?? p.shortMessage.subarray(udh);
      if (p.tlvs.message_payload) continue;
      if (ucs2) {
        assert.equal(payload.length % 2, 0, 'trap 17: whole UCS-2 code units');
        assert.ok(udh + payload.length <= 140 && payload.length <= (single ? 140 : 134), `UCS-2 part of ${payload.length} octets`);
      } else {
        assert.ok(septetCount(p.text)! <= (single ? 160 : 153), `GSM part of ${septetCount(p.text)} septets`);
        if (out.dataCoding === 0) assert.notEqual(payload.at(-1), 0x1b, 'no part ends inside an escape');
      }
      const next = out.parts[i + 1]?.text;
      if (next !== undefined) assert.ok(!(/[\ud800-\udbff]$/.test(p.text) && /^[\udc00-\udfff]/.test(next)), 'trap 16: no surrogate pair split');
    }
  }), { numRuns: 600 });
});
