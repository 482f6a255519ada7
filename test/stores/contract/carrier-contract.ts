/**
 * The Store contract's carrier part (src/stores/store.ts: CarrierPartRepository,
 * InboundPartRepository, and `messages.setStatus` with `from`), run by `describeStoreContract` for
 * every adapter, through the Store interface only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '../../../src/stores/store.js';
import type { CarrierReceipt, InboundPart, MessageRecord, SubmittedPart } from '../../../src/stores/records.js';
import { newMessage } from '../../../src/messages/message.js';
import { ACCOUNT, HANDSET, NUMBER, OTHER_HANDSET, callbackFor, later, outbound } from './fixtures.js';

const CHANNEL = 'carrier-a';

function part(message: MessageRecord, index: number, total: number, smscId: string, channel = CHANNEL): Omit<SubmittedPart, 'state' | 'errorCode' | 'doneAt'> {
  return { messageSid: message.sid, accountSid: message.accountSid, channel, index, total, smscId, receiptKey: smscId.toLowerCase(), submittedAt: later() };
}

function receipt(key: string, state: CarrierReceipt['state'], errorCode: number | null = null, smscId: string | null = null, channel = CHANNEL): CarrierReceipt {
  return { channel, smscId, receiptKey: key, state, errorCode, at: later() };
}

function inboundPart(seq: number, total: number, text: string, groupKey = `${HANDSET}:${NUMBER}:7`, receivedAt = later()): InboundPart {
  return { channel: CHANNEL, groupKey, accountSid: ACCOUNT, from: HANDSET, to: NUMBER, seq, total, payload: Buffer.from(text, 'latin1'), dataCoding: 3, receivedAt };
}

/** What the gateway's assembler does, minus decoding: the parts' text in order, 30009 when incomplete. */
function assembleLatin1(parts: InboundPart[]): MessageRecord | null {
  const first = parts[0]!;
  const message = newMessage({
    accountSid: first.accountSid, direction: 'inbound', from: first.from, to: first.to, status: 'received', at: later(),
    body: parts.map((p) => p.payload.toString('latin1')).join(''),
  });
  if (parts.length < first.total) message.errorCode = 30009;
  return message;
}

const states = (parts: SubmittedPart[] | null): string[] | null => parts?.map((p) => `${p.index}:${p.state}`) ?? null;

export function describeCarrierContract(store: () => Store): void {
  test('setStatus with `from` applies only from those statuses, and stores the callback only when it applies', async () => {
    const m = outbound('hi', { statusCallback: 'http://127.0.0.1:9/status' });
    await store().messages.insert(m);
    assert.equal(await store().messages.setStatus(m.sid, 'delivered', { at: later() }, callbackFor(m, 'delivered'), { from: ['queued', 'sent'] }), true);
    assert.equal(await store().messages.setStatus(m.sid, 'sent', { at: later(), dateSent: later() }, callbackFor(m, 'sent'), { from: ['queued', 'sending'] }), false);
    assert.equal((await store().messages.get(ACCOUNT, m.sid))?.status, 'delivered', 'a late `sent` does not undo `delivered`');
    assert.deepEqual((await store().callbacks.heads(10)).map((h) => h.params[0]![1]), ['delivered']);
    assert.equal(await store().messages.setStatus(m.sid, 'failed', { at: later(), errorCode: 30008 }), true, 'without `from` it always applies');
  });

  test('carrier parts: recorded once; a receipt settles its part by SMSC id or receipt key, never twice', async () => {
    const m = outbound('long');
    await store().messages.insert(m);
    assert.equal(await store().carrierParts.record(part(m, 0, 2, 'AB01')), null);
    assert.equal(await store().carrierParts.record({ ...part(m, 0, 2, 'FFFF') }), null, 'a second record of part 0 changes nothing');
    await store().carrierParts.record(part(m, 1, 2, 'AB02'));
    assert.deepEqual((await store().carrierParts.ofMessage(m.sid)).map((p) => [p.index, p.smscId, p.state]), [[0, 'AB01', 'submitted'], [1, 'AB02', 'submitted']]);

    assert.deepEqual(states(await store().carrierParts.applyReceipt(receipt('ab01', 'enroute'))), ['0:submitted', '1:submitted'], 'enroute matches, changes nothing');
    assert.deepEqual(states(await store().carrierParts.applyReceipt(receipt('no-such-key', 'delivered', null, 'AB01'))), ['0:delivered', '1:submitted'], 'matched by the TLV id as-is');
    assert.deepEqual(states(await store().carrierParts.applyReceipt(receipt('ab02', 'undelivered', 30003))), ['0:delivered', '1:undelivered']);
    const again = await store().carrierParts.applyReceipt(receipt('ab02', 'delivered'));
    assert.deepEqual(states(again), ['0:delivered', '1:undelivered'], 'a final state never changes');
    assert.equal(again?.[1]?.errorCode, 30003);
    assert.equal(again?.[0]?.accountSid, ACCOUNT);
    assert.equal(await store().carrierParts.applyReceipt(receipt('ab01', 'delivered', null, null, 'carrier-b')), null, 'ids are per channel');
  });

  test('carrier parts: an id the SMSC used again settles the part it named last', async () => {
    const first = outbound('first');
    const second = outbound('second');
    const third = outbound('third');
    for (const m of [first, second, third]) await store().messages.insert(m);
    await store().carrierParts.record(part(first, 0, 1, 'AA11'));
    await store().carrierParts.record({ ...part(second, 0, 1, 'BB22'), receiptKey: 'aa11' });
    await store().carrierParts.record(part(third, 0, 1, 'CC33'));
    const settled = await store().carrierParts.applyReceipt(receipt('aa11', 'delivered', null, 'AA11'));
    assert.deepEqual(settled?.map((p) => [p.messageSid, p.state]), [[second.sid, 'delivered']], 'the later part, whether named by SMSC id or receipt key');
    assert.deepEqual(states(await store().carrierParts.ofMessage(first.sid)), ['0:submitted'], 'the earlier one is untouched');
    const fourth = outbound('fourth');
    await store().messages.insert(fourth);
    await store().carrierParts.record(part(fourth, 0, 1, 'AA11'));
    assert.deepEqual(states(await store().carrierParts.applyReceipt(receipt('aa11', 'undelivered', 30003))), ['0:undelivered'], 'a later use of the id wins again');
    assert.deepEqual(states(await store().carrierParts.ofMessage(fourth.sid)), ['0:undelivered']);
    assert.deepEqual(states(await store().carrierParts.ofMessage(second.sid)), ['0:delivered']);
  });

  test('carrier parts: a one-part message\'s receipt answers with its part exactly as the table then keeps it', async () => {
    const m = outbound('one part');
    await store().messages.insert(m);
    await store().carrierParts.record(part(m, 0, 1, 'E1E1'));
    const asStored = async (): Promise<SubmittedPart[]> => store().carrierParts.ofMessage(m.sid);
    const enroute = await store().carrierParts.applyReceipt(receipt('e1e1', 'enroute'));
    assert.deepEqual(enroute, await asStored(), 'enroute: unchanged');
    assert.equal(enroute?.[0]?.doneAt, null);
    const failed = await store().carrierParts.applyReceipt(receipt('e1e1', 'undelivered', 30005));
    assert.deepEqual(failed, await asStored(), 'settled: state, error code and time as written');
    assert.deepEqual([failed?.[0]?.state, failed?.[0]?.errorCode, typeof failed?.[0]?.doneAt], ['undelivered', 30005, 'number']);
    const again = await store().carrierParts.applyReceipt(receipt('e1e1', 'delivered'));
    assert.deepEqual(again, failed, 'a second final receipt changes nothing and says so');
  });

  test('carrier parts: a receipt that came first is kept and applied when its part is recorded; old ones expire', async () => {
    const m = outbound('fast receipt');
    await store().messages.insert(m);
    assert.equal(await store().carrierParts.applyReceipt(receipt('c0ffee', 'delivered')), null);
    assert.deepEqual(states(await store().carrierParts.record(part(m, 0, 1, 'C0FFEE'))), ['0:delivered']);
    assert.equal(await store().carrierParts.applyReceipt(receipt('dead', 'undelivered', 30005)), null);
    assert.equal(await store().carrierParts.expireUnmatched(later()), 1);
    const late = outbound('after expiry');
    await store().messages.insert(late);
    assert.equal(await store().carrierParts.record(part(late, 0, 1, 'DEAD')), null, 'the expired receipt is gone');
  });

  test('inbound parts: a group completes in any order, once, into a message with a pending turn', async () => {
    const stored = await store().inboundParts.add(inboundPart(3, 3, 'three'), assembleLatin1);
    assert.equal(stored, null);
    assert.equal(await store().inboundParts.add(inboundPart(1, 3, 'one '), assembleLatin1), null);
    assert.equal(await store().inboundParts.add(inboundPart(1, 3, 'one again '), assembleLatin1), null, 'a duplicate part changes nothing');
    const message = await store().inboundParts.add(inboundPart(2, 3, 'two '), assembleLatin1);
    assert.equal(message?.body, 'one two three');
    assert.equal((await store().messages.get(ACCOUNT, message!.sid))?.body, 'one two three');
    assert.deepEqual((await store().turns.pending(10)).map((t) => t.messageSid), [message!.sid]);
    assert.equal(await store().inboundParts.add(inboundPart(2, 3, 'two '), assembleLatin1), null, 'the group is gone once complete');
  });

  test('inbound parts: stale groups are completed with what came, oldest first', async () => {
    const old = later();
    await store().inboundParts.add(inboundPart(1, 2, 'first half', `${OTHER_HANDSET}:${NUMBER}:9`, old), assembleLatin1);
    await store().inboundParts.add(inboundPart(2, 3, 'middle', `${HANDSET}:${NUMBER}:8`, old + 1), assembleLatin1);
    const fresh = later() + 60_000;
    await store().inboundParts.add(inboundPart(1, 2, 'too new', `${HANDSET}:${NUMBER}:10`, fresh), assembleLatin1);
    const stale = await store().inboundParts.stale(CHANNEL, old + 10, 10);
    assert.deepEqual(stale.map((g) => g.groupKey), [`${OTHER_HANDSET}:${NUMBER}:9`, `${HANDSET}:${NUMBER}:8`]);
    assert.deepEqual(stale.map((g) => [g.accountSid, g.to]), [[ACCOUNT, NUMBER], [ACCOUNT, NUMBER]]);
    const message = await store().inboundParts.complete(CHANNEL, stale[0]!.groupKey, assembleLatin1);
    assert.deepEqual([message?.body, message?.errorCode], ['first half', 30009]);
    assert.equal((await store().messages.get(ACCOUNT, message!.sid))?.errorCode, 30009);
    assert.equal(await store().inboundParts.complete(CHANNEL, stale[0]!.groupKey, assembleLatin1), null, 'completed once');
    assert.deepEqual((await store().inboundParts.stale(CHANNEL, old + 10, 10)).map((g) => g.groupKey), [`${HANDSET}:${NUMBER}:8`]);
  });
}
