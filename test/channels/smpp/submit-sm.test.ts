/**
 * The submit_sm Parley encodes itself (src/channels/smpp/submit-sm.ts) is byte for byte the one the
 * `smpp` library encodes from the same fields and sequence number, and the library reads it back
 * to those fields. The wire behaviour (what an SMSC receives, answers and receipts) is covered by
 * outbound.test.ts and the other SMPP tests, which go through it for every part without TLVs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { smpp } from '../../../src/channels/smpp/library.js';
import { encodeSubmitSm, type SubmitSmFields } from '../../../src/channels/smpp/submit-sm.js';
import { absoluteTime } from '../../../src/channels/smpp/validity-period.js';

const octet = fc.integer({ min: 0, max: 255 });
// C-octet strings as SMPP allows them: printable ASCII, up to the longest address field.
const cString = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

const fields: fc.Arbitrary<SubmitSmFields> = fc.record({
  service_type: cString(5),
  source_addr_ton: octet, source_addr_npi: octet, source_addr: cString(20),
  dest_addr_ton: octet, dest_addr_npi: octet, destination_addr: cString(20),
  esm_class: octet, protocol_id: octet, priority_flag: octet,
  schedule_delivery_time: fc.constant('' as const),
  // Empty (the SMSC's own) or an absolute time, as the channel writes them.
  validity_period: fc.oneof(fc.constant(''), fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }).map(absoluteTime)),
  registered_delivery: octet, replace_if_present_flag: octet, data_coding: octet, sm_default_msg_id: octet,
  short_message: fc.uint8Array({ maxLength: 254 }).map((a) => Buffer.from(a)),
});

function libraryEncoding(sequence: number, f: SubmitSmFields): Buffer {
  const pdu = new smpp.PDU('submit_sm', { ...f });
  pdu.sequence_number = sequence;
  return pdu.toBuffer();
}

test('submit_sm: the same bytes as the library writes, for any fields and sequence number', () => {
  fc.assert(fc.property(fields, fc.integer({ min: 1, max: 0x7fffffff }), (f, sequence) => {
    assert.deepEqual(encodeSubmitSm(sequence, f), libraryEncoding(sequence, f));
  }), { numRuns: 2000 });
});

test('submit_sm: the library reads it back as the fields it was written from', () => {
  fc.assert(fc.property(fields, fc.integer({ min: 1, max: 0x7fffffff }), (f, sequence) => {
    const read = new smpp.PDU(encodeSubmitSm(sequence, f));
    assert.equal(read.command, 'submit_sm');
    assert.equal(read.sequence_number, sequence);
    assert.equal(read.command_status, 0);
    for (const [name, value] of Object.entries(f)) {
      // The library reads an SMPP time as a Date: the moment the text names.
      const expected = name === 'validity_period' && value !== '' ? smpp.filters.time.decode.call(read, value as string) : value;
      assert.deepEqual(read[name], expected, name);
    }
  }), { numRuns: 500 });
});

test('submit_sm: a short_message too long for its one-octet length is refused, not cut', () => {
  const f = fc.sample(fields, 1)[0]!;
  assert.throws(() => encodeSubmitSm(1, { ...f, short_message: Buffer.alloc(256) }), RangeError);
  assert.equal(encodeSubmitSm(1, { ...f, short_message: Buffer.alloc(255, 0x41) }).at(-1), 0x41, '255 octets still fit');
});
