/**
 * Failover between carriers (`failover`), with two SMSC doubles over real sockets: carrier-a's
 * messages go on carrier-b while carrier-a is not bound, those carrier-a held move to carrier-b
 * once it binds, in order per conversation; carrier-a takes them again when it is back, except for a
 * conversation with a message still on carrier-b; receipts come back on the channel that sent; and
 * the API, `parley channels`, the console and /metrics show it.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, describe, test } from 'node:test';
import { smpp } from '../../../src/channels/smpp/library.js';
import { readChannels } from '../../../src/config/channels.js';
import { channelLines } from '../../../src/cli/commands/channels.js';
import type { ChannelJson } from '../../../src/http/representations/channel.js';
import type { MessagePartsJson } from '../../../src/http/representations/channel.js';
import { ConfigError } from '../../../src/config/fields.js';
import { createLogger } from '../../../src/logging/logger.js';
import { SmscDouble, type SubmitRecord } from '../../helpers/smsc-double.js';
import { startTestParley } from '../../helpers/parley.js';
import { basicAuth } from '../../helpers/basic-auth.js';
import { parseExposition, promtoolCheck, valueOf } from '../../helpers/prometheus.js';
import { consolePage, launchChromium } from '../../helpers/browser.js';
import { boundCarrierRow, channelState, PARLEY_NUMBER, withWaits, type SmppParley } from './fixtures.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

const OTHER_NUMBER = '+15550002222';
const REFUSED = smpp.errors.ESME_RBINDFAIL!;

function entry(name: string, port: number, numbers: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name, type: 'smpp', host: '127.0.0.1', port, 'system-id': 'parley', password: 'secret', numbers,
    'reconnect-delay': '50ms', 'reconnect-delay-max': '100ms', 'retry-delay': '50ms', 'retry-delay-max': '200ms', 'response-timeout': '2s',
    ...extra,
  };
}

/** carrier-a (+15550001111, failing over to carrier-b) and carrier-b (+15550002222), each on its own SMSC double. */
async function setUp(options: { aUp?: boolean; bUp?: boolean; failover?: string[]; aExtra?: Record<string, unknown> } = {}): Promise<{ a: SmscDouble; b: SmscDouble; parley: SmppParley; logs: Array<Record<string, unknown>> }> {
  const a = await SmscDouble.start();
  const b = await SmscDouble.start();
  cleanup.push(() => a.close(), () => b.close());
  if (options.aUp === false) a.bindStatus = REFUSED;
  if (options.bUp === false) b.bindStatus = REFUSED;
  // The warnings and errors Parley logs, as JSON lines.
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({ write(chunk: Buffer, _encoding, done) { logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  const logger = createLogger({ level: 'warn', destination });
  const parley = withWaits(await startTestParley({ channels: both(a, b, options.failover ?? ['carrier-b'], options.aExtra), logger }));
  cleanup.push(() => parley.stop());
  await parley.createNumber(PARLEY_NUMBER, 'http://127.0.0.1:9/none');
  return { a, b, parley, logs };
}

function both(a: SmscDouble, b: SmscDouble, failover: string[], aExtra: Record<string, unknown> = {}): ReturnType<typeof readChannels> {
  return readChannels([
    entry('carrier-a', a.port, [PARLEY_NUMBER], { failover, ...aExtra }),
    entry('carrier-b', b.port, [OTHER_NUMBER]),
  ], { file: 'test', path: 'channels' });
}

const textOf = (submit: SubmitRecord): string => Buffer.from(submit.pdu.short_message as Buffer).toString('latin1');
const HANDSET_1 = '+15551230001';
const HANDSET_2 = '+15551230002';

async function channels(parley: SmppParley): Promise<ChannelJson[]> {
  return (await parley.api<{ channels: ChannelJson[] }>('GET', '/parley/channels')).body.channels;
}

async function metrics(parley: SmppParley): Promise<string> {
  return (await fetch(`${parley.url}/metrics`, { headers: { authorization: basicAuth(parley.account.sid, parley.account.authToken) } })).text();
}

/** carrier-a loses its SMSC: binds refused from now on, and the connection cut. */
async function takeDown(a: SmscDouble, parley: SmppParley): Promise<void> {
  a.bindStatus = REFUSED;
  a.dropConnections();
  await channelState(parley, 'down');
}

describe('failover', () => {
  test('while carrier-a is bound its messages go on it; the API, `parley channels` and the console name its failover', async () => {
    const { a, b, parley } = await setUp();
    await channelState(parley, 'bound');
    const m = await parley.create('on the first choice');
    await parley.status(m.sid, ['sent']);
    assert.equal(a.submits.length, 1);
    assert.equal(b.submits.length, 0);
    const [, carrierA, carrierB] = await channels(parley);
    assert.deepEqual([carrierA!.name, carrierA!.failover], ['carrier-a', ['carrier-b']]);
    assert.deepEqual([carrierB!.name, carrierB!.failover], ['carrier-b', []]);
    assert.match(channelLines([carrierA!])[0]!, /\+15550001111\s+failover carrier-b$/);
    const families = parseExposition(await metrics(parley));
    assert.equal(valueOf(families, 'parley_channel_failovers_total', { channel: 'carrier-a' }), 0, 'the series is there before the first failover');
    assert.equal(families.get('parley_channel_failovers_total')!.samples.length, 1, 'only for the channel that has failovers');
    const row = await boundCarrierRow(parley, cleanup);
    assert.equal(await row.locator('.failover').textContent(), ' failover carrier-b');
  });

  test('carrier-a down: its messages go on carrier-b at once, are delivered by carrier-b\'s receipts and counted', async () => {
    const { a, b, parley } = await setUp();
    b.options.autoReceipt = 'text';
    await channelState(parley, 'bound');
    await takeDown(a, parley);
    const m = await parley.create('over the other carrier');
    const delivered = await parley.status(m.sid, ['delivered']);
    assert.equal(delivered.errorCode, null);
    assert.equal(a.submits.length, 0);
    assert.deepEqual(b.submits.map(textOf), ['over the other carrier']);
    assert.equal(b.submits[0]!.pdu.source_addr, '15550001111', 'sent from the message\'s own number');

    const parts = await parley.api<MessagePartsJson>('GET', `/parley/messages/${m.sid}/parts`);
    assert.equal(parts.body.channel, 'carrier-b');
    assert.deepEqual(parts.body.parts.map((p) => [p.channel, p.state]), [['carrier-b', 'delivered']]);

    const text = await metrics(parley);
    const families = parseExposition(text);
    assert.equal(valueOf(families, 'parley_channel_failovers_total', { channel: 'carrier-a' }), 1);
    assert.equal(valueOf(families, 'parley_messages_sent_total', { channel: 'carrier-b' }), 1, 'counted where it went');
    assert.equal(valueOf(families, 'parley_messages_sent_total', { channel: 'carrier-a' }), 0);
    const promtool = await promtoolCheck(text);
    assert.equal(promtool.code, 0, promtool.output);
  });

  test('both down: carrier-a holds its messages; once carrier-b binds they move there, in order per conversation, and a newer one follows them', async () => {
    const { b, parley, logs } = await setUp({ aUp: false, bUp: false });
    await channelState(parley, 'down');
    const sids: string[] = [];
    for (const text of ['one', 'two', 'three']) sids.push((await parley.create(text, { To: HANDSET_1 })).sid);
    sids.push((await parley.create('elsewhere', { To: HANDSET_2 })).sid);
    await new Promise((r) => setTimeout(r, 300));
    const [, held] = await channels(parley);
    assert.equal(held!.waiting, 4, 'carrier-a holds them while no channel can send');
    assert.equal(b.submits.length, 0);

    b.bindStatus = 0;
    await b.until(() => b.bound().length === 1, 'carrier-b bound');
    sids.push((await parley.create('four', { To: HANDSET_1 })).sid);
    for (const sid of sids) await parley.status(sid, ['sent']);
    const toFirst = b.submits.filter((s) => s.pdu.destination_addr === '15551230001').map(textOf);
    assert.deepEqual(toFirst, ['one', 'two', 'three', 'four']);
    assert.deepEqual(b.submits.filter((s) => s.pdu.destination_addr === '15551230002').map(textOf), ['elsewhere']);
    const [, after] = await channels(parley);
    assert.equal(after!.waiting, 0, 'nothing left on carrier-a');
    const moved = logs.find((line) => line.msg === 'channel not bound: the messages it held went on its failover');
    assert.ok(moved, JSON.stringify(logs.map((l) => l.msg)));
    // The four held, and "four" too when it came before the move: its conversation was held on carrier-a.
    assert.equal(moved.channel, 'carrier-a');
    assert.ok(moved.moved === 4 || moved.moved === 5, String(moved.moved));
    assert.deepEqual(moved.to, { 'carrier-b': moved.moved });
    assert.match(String(moved.reason), /ESME_RBINDFAIL/);
  });

  test('carrier-a back: new conversations go on it again; one with a message still on carrier-b keeps to carrier-b until it is sent', async () => {
    const { a, b, parley } = await setUp();
    await channelState(parley, 'bound');
    await takeDown(a, parley);
    b.onSubmit = () => ({ hold: true });
    const first = await parley.create('held on b', { To: HANDSET_1 });
    await b.until(() => b.held.length === 1, 'the submit held on carrier-b');

    a.bindStatus = 0;
    await channelState(parley, 'bound');
    const next = await parley.create('after it, same conversation', { To: HANDSET_1 });
    const fresh = await parley.create('a new conversation', { To: HANDSET_2 });
    await parley.status(fresh.sid, ['sent']);
    assert.deepEqual(a.submits.map(textOf), ['a new conversation']);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(b.submits.length, 1, 'the same conversation waits behind its message on carrier-b');

    b.onSubmit = () => ({});
    b.held[0]!.answer();
    await parley.status(first.sid, ['sent']);
    await parley.status(next.sid, ['sent']);
    assert.deepEqual(b.submits.map(textOf), ['held on b', 'after it, same conversation']);
    assert.deepEqual(a.submits.map(textOf), ['a new conversation']);
  });

  test('a long message whose first part carrier-a accepted: the rest goes on carrier-b, the accepted part is not sent again', async () => {
    const { a, b, parley } = await setUp();
    await channelState(parley, 'bound');
    let seen = 0;
    a.onSubmit = () => (++seen === 1 ? {} : { hold: true });
    const m = await parley.create('x'.repeat(300));
    await a.until(() => a.submits.length === 2 && a.held.length === 1, 'part 1 accepted, part 2 held');
    a.onSubmit = () => ({});
    await takeDown(a, parley);
    await parley.status(m.sid, ['sent']);
    assert.equal(b.submits.length, 1, 'only the part carrier-a had not accepted');
    const parts = await parley.api<MessagePartsJson>('GET', `/parley/messages/${m.sid}/parts`);
    assert.deepEqual(parts.body.parts.map((p) => [p.index, p.channel]), [[1, 'carrier-a'], [2, 'carrier-b']]);
    const udh = (s: SubmitRecord): string => Buffer.from(s.pdu.short_message as Buffer).subarray(0, 6).toString('hex');
    assert.equal(udh(b.submits[0]!).slice(0, 8), udh(a.submits[0]!).slice(0, 8), 'the same concatenation reference, so the handset joins them');

    // The console's message page names each part's channel.
    const browser = await launchChromium();
    cleanup.push(() => browser.close());
    const { page } = await consolePage(browser, parley.url, parley.account);
    await page.goto(`/#/message/${m.sid}`);
    const card = page.locator('#carrier-parts');
    await card.getByRole('heading', { name: 'Sent on carrier-a and carrier-b in 2 parts' }).waitFor();
    assert.deepEqual(await card.locator('td.part-channel').allTextContents(), ['carrier-a', 'carrier-b']);
  });
});

describe('failover-after', () => {
  test('a reconnect within it keeps carrier-a\'s messages on carrier-a; a longer outage moves them to carrier-b', async () => {
    const { a, b, parley } = await setUp({ aExtra: { 'failover-after': '1500ms' } });
    await channelState(parley, 'bound');

    await takeDown(a, parley);
    const during = await parley.create('through a short outage', { To: HANDSET_1 });
    await new Promise((r) => setTimeout(r, 400));
    a.bindStatus = 0; // back within the 1.5 s
    await parley.status(during.sid, ['sent']);
    assert.deepEqual(a.submits.map(textOf), ['through a short outage']);
    assert.equal(b.submits.length, 0);

    await takeDown(a, parley);
    const longer = await parley.create('through a long outage', { To: HANDSET_2 });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(b.submits.length, 0, 'not yet: carrier-a keeps it for 1.5 s');
    await parley.status(longer.sid, ['sent']);
    assert.deepEqual(b.submits.map(textOf), ['through a long outage'], 'then it moved');
    const next = await parley.create('while carrier-a is still down', { To: HANDSET_1 });
    await parley.status(next.sid, ['sent']);
    assert.deepEqual(b.submits.map(textOf), ['through a long outage', 'while carrier-a is still down'], 'past the delay, new messages go on carrier-b at once');
  });
});

describe('failover and a reload', () => {
  test('a failover added by a reload applies without a new bind: what carrier-a holds moves to carrier-b', async () => {
    const { a, b, parley } = await setUp({ aUp: false, failover: [] });
    await b.until(() => b.bound().length === 1, 'carrier-b bound');
    const m = await parley.create('waiting for a way out');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.submits.length, 0, 'no failover yet: carrier-a holds it');
    const changes = await parley.reloadChannels(both(a, b, ['carrier-b']));
    assert.deepEqual([changes.adjusted, changes.restarted], [['carrier-a'], []]);
    await parley.status(m.sid, ['sent']);
    assert.deepEqual(b.submits.map(textOf), ['waiting for a way out']);
    assert.equal(b.binds.length, 1, 'carrier-b kept its bind');
  });
});

describe('failover in the configuration file', () => {
  const read = (failover: unknown): unknown => readChannels([
    entry('carrier-a', 2775, [PARLEY_NUMBER], { failover }),
    entry('carrier-b', 2776, [OTHER_NUMBER]),
  ], { file: 'parley.yaml', path: 'channels' });

  test('names other channels of the file, each once', () => {
    assert.throws(() => read(['carrier-c']), (e: unknown) => e instanceof ConfigError && /channels\[0\]\.failover\[0\]: no channel is named "carrier-c" \(channels: carrier-a, carrier-b\)/.test(e.message));
    assert.throws(() => read(['carrier-a']), (e: unknown) => e instanceof ConfigError && /channels\[0\]\.failover\[0\]: "carrier-a" is this channel itself/.test(e.message));
    assert.throws(() => read(['carrier-b', 'carrier-b']), (e: unknown) => e instanceof ConfigError && /channels\[0\]\.failover\[1\]: "carrier-b" is listed twice/.test(e.message));
    assert.throws(() => read('carrier-b'), (e: unknown) => e instanceof ConfigError && /channels\[0\]\.failover: must be a list/.test(e.message));
    assert.throws(() => readChannels([entry('carrier-a', 2775, [PARLEY_NUMBER], { 'failover-after': '30s' })], { file: 'parley.yaml', path: 'channels' }),
      (e: unknown) => e instanceof ConfigError && /channels\[0\]\.failover-after: is set without failover/.test(e.message));
    const [a, b] = read(['carrier-b']) as Array<{ failover: string[] }>;
    assert.deepEqual([a!.failover, b!.failover], [['carrier-b'], []]);
  });
});
