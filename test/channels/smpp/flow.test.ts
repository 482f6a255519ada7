/**
 * Flow control and errors of outbound SMPP, against an SMSC double that holds, delays, throttles
 * or refuses submits: `window` and `throughput` are never exceeded; throttling and temporary errors
 * retry the same message (it stays queued, order per conversation holds, ValidityPeriod still ends
 * it with 30036); permanent errors fail it with the mapped Twilio code (and the `error-codes`
 * overrides); a submit_sm with no response is sent again; a session-level status rebinds.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { smpp } from '../../../src/channels/smpp/library.js';
import { SmscDouble } from '../../helpers/smsc-double.js';
import { carrierOf, startSmppParley, type SmppParley } from './fixtures.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(extra: Record<string, unknown> = {}): Promise<{ double: SmscDouble; parley: SmppParley }> {
  const double = await SmscDouble.start();
  cleanup.push(() => double.close());
  const parley = await startSmppParley(double, extra);
  cleanup.push(() => parley.stop());
  return { double, parley };
}

const handset = (i: number): string => `+1555300${String(i).padStart(4, '0')}`;
const status = async (parley: SmppParley, sid: string): Promise<string> => (await parley.store.messages.get(parley.account.sid, sid))!.status;

test('window: never more submit_sm without a response than `window`; status shows them in flight and the rest waiting', async () => {
  const { double, parley } = await setUp({ window: 3 });
  double.onSubmit = () => ({ hold: true });
  const sids: string[] = [];
  for (let i = 0; i < 10; i++) sids.push((await parley.create(`m${i}`, { To: handset(i) })).sid);
  await double.until(() => double.held.length === 3, 'three held');
  const shown = carrierOf(parley).status();
  assert.deepEqual([shown.inFlight, shown.waiting], [3, 10]);
  // Answer one at a time: each answer lets exactly one more in.
  while (double.submits.length < 10 || double.held.length > 0) {
    const before = double.submits.length;
    double.held[0]!.answer();
    if (before < 10) await double.until(() => double.submits.length === before + 1, 'the next submit');
  }
  for (const sid of sids) await parley.status(sid, ['sent']);
  assert.equal(double.maxOutstanding, 3);
});

test('throughput: at most `throughput` submit_sm in any one-second window', async () => {
  const { double, parley } = await setUp({ throughput: 4, window: 50 });
  const sids: string[] = [];
  for (let i = 0; i < 10; i++) sids.push((await parley.create(`t${i}`, { To: handset(100 + i) })).sid);
  for (const sid of sids) await parley.status(sid, ['sent']);
  // Arrival times at the double, which shares this event loop with Parley: a stall of the loop
  // while the first submits wait to be read makes later gaps look shorter than they were sent.
  // Parley's limit is exact at its side; 150 ms are the double's reading jitter on a busy machine.
  const times = double.submits.map((s) => s.at);
  for (let i = 4; i < times.length; i++) assert.ok(times[i]! - times[i - 4]! >= 850, `submits ${i - 4} and ${i} are ${Math.round(times[i]! - times[i - 4]!)} ms apart`);
});

test('throttling (ESME_RTHROTTLED, ESME_RMSGQFUL): the message stays queued, is sent again later, and the conversation keeps its order', async () => {
  const { double, parley } = await setUp();
  const throttled = [smpp.errors.ESME_RTHROTTLED!, smpp.errors.ESME_RMSGQFUL!];
  double.onSubmit = () => (throttled.length > 0 ? { status: throttled.shift()! } : {});
  const first = await parley.create('first');
  await double.until(() => double.submits.length >= 1, 'the first submit');
  assert.equal(await status(parley, first.sid), 'queued');
  const second = await parley.create('second');
  const third = await parley.create('third');
  for (const m of [first, second, third]) await parley.status(m.sid, ['sent']);
  const accepted = double.submits.filter((s) => s.status === 0).map((s) => String(s.pdu.short_message));
  assert.deepEqual(accepted, ['first', 'second', 'third']);
  assert.deepEqual(double.submits.map((s) => String(s.pdu.short_message)).slice(0, 3), ['first', 'first', 'first']);
  // The pause after throttling: the retries came after the retry delay, the second later than the first.
  const [a, b, c] = double.submits.map((s) => s.at);
  assert.ok(b! - a! >= 45 && c! - b! >= 95, `gaps ${Math.round(b! - a!)} and ${Math.round(c! - b!)} ms`);
});

test('a temporary error (ESME_RSYSERR) retries the same part until it is accepted', async () => {
  const { double, parley } = await setUp();
  let refusals = 2;
  double.onSubmit = () => (refusals-- > 0 ? { status: smpp.errors.ESME_RSYSERR! } : {});
  const m = await parley.create('again');
  const sent = await parley.status(m.sid, ['sent']);
  assert.equal(sent.errorCode, null);
  assert.equal(double.submits.length, 3);
});

test('permanent errors fail the message with the mapped Twilio code (ESME_RINVDSTADR → 30005, ESME_RINVSRCADR → 30007, unknown → 30008)', async () => {
  const { double, parley } = await setUp();
  const answers = new Map([['dst', smpp.errors.ESME_RINVDSTADR!], ['src', smpp.errors.ESME_RINVSRCADR!], ['odd', 0x4ff]]);
  double.onSubmit = (s) => ({ status: answers.get(String(s.pdu.short_message)) ?? 0 });
  const cases: Array<[string, number]> = [['dst', 30005], ['src', 30007], ['odd', 30008]];
  const sids: string[] = [];
  for (const [body, code] of cases) {
    const m = await parley.create(body, { To: handset(code % 100) });
    sids.push(m.sid);
    const failed = await parley.status(m.sid, ['failed']);
    assert.equal(failed.errorCode, code, body);
  }
  const res = await parley.api<{ status: string; error_code: number; error_message: string }>('GET', `/2010-04-01/Accounts/${parley.account.sid}/Messages/${sids[0]}.json`);
  assert.deepEqual([res.body.status, res.body.error_code, res.body.error_message], ['failed', 30005, 'Unknown destination handset']);
});

test('error-codes overrides: a status made temporary is retried; a status given a code fails with it', async () => {
  const { double, parley } = await setUp({ 'error-codes': { 'command-status': { '0x45': 'retry', 0x0b: 30003 } } });
  let submitFail = 1;
  double.onSubmit = (s) => (String(s.pdu.short_message) === 'retry me' && submitFail-- > 0 ? { status: smpp.errors.ESME_RSUBMITFAIL! } : String(s.pdu.short_message) === 'bad dst' ? { status: smpp.errors.ESME_RINVDSTADR! } : {});
  const retried = await parley.create('retry me');
  await parley.status(retried.sid, ['sent']);
  const failed = await parley.create('bad dst', { To: handset(400) });
  assert.equal((await parley.status(failed.sid, ['failed'])).errorCode, 30003);
});

test('a submit_sm without a response within the response timeout is sent again (at least once); the late answer changes nothing', async () => {
  const { double, parley } = await setUp({ 'response-timeout': '300ms' });
  let first = true;
  double.onSubmit = () => (first ? ((first = false), { hold: true }) : {});
  const m = await parley.create('no answer');
  await parley.status(m.sid, ['sent']);
  assert.equal(double.submits.length, 2);
  double.held[0]!.answer(); // the late response to the first copy
  const second = await parley.create('after');
  await parley.status(second.sid, ['sent']);
  const parts = await parley.store.carrierParts.ofMessage(m.sid);
  assert.deepEqual(parts.map((p) => p.smscId), [double.submits[1]!.messageId]);
});

test('a session-level status on submit (ESME_RINVBNDSTS) drops the link; the part goes again after the rebind', async () => {
  const { double, parley } = await setUp();
  let once = true;
  double.onSubmit = () => (once ? ((once = false), { status: smpp.errors.ESME_RINVBNDSTS! }) : {});
  const m = await parley.create('rebind');
  await parley.status(m.sid, ['sent']);
  assert.equal(double.binds.length, 2);
  assert.notEqual(double.submits[0]!.session, double.submits[1]!.session);
});

test('ValidityPeriod still applies: a message the SMSC keeps throttling fails with 30036 and is not sent afterwards', async () => {
  const { double, parley } = await setUp({ 'retry-delay': '100ms', 'retry-delay-max': '100ms' });
  double.onSubmit = () => ({ status: smpp.errors.ESME_RTHROTTLED! });
  const m = await parley.create('expires', { ValidityPeriod: '1' });
  await double.until(() => double.submits.length >= 2, 'throttled twice');
  assert.equal(await status(parley, m.sid), 'queued');
  const failed = await parley.status(m.sid, ['failed'], 5000);
  assert.equal(failed.errorCode, 30036);
  const submits = double.submits.length;
  double.onSubmit = () => ({});
  const next = await parley.create('next');
  await parley.status(next.sid, ['sent']);
  assert.deepEqual(double.submits.slice(submits).map((s) => String(s.pdu.short_message)), ['next']);
  assert.equal(carrierOf(parley).status().waiting, 0);
});

test('a link dropped with submits in flight: they go again on the new bind, nothing is lost', async () => {
  const { double, parley } = await setUp();
  double.onSubmit = () => ({ hold: true });
  const sids: string[] = [];
  for (let i = 0; i < 4; i++) sids.push((await parley.create(`d${i}`, { To: handset(500 + i) })).sid);
  await double.until(() => double.held.length === 4, 'four held');
  double.onSubmit = () => ({});
  double.dropConnections();
  for (const sid of sids) await parley.status(sid, ['sent']);
  const accepted = double.submits.filter((s) => s.status === 0).map((s) => String(s.pdu.short_message)).sort();
  assert.deepEqual(accepted, ['d0', 'd1', 'd2', 'd3']);
});
