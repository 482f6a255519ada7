/**
 * Delivery receipts over SMPP: matched by the receipted_message_id TLV (with message_state) or, when
 * the TLVs are absent, by the `id:… stat:… err:…` text, with ids in hex or decimal per `receipt-id`;
 * receipts that come before their part is recorded; failure states mapped to Twilio codes (and the
 * `error-codes` overrides); status callbacks fire as for any message; receipts that match nothing,
 * cannot be read or are not final are answered ESME_ROK and change nothing.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { SmscDouble, type SmscOptions, type SubmitRecord } from '../../helpers/smsc-double.js';
import { startApp } from '../../helpers/apps.js';
import { carrierOf, startSmppParley, type SmppParley } from './fixtures.js';
import { ManualClock } from '../../../src/clock/clock.js';
import { UNMATCHED_RECEIPT_KEEP_MS } from '../../../src/gateway/gateway.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(extra: Record<string, unknown> = {}, options: SmscOptions = {}): Promise<{ double: SmscDouble; parley: SmppParley }> {
  const double = await SmscDouble.start(options);
  cleanup.push(() => double.close());
  const parley = await startSmppParley(double, extra);
  cleanup.push(() => parley.stop());
  return { double, parley };
}

const handset = (i: number): string => `+1555500${String(i).padStart(4, '0')}`;

/** Creates a message and waits until the SMSC accepted it; resolves with its SID and the SMSC's id. */
async function sent(parley: SmppParley, double: SmscDouble, body: string, to = handset(1)): Promise<{ sid: string; messageId: string }> {
  const { sid } = await parley.create(body, { To: to });
  await parley.status(sid, ['sent']);
  const submit = double.submits.findLast((s) => String(s.pdu.short_message) === body);
  return { sid, messageId: submit!.messageId };
}

test('TLV form (receipted_message_id + message_state, no text) delivers; both forms together too', async () => {
  const { double, parley } = await setUp();
  const a = await sent(parley, double, 'tlv');
  assert.equal((await double.receipt({ messageId: a.messageId, form: 'tlv' })).command_status, 0);
  await parley.status(a.sid, ['delivered']);
  const b = await sent(parley, double, 'both');
  await double.receipt({ messageId: b.messageId, form: 'both' });
  await parley.status(b.sid, ['delivered']);
});

test('receipt-id decimal: the resp id is hex and the receipt text writes it in decimal, zero-padded', async () => {
  const { double, parley } = await setUp({ 'receipt-id': 'decimal' }, { messageIds: 'hex' });
  const m = await sent(parley, double, 'hex resp');
  const decimal = BigInt(`0x${m.messageId}`).toString(10).padStart(10, '0');
  await double.receipt({ messageId: m.messageId, textId: decimal, form: 'text' });
  await parley.status(m.sid, ['delivered']);
});

test('receipt-id hex: the resp id is decimal and the receipt text writes it in lower-case hex', async () => {
  const { double, parley } = await setUp({ 'receipt-id': 'hex' }, { messageIds: 'decimal' });
  const m = await sent(parley, double, 'decimal resp');
  await double.receipt({ messageId: m.messageId, textId: BigInt(m.messageId).toString(16).toLowerCase(), form: 'text' });
  await parley.status(m.sid, ['delivered']);
});

test('with receipt-id as-is a differently written id matches nothing: answered, counted, the message stays sent', async () => {
  const { double, parley } = await setUp({}, { messageIds: 'hex' });
  const m = await sent(parley, double, 'as-is');
  const before = parley.gateway.unmatchedReceipts;
  const resp = await double.receipt({ messageId: m.messageId, textId: BigInt(`0x${m.messageId}`).toString(10), form: 'text' });
  assert.equal(resp.command_status, 0);
  assert.equal(parley.gateway.unmatchedReceipts, before + 1);
  assert.equal((await parley.store.messages.get(parley.account.sid, m.sid))!.status, 'sent');
});

test('receipts that matched nothing are kept an hour for a part recorded late, then dropped by the sweep', async () => {
  const clock = new ManualClock();
  const double = await SmscDouble.start();
  cleanup.push(() => double.close());
  const parley = await startSmppParley(double, {}, { clock });
  cleanup.push(() => parley.stop());
  await double.receipt({ messageId: 'NO-SUCH-ID', form: 'tlv' });
  assert.equal((await parley.gateway.sweep()).receipts, 0, 'kept within the hour');
  clock.advance(UNMATCHED_RECEIPT_KEEP_MS + 1000);
  assert.equal((await parley.gateway.sweep()).receipts, 1);
});

test('a receipt right behind its submit_sm_resp (in the same read) finds its part: applied, never counted as unmatched', async () => {
  const { parley } = await setUp({}, { autoReceipt: 'text' });
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await parley.create(`fast ${i}`, { To: handset(100 + i) })).sid);
  for (const sid of ids) await parley.status(sid, ['delivered']);
  // The resp's part is recorded before the receipt behind it is applied, so a routine race of a
  // fast SMSC neither logs a warning nor moves parley_receipts_unmatched_total.
  assert.equal(parley.gateway.unmatchedReceipts, 0);
  // However early the receipt came, each message went through `sent` first, as on Twilio.
  for (const sid of ids) {
    const history = await parley.store.messages.statusHistory(parley.account.sid, sid);
    assert.deepEqual(history?.map((h) => h.status), ['queued', 'sent', 'delivered'], sid);
  }
});

test('a receipt that comes before its submit_sm_resp is kept, counted, and applied once the part is recorded', async () => {
  const { double, parley } = await setUp();
  const held: SubmitRecord[] = [];
  double.onSubmit = (s) => {
    held.push(s);
    return { hold: true };
  };
  const { sid } = await parley.create('receipt first', { To: handset(300) });
  await double.until(() => held.length === 1, 'the submit_sm');
  const submit = held[0]!;
  assert.equal((await double.receipt({ messageId: submit.messageId, form: 'tlv' })).command_status, 0);
  assert.equal(parley.gateway.unmatchedReceipts, 1, 'no part had that id when it came');
  assert.equal((await parley.store.messages.get(parley.account.sid, sid))!.status, 'queued');
  submit.answer();
  await parley.status(sid, ['delivered']);
  const history = await parley.store.messages.statusHistory(parley.account.sid, sid);
  assert.deepEqual(history?.map((h) => h.status), ['queued', 'sent', 'delivered']);
});

test('with receipts right behind each submit_sm_resp, status callbacks still say sent, then delivered', { timeout: 20_000 }, async () => {
  const { parley } = await setUp({}, { autoReceipt: 'tlv' });
  let allCame!: () => void;
  const all = new Promise<void>((resolve) => { allCame = resolve; });
  const callbacks = await startApp((_req, res) => {
    res.end();
    if (callbacks.requests.length >= 10) allCame();
  });
  cleanup.push(() => callbacks.close());
  const sids: string[] = [];
  for (let i = 0; i < 5; i++) sids.push((await parley.create(`callback ${i}`, { To: handset(400 + i), StatusCallback: callbacks.url })).sid);
  for (const sid of sids) await parley.status(sid, ['delivered']);
  await all;
  for (const sid of sids) {
    const statuses = callbacks.requests.filter((r) => r.params.get('MessageSid') === sid).map((r) => r.params.get('MessageStatus'));
    assert.deepEqual(statuses, ['sent', 'delivered'], sid);
  }
});

test('failure states: UNDELIV err:027 → 30003, REJECTD → 30007, EXPIRED → 30003, a GSM network_error_code 1 → 30005; an override wins', async () => {
  const { double, parley } = await setUp({ 'error-codes': { 'receipt-error': { 99: 30006 } } });
  const cases: Array<[Parameters<SmscDouble['receipt']>[0], number]> = [
    [{ messageId: '', form: 'text', stat: 'UNDELIV', err: '027' }, 30003],
    [{ messageId: '', form: 'text', stat: 'REJECTD' }, 30007],
    [{ messageId: '', form: 'tlv', stat: 'EXPIRED' }, 30003],
    [{ messageId: '', form: 'tlv', stat: 'UNDELIV', networkErrorCode: Buffer.from([3, 0, 1]) }, 30005],
    [{ messageId: '', form: 'text', stat: 'UNDELIV', err: '099' }, 30006],
  ];
  let i = 0;
  for (const [spec, code] of cases) {
    const m = await sent(parley, double, `failing ${++i}`, handset(200 + i));
    await double.receipt({ ...spec, messageId: m.messageId });
    const done = await parley.status(m.sid, ['undelivered']);
    assert.equal(done.errorCode, code, `case ${i}`);
  }
});

test('not final (ENROUTE, ACCEPTD) changes nothing; a later DELIVRD does', async () => {
  const { double, parley } = await setUp();
  const m = await sent(parley, double, 'en route');
  await double.receipt({ messageId: m.messageId, form: 'text', stat: 'ENROUTE' });
  await double.receipt({ messageId: m.messageId, form: 'tlv', stat: 'ACCEPTD' });
  assert.equal((await parley.store.messages.get(parley.account.sid, m.sid))!.status, 'sent');
  await double.receipt({ messageId: m.messageId, form: 'text' });
  await parley.status(m.sid, ['delivered']);
});

test('an unreadable receipt (no id, no state) and an ASCII receipt labelled UCS-2 are answered ESME_ROK; the latter still matches', async () => {
  const { double, parley } = await setUp();
  const unreadable = await double.deliver({ from: '15551230001', to: '15550001111', esmClass: 0x04, shortMessage: Buffer.from('garbage') });
  assert.equal(unreadable.command_status, 0);
  assert.equal(carrierOf(parley).unreadableReceipts, 1);
  const m = await sent(parley, double, 'mislabelled');
  const text = Buffer.from(`id:${m.messageId} sub:001 dlvrd:001 submit date:2412051200 done date:2412051201 stat:DELIVRD err:000 text:`, 'latin1');
  await double.deliver({ from: '15551230001', to: '15550001111', esmClass: 0x04, dataCoding: 8, shortMessage: text });
  await parley.status(m.sid, ['delivered']);
});

test('status callbacks fire for sent and delivered, as for any message', async () => {
  const { double, parley } = await setUp();
  let bothCame!: () => void;
  const both = new Promise<void>((resolve) => { bothCame = resolve; });
  const callbacks = await startApp((_req, res) => {
    res.end();
    if (callbacks.requests.length >= 2) bothCame();
  });
  cleanup.push(() => callbacks.close());
  const { sid } = await parley.create('with callback', { To: handset(300), StatusCallback: callbacks.url });
  await parley.status(sid, ['sent']);
  const submit = double.submits.findLast((s) => String(s.pdu.short_message) === 'with callback')!;
  await double.receipt({ messageId: submit.messageId, form: 'tlv' });
  await parley.status(sid, ['delivered']);
  await both;
  const statuses = callbacks.requests.map((r) => r.params.get('MessageStatus'));
  assert.ok(statuses.includes('sent') && statuses.includes('delivered'), statuses.join(','));
});
