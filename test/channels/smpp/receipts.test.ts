/**
 * Delivery receipts (src/channels/smpp/receipts.ts): the text form as SMSCs really write it, the
 * TLV form, and the id keys that match a receipt to its submit_sm_resp under each receipt-id mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deliverSmType, parseReceipt, parseReceiptText, receiptIdKey, receiptKeys, receiptTextOf, stateOfStat, submitIdKey, type ReceiptIdMode, type ReceiptText } from '../../../src/channels/smpp/receipts.js';

const STANDARD = 'id:0123456789 sub:001 dlvrd:001 submit date:2405061200 done date:2405061201 stat:DELIVRD err:000 text:Hello there';

test('the text form, standard and as SMSCs vary it', () => {
  const cases: Array<[string, string, ReceiptText]> = [
    ['standard', STANDARD, { id: '0123456789', sub: '001', dlvrd: '001', submitDate: '2405061200', doneDate: '2405061201', stat: 'DELIVRD', err: '000', text: 'Hello there' }],
    ['sub and dlvrd missing', 'id:abc123 submit date:2405061200 done date:2405061201 stat:UNDELIV err:001 text:', { id: 'abc123', submitDate: '2405061200', doneDate: '2405061201', stat: 'UNDELIV', err: '001', text: '' }],
    ['odd case, Text: as in the spec example', 'ID:77 Sub:001 DLVRD:000 Submit Date:2405061200 Done Date:2405061201 Stat:expired Err:027 Text:hi', { id: '77', sub: '001', dlvrd: '000', submitDate: '2405061200', doneDate: '2405061201', stat: 'EXPIRED', err: '027', text: 'hi' }],
    ['extra spaces', '  id:  42   stat :  DELIVRD   err:0   ', { id: '42', stat: 'DELIVRD', err: '0' }],
    ['stat:FAILED and a 4-digit err', 'id:9 stat:FAILED err:0012', { id: '9', stat: 'FAILED', err: '0012' }],
    ['dates with seconds, underscores', 'id:5 submit_date:240506120059 done_date:240506120159 stat:DELIVRD', { id: '5', submitDate: '2405061200', doneDate: '2405061201', stat: 'DELIVRD' }],
    ['UUID id with letters', 'id:5e9b3c2a-7f41-4a3e-9f0e-0c1d2e3f4a5b stat:DELIVRD err:000', { id: '5e9b3c2a-7f41-4a3e-9f0e-0c1d2e3f4a5b', stat: 'DELIVRD', err: '000' }],
    ['text with keys inside it', 'id:1 stat:DELIVRD text:stat:REJECTD id:2', { id: '1', stat: 'DELIVRD', text: 'stat:REJECTD id:2' }],
    ['NUL and junk after the text', 'id:1 stat:DELIVRD text:abc\0\u0001\u0002junk', { id: '1', stat: 'DELIVRD', text: 'abc' }],
    ['long stat forms', 'id:1 stat:UNDELIVERABLE', { id: '1', stat: 'UNDELIVERABLE' }],
  ];
  for (const [name, text, expected] of cases) assert.deepEqual(parseReceiptText(text), expected, name);
  assert.equal(parseReceiptText('Hello, this is a normal message'), undefined);
  assert.equal(parseReceiptText(''), undefined);
});

// How SMSCs spell each key: any case, and a date's two words run together, spaced or underscored.
const SPELLINGS: Record<Exclude<keyof ReceiptText, 'text'>, fc.Arbitrary<string>> = {
  id: fc.constantFrom('id', 'ID', 'Id'), sub: fc.constantFrom('sub', 'Sub', 'SUB'), dlvrd: fc.constantFrom('dlvrd', 'DLVRD'),
  submitDate: fc.constantFrom('submit date', 'submit_date', 'Submit Date', 'SUBMIT  DATE', 'submitdate'),
  doneDate: fc.constantFrom('done date', 'done_date', 'Done Date', 'DONE  DATE'), stat: fc.constantFrom('stat', 'Stat', 'STAT'), err: fc.constantFrom('err', 'Err', 'ERR'),
};
const separator = fc.constantFrom(' ', '  ', '\0', ' \0 ');
const plainValue = fc.stringMatching(/^[0-9A-Za-z-]{0,12}$/);

test('property: keys in any order, case and spacing, values with NULs, repeated keys and the text last read as written', () => {
  const field = fc.constantFrom(...(Object.keys(SPELLINGS) as Array<keyof typeof SPELLINGS>)).chain((name) => fc.record({
    name: fc.constant(name), spelling: SPELLINGS[name], beforeColon: fc.constantFrom('', ' '), separator,
    value: name === 'submitDate' || name === 'doneDate' ? fc.stringMatching(/^[0-9]{6,12}$/) : fc.tuple(plainValue, fc.constantFrom('', '\0'), plainValue).map((p) => p.join('')),
  }));
  fc.assert(fc.property(fc.array(field, { maxLength: 10 }), fc.option(fc.tuple(plainValue, fc.constantFrom('', '\0junk')), { nil: undefined }), (fields, text) => {
    let written = fields.map((f) => `${f.spelling}${f.beforeColon}:${f.value}${f.separator}`).join('');
    if (text) written += `text:${text[0]}${text[1]}`;
    const expected: ReceiptText = {};
    for (const f of fields) {
      if (expected[f.name] !== undefined) continue; // the first of a repeated key counts
      const value = f.value.replace(/\0/g, ' ').trim();
      expected[f.name] = f.name === 'stat' ? value.toUpperCase() : (f.name === 'submitDate' || f.name === 'doneDate') && value.length >= 10 ? value.slice(0, 10) : value;
    }
    if (text) expected.text = text[0];
    const read = parseReceiptText(written);
    if (expected.id === undefined && expected.stat === undefined) assert.equal(read, undefined, written);
    else assert.deepEqual(read, expected, JSON.stringify(written));
  }), { numRuns: 2000 });
});

test('property: the standard form, every key once in order, in lower case one space apart, reads as the general form does', () => {
  // The form nearly every SMSC writes has a one-match path of its own (finding 105); values with a
  // space or a NUL in them leave it for the general scan, and either way the reading is the same.
  const value = fc.tuple(plainValue, fc.constantFrom('', '', '', ' ', '\0', '  '), plainValue).map((p) => p.join(''));
  const date = fc.stringMatching(/^[0-9]{6,12}$/);
  fc.assert(fc.property(value, value, value, date, date, value, value, fc.tuple(plainValue, fc.constantFrom('', '\0junk', ' more')),
    (id, sub, dlvrd, submitDate, doneDate, stat, err, [text, after]) => {
      const written = `id:${id} sub:${sub} dlvrd:${dlvrd} submit date:${submitDate} done date:${doneDate} stat:${stat} err:${err} text:${text}${after}`;
      const clean = (v: string): string => v.replace(/\0/g, ' ').trim();
      const expected: ReceiptText = {
        id: clean(id), sub: clean(sub), dlvrd: clean(dlvrd), submitDate: submitDate.slice(0, 10), doneDate: doneDate.slice(0, 10),
        stat: clean(stat).toUpperCase(), err: clean(err), text: after === ' more' ? `${text} more`.trim() : text,
      };
      assert.deepEqual(parseReceiptText(written), expected, JSON.stringify(written));
    }), { numRuns: 2000 });
});

test('stat values map to message states', () => {
  const cases: Array<[string, string]> = [
    ['DELIVRD', 'DELIVERED'], ['delivered', 'DELIVERED'], ['EXPIRED', 'EXPIRED'], ['DELETED', 'DELETED'], ['UNDELIV', 'UNDELIVERABLE'],
    ['FAILED', 'UNDELIVERABLE'], ['ACCEPTD', 'ACCEPTED'], ['UNKNOWN', 'UNKNOWN'], ['REJECTD', 'REJECTED'], ['ENROUTE', 'ENROUTE'],
    ['BUFFRED', 'ENROUTE'], ['ACKED', 'ENROUTE'], ['SKIPPED', 'SKIPPED'], ['WHATEVER', 'UNKNOWN'],
  ];
  for (const [stat, state] of cases) assert.equal(stateOfStat(stat), state, stat);
});

test('TLV receipts, and TLVs completed from the text', () => {
  assert.deepEqual(parseReceipt({ tlvs: { receipted_message_id: 'A1B2', message_state: 5, network_error_code: Buffer.from([3, 0, 27]) } }), {
    ids: [{ id: 'A1B2', source: 'tlv' }], state: 'UNDELIVERABLE', final: true, error: { source: 'tlv', networkType: 3, code: 27 },
  });
  assert.deepEqual(parseReceipt({ text: STANDARD, tlvs: { receipted_message_id: '75BCD15', message_state: 2 } }), {
    ids: [{ id: '75BCD15', source: 'tlv' }, { id: '0123456789', source: 'text' }], state: 'DELIVERED', final: true, error: { source: 'text', raw: '000', code: 0 }, doneDate: '2405061201',
  });
  assert.deepEqual(parseReceipt({ text: 'id:1 stat:ENROUTE err:abc' }), { ids: [{ id: '1', source: 'text' }], state: 'ENROUTE', final: false, error: { source: 'text', raw: 'abc' } });
  assert.equal(parseReceipt({ tlvs: { message_state: 6 } })?.final, false, 'ACCEPTED is not final');
  assert.equal(parseReceipt({ tlvs: { message_state: 42 } })?.state, 'UNKNOWN');
  assert.equal(parseReceipt({ text: 'id:1' }), undefined, 'no state, not understood');
  assert.equal(parseReceipt({}), undefined);
});

test('trap 6: an ASCII receipt labelled data_coding 8 is still read', () => {
  const ascii = Buffer.from(STANDARD, 'latin1');
  assert.equal(receiptTextOf(ascii, 8), STANDARD);
  assert.equal(receiptTextOf(Buffer.from(STANDARD, 'utf16le').swap16(), 8), STANDARD, 'a real UCS-2 receipt too');
  assert.equal(receiptTextOf(Buffer.from('id:1 stat:DELIVRD err:000 text:{@}', 'latin1'), 1), 'id:1 stat:DELIVRD err:000 text:{@}');
});

test('deliver_sm types from esm_class bits, UDHI or not', () => {
  assert.equal(deliverSmType(0x04), 'delivery-receipt');
  assert.equal(deliverSmType(0x44), 'delivery-receipt');
  assert.equal(deliverSmType(0x00), 'message');
  assert.equal(deliverSmType(0x40), 'message');
  assert.equal(deliverSmType(0x20), 'intermediate-notification');
  assert.equal(deliverSmType(0x08), 'sme-delivery-ack');
});

test('id keys per receipt-id mode (traps 1-4)', () => {
  const cases: Array<[ReceiptIdMode, string, string, 'text' | 'tlv', boolean, string]> = [
    ['as-is', 'abc-123', 'abc-123', 'text', true, 'same string'],
    ['as-is', '00A1', 'a1', 'text', false, 'as-is is exact'],
    ['decimal', '3E8', '1000', 'text', true, 'hex resp, decimal receipt (Kannel msg-id-type 1)'],
    ['decimal', '3e8', '0000001000', 'text', true, 'hex case and zero padding do not matter'],
    ['decimal', '0003E8', '1000', 'text', true, 'leading zeros in the resp'],
    ['decimal', '3E8', '1001', 'text', false, 'another number'],
    ['decimal', '3E8', '3E8', 'tlv', true, 'the TLV id is as the resp gave it'],
    ['decimal', '3E8', '3e8', 'text', true, 'a receipt id that is not decimal is the resp id as given'],
    ['decimal', 'msg-77', 'msg-77', 'text', true, 'non-numeric ids fall back to as-is'],
    ['decimal', '1000', '4096', 'text', true, 'a decimal-looking resp id is read as hex (0x1000)'],
    ['decimal', '1000', '1000', 'text', false, '...so the same digits do not match'],
    ['hex', '1000', '3E8', 'text', true, 'decimal resp, hex receipt'],
    ['hex', '0000001000', '3e8', 'text', true, 'padding and case'],
    ['hex', '1000', '1000', 'tlv', true, 'TLV as the resp'],
    ['hex', 'XYZ', 'XYZ', 'text', true, 'non-numeric fall back to as-is'],
    ['hex', '1000', '1000', 'text', false, 'a hex receipt 0x1000 is 4096'],
  ];
  for (const [mode, resp, receipt, source, match, why] of cases) {
    assert.equal(submitIdKey(resp, mode) === receiptIdKey(receipt, mode, source), match, `${mode}: ${resp} vs ${receipt} (${why})`);
  }
  assert.deepEqual(receiptKeys({ ids: [{ id: '3E8', source: 'tlv' }, { id: '1000', source: 'text' }] }, 'decimal'), [submitIdKey('3E8', 'decimal')]);
});

test('property: keys match exactly when the numbers match, across bases, padding and case', () => {
  const modes: Array<[ReceiptIdMode, 16 | 10, 10 | 16]> = [['decimal', 16, 10], ['hex', 10, 16]];
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(...modes), fc.nat(4), fc.nat(4), fc.boolean(),
    (a, b, [mode, respBase, receiptBase], padA, padB, upper) => {
      const write = (n: bigint, base: number, pad: number): string => {
        const s = '0'.repeat(pad) + n.toString(base);
        return upper ? s.toUpperCase() : s;
      };
      const resp = write(a, respBase, padA);
      assert.equal(submitIdKey(resp, mode) === receiptIdKey(write(a, receiptBase, padB), mode), true);
      assert.equal(submitIdKey(resp, mode) === receiptIdKey(write(b, receiptBase, padB), mode), a === b);
      assert.equal(submitIdKey(resp, mode) === receiptIdKey(resp, mode, 'tlv'), true);
    }), { numRuns: 500 });
});

test('property: as-is keys are equal exactly when the strings are', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), (a, b) => {
    assert.equal(submitIdKey(a, 'as-is') === receiptIdKey(b, 'as-is'), a === b);
  }), { numRuns: 500 });
});
