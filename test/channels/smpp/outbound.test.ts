/**
 * Outbound over SMPP, through the REST API and an SMSC double: the submit_sm fields (addresses,
 * TON/NPI, data_coding, registered_delivery), GSM-7 with escapes, UCS-2 with surrogate pairs, long
 * messages split as Twilio counts them (UDH with one reference per message, SAR TLVs, or one
 * message_payload), `sent` once every part is accepted, and the parts route
 * (GET /parley/messages/{Sid}/parts) with the SMSC's ids and states.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SmscDouble, submitFields, type SubmitRecord } from '../../helpers/smsc-double.js';
import { decodeGsm7 } from '../../../src/channels/smpp/gsm7.js';
import { HANDSET, startSmppParley, watchPartReads, withSmppParley, type SmppParley } from './fixtures.js';

interface PartsJson {
  message_sid: string; status: string; num_segments: string; channel: string | null;
  parts: Array<{ index: number; total: number; smsc_message_id: string; state: string; error_code: number | null; date_done: string | null }>;
}

const ucs2 = (bytes: Buffer): string => Buffer.from(bytes).swap16().toString('utf16le');
const bytes = (value: unknown): Buffer => {
  assert.ok(Buffer.isBuffer(value), 'a Buffer');
  return value;
};

/** The submits of one message, by its destination and order (each test texts its own handset). */
const submitsTo = (double: SmscDouble, handset: string): SubmitRecord[] => double.submits.filter((s) => s.pdu.destination_addr === handset.slice(1));

describe('a REST message over SMPP (long-messages: udh)', () => {
  let double: SmscDouble;
  let parley: SmppParley;
  let handsets = 0;
  const nextHandset = (): string => `+1555200${String(++handsets).padStart(4, '0')}`;
  before(async () => {
    double = await SmscDouble.start();
    parley = await startSmppParley(double);
  });
  after(async () => {
    await parley.stop();
    await double.close();
  });

  test('one submit_sm with E.164 digits, TON 1 NPI 1, GSM-7 and a final receipt asked; sent, then delivered by a text receipt', async () => {
    const created = await parley.create('Hello @ home', { To: HANDSET });
    await parley.status(created.sid, ['sent']);
    const [submit] = submitsTo(double, HANDSET);
    assert.deepEqual(submitFields(submit!.pdu), {
      source_addr: '15550001111', source_addr_ton: 1, source_addr_npi: 1, destination_addr: '15551230001', dest_addr_ton: 1, dest_addr_npi: 1,
      esm_class: 0, data_coding: 0, registered_delivery: 1,
    });
    assert.equal(submit!.pdu.service_type, '', 'no service_type unless the channel sets one');
    assert.deepEqual(submit!.pdu.short_message, Buffer.from([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x00, 0x20, 0x68, 0x6f, 0x6d, 0x65]));
    const resp = await double.receipt({ messageId: submit!.messageId, form: 'text' });
    assert.equal(resp.command_status, 0);
    const delivered = await parley.status(created.sid, ['delivered']);
    assert.equal(delivered.errorCode, null);
  });

  test('a REST message goes out without a read of its accepted parts: no channel can have had it (SendOptions.firstHandover)', async () => {
    const reads = watchPartReads(parley);
    try {
      const created = await parley.create('first hand-over', { To: nextHandset() });
      await parley.status(created.sid, ['sent']);
      assert.deepEqual(reads.read.filter((sid) => sid === created.sid), []);
    } finally {
      reads.restore();
    }
  });

  test('€[] travel as GSM-7 escape sequences (1B 65, 1B 3C, 1B 3E) in data_coding 0', async () => {
    const to = nextHandset();
    const created = await parley.create('€[]', { To: to });
    await parley.status(created.sid, ['sent']);
    const [submit] = submitsTo(double, to);
    assert.equal(submit!.pdu.data_coding, 0);
    assert.deepEqual(submit!.pdu.short_message, Buffer.from([0x1b, 0x65, 0x1b, 0x3c, 0x1b, 0x3e]));
  });

  test('text outside GSM-7 goes as UCS-2 (data_coding 8), an emoji as its surrogate pair', async () => {
    const to = nextHandset();
    const created = await parley.create('Hi 😀', { To: to });
    await parley.status(created.sid, ['sent']);
    const [submit] = submitsTo(double, to);
    assert.equal(submit!.pdu.data_coding, 8);
    assert.deepEqual(submit!.pdu.short_message, Buffer.from([0x00, 0x48, 0x00, 0x69, 0x00, 0x20, 0xd8, 0x3d, 0xde, 0x00]));
  });

  test('a long GSM-7 text goes in NumSegments parts of at most 153 septets, each with the same UDH reference; sent once all are accepted, delivered once every part is', async () => {
    const to = nextHandset();
    const body = Array.from({ length: 40 }, (_, i) => `word${i}{}`).join(' '); // escapes near the part edges
    const held: SubmitRecord[] = [];
    double.onSubmit = (s) => (s.pdu.destination_addr === to.slice(1) && held.length < 1 ? (held.push(s), { hold: true }) : {});
    const created = await parley.create(body, { To: to });
    await double.until(() => submitsTo(double, to).length === Number(created.num_segments), 'every part submitted');
    assert.equal((await parley.store.messages.get(parley.account.sid, created.sid))!.status, 'queued', 'not sent while a part waits for its response');
    held[0]!.answer();
    await parley.status(created.sid, ['sent']);
    double.onSubmit = () => ({});
    const parts = submitsTo(double, to);
    assert.ok(parts.length >= 3);
    const references = new Set<number>();
    let text = '';
    parts.forEach((p, i) => {
      const sm = bytes(p.pdu.short_message);
      assert.equal(p.pdu.esm_class, 0x40, 'UDHI set');
      assert.deepEqual([...sm.subarray(0, 3), sm[4], sm[5]], [0x05, 0x00, 0x03, parts.length, i + 1]);
      references.add(sm[3]!);
      const septets = sm.subarray(6);
      assert.ok(septets.length <= 153, `part ${i + 1}: ${septets.length} septets`);
      assert.notEqual(septets[septets.length - 1], 0x1b, 'no part ends inside an escape');
      text += decodeGsm7(septets);
    });
    assert.equal(references.size, 1, 'one reference per message');
    assert.equal(text, body);
    // Receipts for all but the last part: still sent; the last one delivers the message.
    for (const p of parts.slice(0, -1)) await double.receipt({ messageId: p.messageId, form: 'tlv' });
    assert.equal((await parley.store.messages.get(parley.account.sid, created.sid))!.status, 'sent');
    await double.receipt({ messageId: parts.at(-1)!.messageId, form: 'tlv' });
    await parley.status(created.sid, ['delivered']);

    const view = await parley.api<PartsJson>('GET', `/parley/messages/${created.sid}/parts`);
    assert.equal(view.status, 200);
    assert.equal(view.body.channel, 'carrier-a');
    assert.equal(view.body.num_segments, String(parts.length));
    assert.deepEqual(view.body.parts.map((p) => [p.index, p.total, p.smsc_message_id, p.state]), parts.map((p, i) => [i + 1, parts.length, p.messageId, 'delivered']));
  });

  test('a long UCS-2 text with emoji: parts of at most 67 UTF-16 units, no surrogate pair split, rejoining to the text', async () => {
    const to = nextHandset();
    const body = 'Ça va? 😀 '.repeat(25);
    const created = await parley.create(body, { To: to });
    await parley.status(created.sid, ['sent']);
    const parts = submitsTo(double, to);
    assert.equal(parts.length, Number(created.num_segments));
    let text = '';
    for (const p of parts) {
      assert.equal(p.pdu.data_coding, 8);
      const data = bytes(p.pdu.short_message).subarray(6);
      assert.ok(data.length <= 134 && data.length % 2 === 0);
      const last = data.readUInt16BE(data.length - 2);
      assert.ok(last < 0xd800 || last > 0xdbff, 'no part ends with a high surrogate');
      text += ucs2(data);
    }
    assert.equal(text, body);
  });

  test('one part undelivered makes the message undelivered with the mapped code; the parts route shows it', async () => {
    const to = nextHandset();
    const created = await parley.create('x'.repeat(200), { To: to });
    await parley.status(created.sid, ['sent']);
    const [first, second] = submitsTo(double, to);
    await double.receipt({ messageId: first!.messageId, form: 'text' });
    await double.receipt({ messageId: second!.messageId, form: 'text', stat: 'UNDELIV', err: '001' });
    const undelivered = await parley.status(created.sid, ['undelivered']);
    assert.equal(undelivered.errorCode, 30005, 'GSM MAP 1 (unknown subscriber)');
    const view = await parley.api<PartsJson>('GET', `/parley/messages/${created.sid}/parts`);
    assert.deepEqual(view.body.parts.map((p) => [p.state, p.error_code]), [['delivered', null], ['undelivered', 30005]]);
  });

  test('the parts route: 404 for a message of no account of the caller, an empty list for a simulator message', async () => {
    const missing = await parley.api('GET', '/parley/messages/SM00000000000000000000000000000000/parts');
    assert.equal(missing.status, 404);
    const junk = await parley.api('GET', '/parley/messages/nonsense/parts');
    assert.equal(junk.status, 404);
    await parley.createNumber('+15559990000', 'http://127.0.0.1:9/none');
    const simulated = await parley.api<{ sid: string }>('POST', `/2010-04-01/Accounts/${parley.account.sid}/Messages.json`, { From: '+15559990000', To: HANDSET, Body: 'via the simulator' });
    const view = await parley.api<PartsJson>('GET', `/parley/messages/${simulated.body.sid}/parts`);
    assert.equal(view.status, 200);
    assert.deepEqual([view.body.channel, view.body.parts], [null, []]);
  });
});

describe('data-coding 3 (Latin-1) and 1 (IA5)', () => {
  test('GSM-7 text goes in the configured charset; text it cannot hold goes as UCS-2 rather than altered', async () => {
    for (const [dataCoding, fits, bytes, other] of [[3, 'è voilà', Buffer.from('è voilà', 'latin1'), '€5'], [1, 'plain {ascii}', Buffer.from('plain {ascii}', 'latin1'), 'è']] as const) {
      const double = await SmscDouble.start();
      const parley = await startSmppParley(double, { 'data-coding': dataCoding });
      try {
        const a = await parley.create(fits);
        await parley.status(a.sid, ['sent']);
        const b = await parley.create(other, { To: '+15551239999' });
        await parley.status(b.sid, ['sent']);
        assert.deepEqual([double.submits[0]!.pdu.data_coding, double.submits[0]!.pdu.short_message], [dataCoding, bytes]);
        assert.deepEqual([double.submits[1]!.pdu.data_coding, double.submits[1]!.pdu.short_message], [8, Buffer.from(other, 'utf16le').swap16()]);
      } finally {
        await parley.stop();
        await double.close();
      }
    }
  });
});

describe('long-messages: sar and payload', () => {
  test('sar: no UDH; sar_msg_ref_num (one per message), sar_total_segments and sar_segment_seqnum', async () => {
    const double = await SmscDouble.start();
    const parley = await startSmppParley(double, { 'long-messages': 'sar' });
    try {
      const created = await parley.create('y'.repeat(320));
      await parley.status(created.sid, ['sent']);
      assert.equal(double.submits.length, 3);
      const refs = new Set(double.submits.map((s) => s.pdu.sar_msg_ref_num));
      assert.equal(refs.size, 1);
      assert.deepEqual(double.submits.map((s) => [s.pdu.esm_class, s.pdu.sar_total_segments, s.pdu.sar_segment_seqnum, bytes(s.pdu.short_message).length]), [[0, 3, 1, 153], [0, 3, 2, 153], [0, 3, 3, 14]]);
    } finally {
      await parley.stop();
      await double.close();
    }
  });

  test('payload: one submit_sm, the whole text in message_payload and an empty short_message; NumSegments as Twilio counts', async () => {
    const double = await SmscDouble.start();
    const parley = await startSmppParley(double, { 'long-messages': 'payload' });
    try {
      const created = await parley.create('z'.repeat(320));
      assert.equal(created.num_segments, '3');
      await parley.status(created.sid, ['sent']);
      assert.equal(double.submits.length, 1);
      const [submit] = double.submits;
      assert.equal(bytes(submit!.pdu.short_message).length, 0);
      assert.equal(bytes(submit!.pdu.message_payload).toString('latin1'), 'z'.repeat(320));
      const view = await parley.api<PartsJson>('GET', `/parley/messages/${created.sid}/parts`);
      assert.deepEqual(view.body.parts.map((p) => [p.index, p.total]), [[1, 1]]);
    } finally {
      await parley.stop();
      await double.close();
    }
  });
});

describe('the carrier\'s addressing rules: service-type, and TON/NPI forced', () => {
  test('service_type goes in every submit_sm; a forced TON or NPI replaces Parley\'s choice, `auto` keeps it; both encoders agree', async () => {
    await withSmppParley({ 'service-type': 'CMT', 'source-ton': 2, 'dest-npi': 9, 'long-messages': 'sar' }, async (parley, double) => {
      // One part (encoded by Parley: submit-sm.ts) and a message of three SAR parts (TLVs: the library encodes them).
      const short = await parley.create('short', { To: HANDSET });
      await parley.status(short.sid, ['sent']);
      const long = await parley.create('s'.repeat(320), { To: '+15552009999' });
      await parley.status(long.sid, ['sent']);
      assert.equal(double.submits.length, 4);
      for (const { pdu } of double.submits) {
        assert.equal(pdu.service_type, 'CMT');
        // source: TON forced to 2 (national), NPI as Parley chose (1 for E.164); destination: TON as chosen (1), NPI forced to 9.
        assert.deepEqual([pdu.source_addr, pdu.source_addr_ton, pdu.source_addr_npi, pdu.dest_addr_ton, pdu.dest_addr_npi], ['15550001111', 2, 1, 1, 9]);
      }
    });
  });
});

describe('priority and validity-period: what the carrier does with a part', () => {
  /** The moment a submit's validity_period names (the library reads SMPP times as Dates), in ms. */
  const validityOf = (record: SubmitRecord): number => {
    const value: unknown = record.pdu.validity_period;
    assert.ok(value instanceof Date, `validity_period ${String(value)} is an SMPP time`);
    return value.getTime();
  };
  const near = (actual: number, expected: number, what: string): void => {
    assert.ok(Math.abs(actual - expected) < 5_000, `${what}: ${new Date(actual).toISOString()}, expected about ${new Date(expected).toISOString()}`);
  };

  test('by default neither is set: priority_flag 0 and an empty validity_period (the SMSC\'s own)', async () => {
    await withSmppParley({}, async (parley, double) => {
      const created = await parley.create('plain', { To: HANDSET });
      await parley.status(created.sid, ['sent']);
      assert.deepEqual([double.submits[0]!.pdu.priority_flag, double.submits[0]!.pdu.validity_period], [0, '']);
    });
  });

  test('a duration: every part, through both encoders, is valid that long after its submit, at the priority set', async () => {
    await withSmppParley({ priority: 2, 'validity-period': '48h', 'long-messages': 'sar' }, async (parley, double) => {
      const short = await parley.create('short', { To: HANDSET });
      await parley.status(short.sid, ['sent']);
      const long = await parley.create('s'.repeat(320), { To: '+15552009998' });
      await parley.status(long.sid, ['sent']);
      assert.equal(double.submits.length, 4, 'one part, then three SAR parts');
      for (const submit of double.submits) {
        assert.equal(submit.pdu.priority_flag, 2);
        near(validityOf(submit), Date.now() + 48 * 3_600_000, 'validity_period');
      }
    });
  });

  test('message: the end of the message\'s own ValidityPeriod goes to the SMSC, the default 10 hours for one without', async () => {
    await withSmppParley({ 'validity-period': 'message' }, async (parley, double) => {
      const urgent = await parley.create('Your code is 123456', { To: HANDSET, ValidityPeriod: '600' });
      await parley.status(urgent.sid, ['sent']);
      const plain = await parley.create('no hurry', { To: '+15552009997' });
      await parley.status(plain.sid, ['sent']);
      const [first, second] = double.submits;
      near(validityOf(first!), Date.now() + 600_000, 'ValidityPeriod=600');
      near(validityOf(second!), Date.now() + 36_000_000, 'Twilio\'s default of 36000 seconds');
    });
  });
});

describe('receipts: what registered_delivery asks the carrier for', () => {
  test('failures: registered_delivery 2; a delivered message stays sent (the SMSC sends no receipt), an UNDELIV receipt still ends one undelivered', async () => {
    // The double sends DELIVRD receipts only to submits that ask for every final outcome, as an SMSC would.
    await withSmppParley({ receipts: 'failures' }, async (parley, double) => {
      const quiet = await parley.create('delivered, quietly', { To: HANDSET });
      await parley.status(quiet.sid, ['sent']);
      const failing = await parley.create('to a phone that is gone', { To: '+15552009996' });
      await parley.status(failing.sid, ['sent']);
      assert.deepEqual(double.submits.map((s) => s.pdu.registered_delivery), [2, 2]);
      await double.receipt({ messageId: double.submits[1]!.messageId, form: 'text', stat: 'UNDELIV', err: '001' });
      await parley.status(failing.sid, ['undelivered']);
      assert.equal((await parley.store.messages.get(parley.account.sid, quiet.sid))!.status, 'sent', 'no receipt came, so sent is the last word');
    }, { autoReceipt: 'text' });
  });

  test('none: registered_delivery 0, and the message is sent', async () => {
    await withSmppParley({ receipts: 'none' }, async (parley, double) => {
      const created = await parley.create('no receipt wanted', { To: HANDSET });
      await parley.status(created.sid, ['sent']);
      assert.equal(double.submits[0]!.pdu.registered_delivery, 0);
    }, { autoReceipt: 'text' });
  });
});
