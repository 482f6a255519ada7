/**
 * The PDUs Parley reads itself (src/channels/smpp/framing.ts, deliver-sm.ts, submit-sm.ts) read as
 * the `smpp` library reads the same bytes: the same fields and values, the same prototype, and an
 * error where the library throws. Random deliver_sm and submit_sm_resp with random TLVs (known,
 * repeatable, filtered and unknown tags), then the same bytes corrupted and cut short; and the
 * framing of a stream cut anywhere. The wire behaviour is covered by the other SMPP tests, which
 * receive every PDU through this reader.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { smpp, type PDU } from '../../../src/channels/smpp/library.js';
import { PduFramer, readPdu, UnreadablePdu } from '../../../src/channels/smpp/framing.js';
import { encodeDeliverSmResp } from '../../../src/channels/smpp/deliver-sm.js';

const octet = fc.integer({ min: 0, max: 255 });
const cString = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
// Empty, or an absolute time (a relative one, ending in R, reads as now plus its offset).
const smppTime = fc.oneof(fc.constant(''), fc.date({ min: new Date('2001-01-01'), max: new Date('2098-12-31'), noInvalidDate: true })
  .map((d) => `${d.toISOString().replace(/\D/g, '').slice(2, 14)}000+`));

const deliverSmFields = fc.record({
  service_type: cString(5), source_addr_ton: octet, source_addr_npi: octet, source_addr: cString(20),
  dest_addr_ton: octet, dest_addr_npi: octet, destination_addr: cString(20), esm_class: octet, protocol_id: octet, priority_flag: octet,
  schedule_delivery_time: smppTime, validity_period: smppTime, registered_delivery: octet, replace_if_present_flag: octet,
  data_coding: octet, sm_default_msg_id: octet, short_message: fc.uint8Array({ maxLength: 254 }).map((a) => Buffer.from(a)),
});

// Receipt and SAR tags, the payload, the repeatable and filtered callback_num tags, and tags the library does not know.
const TLV_IDS = [0x001e, 0x0427, 0x0423, 0x020c, 0x020e, 0x020f, 0x0424, 0x0381, 0x0302, 0x0303, 0x1403, 0x5000, 0xffff];
const tlv = fc.record({ id: fc.constantFrom(...TLV_IDS), value: fc.uint8Array({ maxLength: 24 }) }).map(({ id, value }) => {
  const bytes = Buffer.alloc(4 + value.length);
  bytes.writeUInt16BE(id, 0);
  bytes.writeUInt16BE(value.length, 2);
  Buffer.from(value).copy(bytes, 4);
  return bytes;
});

/** A PDU's bytes with `tail` appended and its command_length set to the whole. */
function withTail(pdu: Buffer, tail: Buffer[]): Buffer {
  const whole = Buffer.concat([pdu, ...tail]);
  whole.writeUInt32BE(whole.length, 0);
  return whole;
}

const deliverSm = fc.tuple(deliverSmFields, fc.integer({ min: 1, max: 0x7fffffff }), fc.array(tlv, { maxLength: 4 }))
  .map(([fields, sequence, tlvs]) => withTail(new smpp.PDU('deliver_sm', { ...fields, sequence_number: sequence }).toBuffer(), tlvs));

const submitSmResp = fc.tuple(fc.integer({ min: 1, max: 0x7fffffff }), fc.constantFrom(0, 0x58, 0x14), fc.option(cString(64)), fc.array(tlv, { maxLength: 2 }))
  .map(([sequence, status, id, tlvs]) => {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x80000004, 4);
    header.writeUInt32BE(status, 8);
    header.writeUInt32BE(sequence, 12);
    return withTail(header, id === null ? [] : [Buffer.from(`${id}\0`, 'latin1'), ...tlvs]);
  });

/** The same bytes with some octets changed after the header, or cut short (command_length follows). */
const damaged = (pdus: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> => fc.tuple(pdus, fc.array(fc.tuple(fc.nat(), octet), { minLength: 1, maxLength: 6 }), fc.option(fc.nat()))
  .map(([pdu, changes, cut]) => {
    const bytes = Buffer.from(pdu);
    for (const [at, value] of changes) if (bytes.length > 16) bytes[16 + (at % (bytes.length - 16))] = value;
    return withTail(cut === null ? bytes : bytes.subarray(0, 16 + (cut % (bytes.length - 15))), []);
  });

type Outcome = { pdu: PDU } | { error: true };

function outcome(read: () => PDU): Outcome {
  try {
    return { pdu: read() };
  } catch {
    return { error: true };
  }
}

/** Equal reads: same prototype, keys and values (a time read relative to now may differ by the moment between the two reads). */
function assertSameRead(ours: Outcome, library: Outcome): void {
  if ('error' in library || 'error' in ours) {
    assert.deepEqual('error' in ours, 'error' in library, 'both read it or both refuse it');
    return;
  }
  assert.equal(Object.getPrototypeOf(ours.pdu), Object.getPrototypeOf(library.pdu));
  assert.deepEqual(Object.keys(ours.pdu).sort(), Object.keys(library.pdu).sort());
  for (const key of Object.keys(library.pdu)) {
    const a: unknown = ours.pdu[key];
    const b: unknown = library.pdu[key];
    if (a instanceof Date && b instanceof Date) {
      // Invalid dates are equal here (assert's deep equality compares their times, NaN, with !==).
      if (Number.isNaN(b.getTime())) assert.ok(Number.isNaN(a.getTime()), key);
      else assert.ok(Math.abs(a.getTime() - b.getTime()) < 1000, key);
    } else {
      assert.deepStrictEqual(a, b, key);
    }
  }
}

const compare = (frame: Buffer): void => assertSameRead(outcome(() => readPdu(frame)), outcome(() => new smpp.PDU(frame)));

test('deliver_sm: read as the library reads it, with any fields and TLVs', () => {
  fc.assert(fc.property(deliverSm, compare), { numRuns: 2000 });
});

test('submit_sm_resp: read as the library reads it, with or without a body and TLVs', () => {
  fc.assert(fc.property(submitSmResp, compare), { numRuns: 1000 });
});

test('damaged or cut short, both PDUs still read as the library reads them, or are refused where it throws', () => {
  fc.assert(fc.property(damaged(deliverSm), compare), { numRuns: 3000 });
  fc.assert(fc.property(damaged(submitSmResp), compare), { numRuns: 1000 });
});

test('a receipt and a submit_sm_resp are read directly; any other command by the library', () => {
  const receipt = new smpp.PDU('deliver_sm', {
    sequence_number: 9, esm_class: 4, short_message: Buffer.from('id:ab12 sub:001 dlvrd:001 submit date:2612061530 done date:2612061530 stat:DELIVRD err:000 text:'),
    receipted_message_id: 'ab12', message_state: 2,
  }).toBuffer();
  const answer = new smpp.PDU('submit_sm_resp', { sequence_number: 10, message_id: 'ab12' }).toBuffer();
  const original = smpp.PDU.prototype.fromBuffer;
  smpp.PDU.prototype.fromBuffer = () => { throw new Error('the library read it'); };
  try {
    const read = readPdu(receipt);
    assert.deepEqual([read.command, read.sequence_number, read.receipted_message_id, read.message_state, read.esm_class], ['deliver_sm', 9, 'ab12', 2, 4]);
    assert.deepEqual([readPdu(answer).command, readPdu(answer).message_id], ['submit_sm_resp', 'ab12']);
    assert.throws(() => readPdu(new smpp.PDU('enquire_link', { sequence_number: 5 }).toBuffer()), /the library read it/);
  } finally {
    smpp.PDU.prototype.fromBuffer = original;
  }
});

test('deliver_sm_resp: the bytes the library writes, accepted or refused', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.constantFrom(0, 0x08, 0x14, 0x58, 0x64), (sequence, status) => {
    const request = new smpp.PDU('deliver_sm', { sequence_number: sequence });
    assert.deepEqual(encodeDeliverSmResp(sequence, status), request.response(status === 0 ? {} : { command_status: status }).toBuffer());
  }), { numRuns: 500 });
});

test('a stream cut anywhere gives the same PDUs, in order, as reading each whole', () => {
  const readable = (frame: Buffer): boolean => 'pdu' in outcome(() => new smpp.PDU(frame)); // an int TLV of no octets at the end is not
  const frames = fc.array(fc.oneof(deliverSm, submitSmResp, fc.constant(new smpp.PDU('enquire_link', { sequence_number: 5 }).toBuffer())).filter(readable), { minLength: 1, maxLength: 8 });
  fc.assert(fc.property(frames, fc.array(fc.nat(), { maxLength: 10 }), (pdus, cuts) => {
    const stream = Buffer.concat(pdus);
    const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
    const received: PDU[] = [];
    const framer = new PduFramer((pdu) => received.push(pdu));
    let from = 0;
    for (const point of [...points, stream.length]) {
      framer.push(stream.subarray(from, point));
      from = point;
    }
    assert.equal(received.length, pdus.length);
    received.forEach((pdu, i) => assertSameRead({ pdu }, { pdu: new smpp.PDU(pdus[i]!) }));
  }), { numRuns: 500 });
});

test('a length the library would refuse, or one shorter than a header, is unreadable: the session cannot find the next PDU', () => {
  for (const length of [smpp.PDU.maxLength + 1, 1_000_000, 15, 0]) {
    const bytes = Buffer.alloc(16);
    bytes.writeUInt32BE(length, 0);
    const framer = new PduFramer(() => assert.fail('nothing is read'));
    assert.throws(() => framer.push(bytes), (error: unknown) => error instanceof UnreadablePdu && /PDU length was too (large|small)/.test(error.message), String(length));
  }
  const framer = new PduFramer(() => undefined);
  assert.doesNotThrow(() => framer.push(Buffer.from([0, 0, 0])), 'three octets wait for the fourth');
});
