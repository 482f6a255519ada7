/**
 * Messages from handsets over SMPP (deliver_sm from an SMSC double) into webhook turns: the
 * webhook sees E.164 From/To and the exact text for every data_coding (GSM-7 with the extension
 * table, IA5, Latin-1, UCS-2 with surrogate pairs); deliver_sm_resp comes after the commit; the
 * TwiML reply goes back as submit_sm; concatenated messages (UDH 8- and 16-bit references, SAR
 * TLVs, message_payload) make one message and one turn whatever the arrival order; a message
 * whose parts do not all come is stored after `reassembly-timeout` with what came and 30009; a
 * destination no account has is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SmscDouble } from '../../helpers/smsc-double.js';
import { escapeXml, startApp, twiml, type TestApp } from '../../helpers/apps.js';
import { concatenationUdh16, concatenationUdh8 } from '../../../src/channels/smpp/udh.js';
import { encodeGsm7 } from '../../../src/channels/smpp/gsm7.js';
import type { MessageRecord } from '../../../src/stores/records.js';
import { startSmppParley, watchPartReads, type SmppParley } from './fixtures.js';

const PARLEY = '15550001111';
const ucs2 = (text: string): Buffer => Buffer.from(text, 'utf16le').swap16();

describe('messages from handsets over SMPP', () => {
  let double: SmscDouble;
  let parley: SmppParley;
  let app: TestApp;
  let handsets = 0;
  const nextHandset = (): string => `1555400${String(++handsets).padStart(4, '0')}`;

  before(async () => {
    app = await startApp((req, res) => twiml(res, `<Response><Message>echo: ${escapeXml(req.params.get('Body') ?? '')}</Message></Response>`));
    double = await SmscDouble.start();
    parley = await startSmppParley(double, { 'reassembly-timeout': '600ms' }, {}, app.url);
  });
  after(async () => {
    await parley.stop();
    await double.close();
    await app.close();
  });

  /** The inbound message from `handset`, once its turn is done (the webhook was called). */
  async function inboundFrom(handset: string): Promise<MessageRecord> {
    const find = async (): Promise<MessageRecord | undefined> => (await parley.store.messages.list(parley.account.sid, { from: `+${handset}` }, { pageSize: 5 })).find((m) => m.direction === 'inbound');
    const found = await find();
    if (found && app.requests.some((r) => r.params.get('From') === `+${handset}`)) return found;
    await parley.gateway.events.waitFor((e) => e.type === 'turn' && e.messageSid !== undefined && app.requests.some((r) => r.params.get('From') === `+${handset}`), 10_000);
    return (await find())!;
  }

  test('a GSM-7 text becomes an inbound message (answered after it is stored), the webhook sees E.164 numbers, and the reply goes back as submit_sm', async () => {
    const handset = nextHandset();
    const resp = await double.deliver({ from: handset, to: PARLEY, shortMessage: encodeGsm7('Hi @ £5 {x}') });
    assert.equal(resp.command_status, 0);
    const stored = await parley.store.messages.list(parley.account.sid, { from: `+${handset}` }, { pageSize: 5 });
    assert.equal(stored.length, 1, 'stored before deliver_sm_resp');
    const message = await inboundFrom(handset);
    assert.deepEqual([message.from, message.to, message.body, message.numSegments], [`+${handset}`, `+${PARLEY}`, 'Hi @ £5 {x}', 1]);
    const request = app.requests.find((r) => r.params.get('From') === `+${handset}`)!;
    assert.deepEqual([request.params.get('To'), request.params.get('Body')], [`+${PARLEY}`, 'Hi @ £5 {x}']);
    await double.until(() => double.submits.some((s) => s.pdu.destination_addr === handset), 'the reply');
    const reply = double.submits.find((s) => s.pdu.destination_addr === handset)!;
    assert.deepEqual([reply.pdu.source_addr, reply.pdu.dest_addr_ton, reply.pdu.data_coding], [PARLEY, 1, 0]);
    assert.deepEqual(reply.pdu.short_message, encodeGsm7('echo: Hi @ £5 {x}'));
  });

  test("a turn's reply goes out without a read of its accepted parts: no channel can have had it (SendOptions.firstHandover)", async () => {
    const reads = watchPartReads(parley);
    try {
      const handset = nextHandset();
      await double.deliver({ from: handset, to: PARLEY, shortMessage: encodeGsm7('first hand-over') });
      await double.until(() => double.submits.some((s) => s.pdu.destination_addr === handset), 'the reply');
      const [reply] = (await parley.store.messages.list(parley.account.sid, { to: `+${handset}` }, { pageSize: 5 })).filter((m) => m.direction === 'outbound-reply');
      await parley.status(reply!.sid, ['sent']);
      assert.deepEqual(reads.read.filter((sid) => sid === reply!.sid), []);
    } finally {
      reads.restore();
    }
  });

  const decodings: Array<[string, number, Buffer, string]> = [
    ['GSM-7 extension table', 0, Buffer.from([0x1b, 0x65, 0x20, 0x1b, 0x3c, 0x1b, 0x3e, 0x20, 0x1b, 0x14, 0x1b, 0x2f]), '€ [] ^\\'],
    ['IA5', 1, Buffer.from('plain ASCII ~', 'latin1'), 'plain ASCII ~'],
    ['Latin-1', 3, Buffer.from('garçon à côté', 'latin1'), 'garçon à côté'],
    ['UCS-2 with a surrogate pair', 8, ucs2('Привет 😀!'), 'Привет 😀!'],
  ];
  for (const [name, dataCoding, bytes, text] of decodings) {
    test(`data_coding ${dataCoding} (${name}) decodes exactly`, async () => {
      const handset = nextHandset();
      await double.deliver({ from: handset, to: PARLEY, dataCoding, shortMessage: bytes });
      assert.equal((await inboundFrom(handset)).body, text);
    });
  }

  test('a destination in national digits with TON 0 still finds the +number; one no account has is refused with ESME_RINVDSTADR', async () => {
    const handset = nextHandset();
    const ok = await double.deliver({ from: handset, to: PARLEY, toTon: 0, shortMessage: encodeGsm7('ton zero') });
    assert.equal(ok.command_status, 0);
    assert.equal((await inboundFrom(handset)).to, `+${PARLEY}`);
    const refused = await double.deliver({ from: handset, to: '15559876543', shortMessage: encodeGsm7('nobody') });
    assert.equal(refused.command_status, 0x0b);
  });

  test('UDH parts (8-bit reference) arriving 3, 1, 2 make one message and one webhook turn; a duplicate part changes nothing', async () => {
    const handset = nextHandset();
    const texts = ['a'.repeat(153), 'b'.repeat(153), 'the end'];
    const part = (seq: number): Buffer => Buffer.concat([concatenationUdh8(0x42, 3, seq), encodeGsm7(texts[seq - 1]!)]);
    for (const seq of [3, 1, 1, 2]) {
      const resp = await double.deliver({ from: handset, to: PARLEY, esmClass: 0x40, shortMessage: part(seq) });
      assert.equal(resp.command_status, 0);
    }
    const message = await inboundFrom(handset);
    assert.deepEqual([message.body, message.numSegments, message.errorCode], [texts.join(''), 3, null]);
    assert.equal(app.requests.filter((r) => r.params.get('From') === `+${handset}`).length, 1, 'one turn');
    assert.equal(app.requests.find((r) => r.params.get('From') === `+${handset}`)!.params.get('NumSegments'), '3');
  });

  test('UDH parts with a 16-bit reference, in UCS-2 with an emoji split between parts, rejoin exactly', async () => {
    const handset = nextHandset();
    const whole = ucs2(`${'x'.repeat(66)}😀 done`);
    const first = whole.subarray(0, 134); // ends with the emoji's high surrogate
    const second = whole.subarray(134);
    await double.deliver({ from: handset, to: PARLEY, esmClass: 0x40, dataCoding: 8, shortMessage: Buffer.concat([concatenationUdh16(0x1234, 2, 2), second]) });
    await double.deliver({ from: handset, to: PARLEY, esmClass: 0x40, dataCoding: 8, shortMessage: Buffer.concat([concatenationUdh16(0x1234, 2, 1), first]) });
    assert.equal((await inboundFrom(handset)).body, `${'x'.repeat(66)}😀 done`);
  });

  test('SAR parts (sar_msg_ref_num, sar_total_segments, sar_segment_seqnum) out of order', async () => {
    const handset = nextHandset();
    const sar = (seq: number): Record<string, number> => ({ sar_msg_ref_num: 777, sar_total_segments: 2, sar_segment_seqnum: seq });
    await double.deliver({ from: handset, to: PARLEY, shortMessage: encodeGsm7(' world'), tlvs: sar(2) });
    await double.deliver({ from: handset, to: PARLEY, shortMessage: encodeGsm7('hello'), tlvs: sar(1) });
    assert.equal((await inboundFrom(handset)).body, 'hello world');
  });

  test('a whole long text in message_payload', async () => {
    const handset = nextHandset();
    await double.deliver({ from: handset, to: PARLEY, shortMessage: Buffer.alloc(0), tlvs: { message_payload: encodeGsm7('p'.repeat(300)) } });
    assert.equal((await inboundFrom(handset)).body, 'p'.repeat(300));
  });

  test('parts that never all arrive: after reassembly-timeout the message is stored with what came and 30009, its turn runs, and the error log says so', async () => {
    const handset = nextHandset();
    await double.deliver({ from: handset, to: PARLEY, esmClass: 0x40, shortMessage: Buffer.concat([concatenationUdh8(9, 3, 1), encodeGsm7('first ')]) });
    await double.deliver({ from: handset, to: PARLEY, esmClass: 0x40, shortMessage: Buffer.concat([concatenationUdh8(9, 3, 3), encodeGsm7('third')]) });
    const message = await inboundFrom(handset);
    assert.deepEqual([message.body, message.errorCode, message.numSegments], ['first third', 30009, 2]);
    const alerts = await parley.store.alerts.list(parley.account.sid, { pageSize: 20 });
    assert.ok(alerts.some((a) => a.errorCode === 30009 && a.resourceSid === message.sid), 'an alert for the missing segment');
  });
});
