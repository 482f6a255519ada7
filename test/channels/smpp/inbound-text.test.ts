/**
 * Inbound decoding (src/channels/smpp/inbound-text.ts, udh.ts) and reassembly (reassembly.ts):
 * data_coding groups, every alphabet, the UDH read from raw bytes and stripped, SAR TLVs, packed
 * GSM-7, and parts arriving out of order, twice or not at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { alphabetOf, decodeShortMessage, concatenationFromSar, type Alphabet } from '../../../src/channels/smpp/inbound-text.js';
import { concatenationUdh16, concatenationUdh8, concatenationOf, parseUdh } from '../../../src/channels/smpp/udh.js';
import { concatenationKey, reassemble } from '../../../src/channels/smpp/reassembly.js';
import { encodeGsm7, packSeptets } from '../../../src/channels/smpp/gsm7.js';

const bytes = (hex: string): Buffer => Buffer.from(hex.replace(/\s/g, ''), 'hex');
const ucs2 = (text: string): Buffer => Buffer.from(text, 'utf16le').swap16();

test('alphabetOf: SMPP values, then the 23.038 coding groups', () => {
  const cases: Array<[number, Alphabet]> = [
    [0x00, 'gsm7'], [0x01, 'ia5'], [0x02, 'binary'], [0x03, 'latin1'], [0x04, 'binary'], [0x05, 'binary'], [0x06, 'iso-8859-5'],
    [0x07, 'iso-8859-8'], [0x08, 'ucs2'], [0x09, 'binary'], [0x0a, 'iso-2022-jp'], [0x0b, 'ucs2'], [0x0c, 'gsm7'], [0x0d, 'binary'],
    [0x0e, 'euc-kr'], [0x0f, 'gsm7'],
    [0x10, 'gsm7'], [0x11, 'gsm7'], [0x14, 'binary'], [0x18, 'ucs2'], [0x1c, 'gsm7'], [0x20, 'binary'], [0x38, 'binary'],
    [0x40, 'gsm7'], [0x48, 'ucs2'], [0x44, 'binary'], [0x80, 'gsm7'], [0xc0, 'gsm7'], [0xd8, 'gsm7'], [0xe0, 'ucs2'],
    [0xf0, 'gsm7'], [0xf1, 'gsm7'], [0xf4, 'binary'], [0xf6, 'binary'], [0xfb, 'gsm7'],
  ];
  for (const [dcs, alphabet] of cases) assert.equal(alphabetOf(dcs), alphabet, `dcs 0x${dcs.toString(16)}`);
});

test('every alphabet decodes exactly', () => {
  const cases: Array<[string, Buffer, number, string]> = [
    ['GSM with escapes', bytes('48 69 20 00 20 1b28 78 1b29 20 1b65'), 0, 'Hi @ {x} €'],
    ['GSM flash (0x10)', encodeGsm7('Flash!'), 0x10, 'Flash!'],
    ['GSM class 1 (0xF1)', encodeGsm7('Class 1'), 0xf1, 'Class 1'],
    ['IA5', Buffer.from('Hi @ {x}', 'latin1'), 1, 'Hi @ {x}'],
    ['IA5 with stray 8-bit octets', bytes('41e9'), 1, 'Aé'],
    ['Latin-1 (trap 15)', Buffer.from('garçon ñ £', 'latin1'), 3, 'garçon ñ £'],
    ['UCS-2', ucs2('Привет'), 8, 'Привет'],
    ['UCS-2 surrogate pair → one code point', bytes('d83dde00 0021'), 8, '😀!'],
    ['UCS-2 class group (0x18)', ucs2('日本'), 0x18, '日本'],
    ['UCS-2 odd last octet', bytes('0041 00'), 8, 'A\ufffd'],
    ['binary (dcs 4) → one char per octet', bytes('00ff7f80'), 4, '\u0000\u00ff\u007f\u0080'],
    ['8-bit data class (0xF5)', bytes('c3a9'), 0xf5, '\u00c3\u00a9'],
    ['Cyrillic ISO-8859-5', bytes('bfe0d8d2d5e2'), 6, 'Привет'],
  ];
  for (const [name, data, dataCoding, text] of cases) {
    const decoded = decodeShortMessage({ shortMessage: data, dataCoding, esmClass: 0 });
    assert.equal(decoded.text, text, name);
    assert.equal(decoded.udh, undefined, name);
  }
});

test('binary text gives its octets back through latin1', () => {
  const data = Buffer.from([...Array(256).keys()]);
  assert.deepEqual(Buffer.from(decodeShortMessage({ shortMessage: data, dataCoding: 2, esmClass: 0 }).text, 'latin1'), data);
});

test('trap 21: the UDH is parsed from raw bytes and stripped; trap 18: only when esm_class has 0x40', () => {
  const data = Buffer.concat([concatenationUdh8(7, 3, 2), encodeGsm7('part two')]);
  const decoded = decodeShortMessage({ shortMessage: data, dataCoding: 0, esmClass: 0x40 });
  assert.equal(decoded.text, 'part two');
  assert.deepEqual(decoded.concatenation, { reference: 7, total: 3, seq: 2, referenceBits: 8 });
  assert.deepEqual(decoded.udh, [{ iei: 0, data: bytes('070302') }]);
  const noFlag = decodeShortMessage({ shortMessage: data, dataCoding: 0, esmClass: 0 });
  assert.equal(noFlag.concatenation, undefined);
  assert.equal(noFlag.text.endsWith('part two'), true, 'without UDHI the octets are text');
});

test('16-bit reference UDH (IEI 0x08), and other elements next to the concatenation one', () => {
  assert.equal(concatenationUdh16(0xabcd, 2, 1).toString('hex'), '060804abcd0201');
  const withPorts = bytes('0c 0504 0b84 23f0 0804 abcd 0502');
  const decoded = decodeShortMessage({ shortMessage: Buffer.concat([withPorts, ucs2('hé')]), dataCoding: 8, esmClass: 0x43 });
  assert.equal(decoded.text, 'hé');
  assert.deepEqual(decoded.concatenation, { reference: 0xabcd, total: 5, seq: 2, referenceBits: 16 });
  assert.equal(decoded.udh?.length, 2);
});

test('a malformed or inconsistent UDH', () => {
  assert.equal(parseUdh(bytes('0500 03')), undefined, 'UDHL past the end');
  assert.equal(parseUdh(bytes('0300 0507 0000')), undefined, 'an element past UDHL');
  const malformed = decodeShortMessage({ shortMessage: bytes('09 41 42'), dataCoding: 0, esmClass: 0x40 });
  assert.equal(malformed.malformedUdh, true);
  assert.equal(malformed.text.endsWith('AB'), true, 'nothing is dropped');
  assert.equal(concatenationOf([{ iei: 0, data: bytes('070300') }]), undefined, 'seq 0');
  assert.equal(concatenationOf([{ iei: 0, data: bytes('070204') }]), undefined, 'seq > total');
  assert.equal(concatenationOf([{ iei: 0, data: bytes('070001') }]), undefined, 'total 0');
  assert.throws(() => concatenationUdh8(256, 1, 1), RangeError);
  assert.throws(() => concatenationUdh8(1, 2, 3), RangeError);
  assert.throws(() => concatenationUdh16(1, 256, 1), RangeError);
});

test('SAR TLVs give the concatenation when there is no UDH', () => {
  const sar = { sar_msg_ref_num: 0x1234, sar_total_segments: 2, sar_segment_seqnum: 2 };
  assert.deepEqual(decodeShortMessage({ shortMessage: encodeGsm7('tail'), dataCoding: 0, esmClass: 0, sar }).concatenation, { reference: 0x1234, total: 2, seq: 2, referenceBits: 16 });
  assert.equal(concatenationFromSar({ sar_msg_ref_num: 1, sar_total_segments: 2 }), undefined);
  assert.equal(concatenationFromSar({ sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 3 }), undefined);
});

test('trap 22: packed GSM-7, with and without a UDH (fill bits)', () => {
  assert.equal(decodeShortMessage({ shortMessage: bytes('e8329bfd4697d9ec37'), dataCoding: 0, esmClass: 0, gsmPacking: 'packed' }).text, 'hellohello');
  // After a 6-octet UDH (48 bits) one fill bit aligns the septets (23.040 9.2.3.24).
  const udh = concatenationUdh8(1, 2, 1);
  const data = Buffer.concat([udh, packSeptets(encodeGsm7('Über €5 {ok}'), 1)]);
  const decoded = decodeShortMessage({ shortMessage: data, dataCoding: 0, esmClass: 0x40, gsmPacking: 'packed' });
  assert.equal(decoded.text, 'Über €5 {ok}');
  assert.equal(decoded.concatenation?.seq, 1);
  assert.notEqual(decodeShortMessage({ shortMessage: bytes('e8329bfd4697d9ec37'), dataCoding: 0, esmClass: 0 }).text, 'hellohello', 'read unpacked it is garbage');
});

test('trap 20: reassembly in any order, with duplicates, and with parts missing', () => {
  const parts = [{ seq: 3, text: 'c' }, { seq: 1, text: 'a' }, { seq: 3, text: 'X' }, { seq: 2, text: 'b' }, { seq: 9, text: '?' }];
  assert.deepEqual(reassemble(3, parts), { complete: true, text: 'abc' });
  assert.deepEqual(reassemble(4, parts), { complete: false, text: 'abc', missing: [4] });
  assert.deepEqual(reassemble(3, [{ seq: 2, text: 'b' }]), { complete: false, text: 'b', missing: [1, 3] });
  assert.deepEqual(reassemble(2, [{ seq: 1, text: '\ud83d' }, { seq: 2, text: '\ude00!' }]), { complete: true, text: '😀!' }, 'a pair split by the handset joins up');
});

test('concatenation keys tell messages apart by source, destination, reference and total', () => {
  const c = { reference: 7, total: 2, referenceBits: 8 as const };
  const key = concatenationKey('+1555', '+1666', c);
  assert.equal(key, concatenationKey('+1555', '+1666', { ...c }));
  assert.notEqual(key, concatenationKey('+1555', '+1777', c));
  assert.notEqual(key, concatenationKey('+1555', '+1666', { ...c, total: 3 }));
  assert.notEqual(key, concatenationKey('+1555', '+1666', { ...c, referenceBits: 16 }));
});

test('property: reassembly of any shuffle of the parts, with duplicates, gives the text', () => {
  fc.assert(fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { minLength: 1, maxLength: 12 }), fc.infiniteStream(fc.nat()), (texts, randoms) => {
    const parts = texts.map((text, i) => ({ seq: i + 1, text }));
    const arrived = [...parts, ...parts.filter((_, i) => i % 2 === 0)].sort(() => (randoms.next().value as number) % 3 - 1);
    // Duplicates carry the same text (a redelivery), so which copy wins does not matter here.
    assert.deepEqual(reassemble(texts.length, arrived), { complete: true, text: texts.join('') });
    const dropped = arrived.filter((p) => p.seq !== texts.length);
    assert.deepEqual(reassemble(texts.length, dropped), { complete: false, text: texts.slice(0, -1).join(''), missing: [texts.length] });
  }), { numRuns: 300 });
});

test('property: decoding never throws, whatever the bytes, data_coding and esm_class', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 160 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (data, dataCoding, esmClass, packed) => {
    const decoded = decodeShortMessage({ shortMessage: data, dataCoding, esmClass, gsmPacking: packed ? 'packed' : 'unpacked' });
    assert.equal(typeof decoded.text, 'string');
  }), { numRuns: 1000 });
});
