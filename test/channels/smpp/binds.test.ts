/**
 * Several binds on one channel (`binds`), as the SMSC double and users see them: each bind is its
 * own connection with its own window; submits go to the bind with the most room, in turn when they
 * are equal; a bind that drops takes only its own submits with it, which go again on the others;
 * a receipt may come on another bind than its submit; the channel stays bound (able to send and
 * receive) while one bind of each role is, and GET /parley/channels, `parley channels`, /metrics
 * and the console show the binds that are not.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { smpp } from '../../../src/channels/smpp/library.js';
import { channelLines } from '../../../src/cli/commands/channels.js';
import type { ChannelJson } from '../../../src/http/representations/channel.js';
import { SmscDouble } from '../../helpers/smsc-double.js';
import { basicAuth } from '../../helpers/basic-auth.js';
import { parseExposition, promtoolCheck } from '../../helpers/prometheus.js';
import { boundCarrierRow, carrierOf, channelState, HANDSET, PARLEY_NUMBER, smppConfig, startSmppParley, type SmppParley } from './fixtures.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(extra: Record<string, unknown>): Promise<{ double: SmscDouble; parley: SmppParley }> {
  const double = await SmscDouble.start();
  cleanup.push(() => double.close());
  const parley = await startSmppParley(double, extra);
  cleanup.push(() => parley.stop());
  return { double, parley };
}

async function carrier(parley: SmppParley): Promise<ChannelJson> {
  const res = await parley.api<{ channels: ChannelJson[] }>('GET', '/parley/channels');
  return res.body.channels.find((c) => c.name === 'carrier-a')!;
}

/** Resolves once the channel's binds are in these states, in order (or in any order). */
function bindsIn(parley: SmppParley, states: readonly string[], anyOrder = false): Promise<void> {
  const channel = carrierOf(parley);
  const order = (list: readonly string[]): readonly string[] => (anyOrder ? [...list].sort() : list);
  const now = (): boolean => JSON.stringify(order(channel.status().binds?.map((b) => b.state) ?? [])) === JSON.stringify(order(states));
  if (now()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!now()) return;
      channel.events.off('state', check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      channel.events.off('state', check);
      reject(new Error(`binds are ${JSON.stringify(channel.status().binds?.map((b) => b.state))}, not ${JSON.stringify(states)}`));
    }, 15_000);
    channel.events.on('state', check);
  });
}

/** A handset of its own per message: different conversations, so no message waits for another. */
const handset = (i: number): string => `+1555123${String(1000 + i)}`;

describe('binds: 3 transceivers', () => {
  test('three connections; submits spread over them, each within its own window; every message sent', async () => {
    const { double, parley } = await setUp({ binds: 3, window: 1 });
    await double.until(() => double.bound('transceiver').length === 3, 'three binds');
    await bindsIn(parley, ['bound', 'bound', 'bound']);
    const shown = await carrier(parley);
    assert.equal(shown.state, 'bound');
    assert.deepEqual(shown.binds!.map((b) => [b.name, b.state, b.reason, b.in_flight]),
      [['transceiver 1', 'bound', null, 0], ['transceiver 2', 'bound', null, 0], ['transceiver 3', 'bound', null, 0]]);

    double.onSubmit = () => ({ hold: true });
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) sids.push((await parley.create(`message ${i}`, { To: handset(i) })).sid);
    await double.until(() => double.held.length === 3, 'one submit held on each bind');
    assert.deepEqual(new Set(double.held.map((s) => s.session)), new Set(double.bound().map((s) => s.id)), 'one on each bind');
    const busy = await carrier(parley);
    assert.deepEqual(busy.binds!.map((b) => b.in_flight), [1, 1, 1]);
    assert.equal(busy.in_flight, 3);
    assert.equal(busy.waiting, 5);

    double.onSubmit = () => ({});
    for (const held of double.held) held.answer();
    for (const sid of sids) await parley.status(sid, ['sent']);
    assert.equal(double.submits.length, 5);
    assert.equal(double.maxOutstanding, 1, 'never more than the window on any bind');
  });

  test('at a low rate the binds take turns', async () => {
    const { double, parley } = await setUp({ binds: 3 });
    await double.until(() => double.bound().length === 3, 'three binds');
    await bindsIn(parley, ['bound', 'bound', 'bound']);
    for (let i = 0; i < 6; i++) {
      const m = await parley.create(`one at a time ${i}`);
      await parley.status(m.sid, ['sent']);
    }
    const sessions = double.submits.map((s) => s.session);
    assert.equal(new Set(sessions.slice(0, 3)).size, 3, 'the first three on three binds');
    assert.deepEqual(sessions.slice(3), sessions.slice(0, 3), 'then the same turn again');
  });

  test('a bind that drops: its submit goes again on another; the channel stays bound and shows which bind is down, everywhere', { timeout: 60_000 }, async () => {
    const { double, parley } = await setUp({ binds: 3, 'reconnect-delay': '10s', 'reconnect-delay-max': '10s' });
    await double.until(() => double.bound().length === 3, 'three binds');
    await bindsIn(parley, ['bound', 'bound', 'bound']);
    double.onSubmit = () => ({ hold: true });
    const m = await parley.create('caught on a bind that drops');
    await double.until(() => double.held.length === 1, 'a submit held');
    const dropped = double.held[0]!.session;
    double.onSubmit = () => ({});
    double.sessions.find((s) => s.id === dropped)!.session.destroy();
    await parley.status(m.sid, ['sent']);
    assert.equal(double.submits.length, 2);
    assert.notEqual(double.submits[1]!.session, dropped, 'sent again on a bind still up');

    const shown = await carrier(parley);
    assert.equal(shown.state, 'bound', 'it can still send and receive');
    assert.equal(shown.reason, null);
    const [down, ...others] = shown.binds!.filter((b) => b.state !== 'bound');
    assert.equal(others.length, 0, 'the other two stay bound');
    assert.match(down!.name, /^transceiver [123]$/);
    assert.equal(down!.state, 'down');
    assert.equal(down!.reason, 'the SMSC closed the connection');
    const droppedName = down!.name;

    // More messages go on the two left.
    const after: string[] = [];
    for (let i = 0; i < 4; i++) after.push((await parley.create(`after ${i}`, { To: handset(i) })).sid);
    for (const sid of after) await parley.status(sid, ['sent']);
    assert.ok(double.submits.slice(2).every((s) => s.session !== dropped));

    const [line] = channelLines([shown]);
    assert.ok(line!.endsWith(`binds 2/3 bound  (${droppedName} down: the SMSC closed the connection)`), line);

    const metrics = await (await fetch(`${parley.url}/metrics`, { headers: { authorization: basicAuth(parley.account.sid, parley.account.authToken) } })).text();
    const families = parseExposition(metrics);
    const binds = families.get('parley_channel_binds')!;
    assert.equal(binds.type, 'gauge');
    assert.deepEqual(binds.samples.map((s) => [s.labels.channel, s.labels.state, s.value]).sort(),
      [['carrier-a', 'bound', 2], ['carrier-a', 'connecting', 0], ['carrier-a', 'down', 1]]);
    assert.deepEqual(families.get('parley_channel_up')!.samples.find((s) => s.labels.channel === 'carrier-a')?.value, 1);
    const promtool = await promtoolCheck(metrics);
    assert.equal(promtool.code, 0, promtool.output);

    const row = await boundCarrierRow(parley, cleanup);
    assert.equal(await row.locator('.binds > small').textContent(), '2 of 3 binds bound');
    assert.equal(await row.locator('.bind-problem').textContent(), `${droppedName}: down, the SMSC closed the connection`);
  });

  test('a receipt on another bind than its submit_sm finds its message', async () => {
    const { double, parley } = await setUp({ binds: 2 });
    await double.until(() => double.bound().length === 2, 'two binds');
    await bindsIn(parley, ['bound', 'bound']);
    const m = await parley.create('receipt comes back elsewhere');
    await parley.status(m.sid, ['sent']);
    const [submit] = double.submits;
    const other = double.bound().find((s) => s.id !== submit!.session)!;
    const resp = await double.receipt({ messageId: submit!.messageId, form: 'text' }, other.session);
    assert.equal(resp.command_status, 0);
    await parley.status(m.sid, ['delivered']);
  });

  test('a session-level status drops only the bind that gave it; the part goes on another', async () => {
    const { double, parley } = await setUp({ binds: 2, 'reconnect-delay': '10s', 'reconnect-delay-max': '10s' });
    await double.until(() => double.bound().length === 2, 'two binds');
    await bindsIn(parley, ['bound', 'bound']);
    let once = true;
    double.onSubmit = () => (once ? ((once = false), { status: smpp.errors.ESME_RINVBNDSTS! }) : {});
    const m = await parley.create('rebind one');
    await parley.status(m.sid, ['sent']);
    const [first, second] = double.submits;
    assert.notEqual(first!.session, second!.session);
    assert.deepEqual(double.bound().map((s) => s.id), [second!.session], 'the other bind stayed');
    assert.equal((await carrier(parley)).state, 'bound');
  });
});

describe('more binds than the carrier allows', () => {
  test('the binds it refuses (ESME_RALYBND) stay down and say so; the channel works on the others', async () => {
    const double = await SmscDouble.start();
    cleanup.push(() => double.close());
    double.maxBinds = 2;
    const parley = await startSmppParley(double, { binds: 3, 'reconnect-delay': '10s', 'reconnect-delay-max': '10s' });
    cleanup.push(() => parley.stop());
    await double.until(() => double.binds.length === 3, 'three bind attempts');
    await bindsIn(parley, ['bound', 'bound', 'down'], true);
    const shown = await carrier(parley);
    assert.equal(shown.state, 'bound');
    const refused = shown.binds!.filter((b) => b.state !== 'bound');
    assert.deepEqual(refused.map((b) => b.reason), ['bind refused: ESME_RALYBND (0x00000005)']);
    const [line] = channelLines([shown]);
    assert.ok(line!.endsWith(`binds 2/3 bound  (${refused[0]!.name} down: bind refused: ESME_RALYBND (0x00000005))`), line);
    const m = await parley.create('over the binds it took');
    await parley.status(m.sid, ['sent']);
  });
});

describe('binds: 2 with transmitter-receiver', () => {
  test('two transmitters and two receivers; submits only on transmitters, messages from handsets on either receiver', async () => {
    const { double, parley } = await setUp({ bind: 'transmitter-receiver', binds: 2 });
    await double.until(() => double.bound('transmitter').length === 2 && double.bound('receiver').length === 2, 'four binds');
    await bindsIn(parley, ['bound', 'bound', 'bound', 'bound']);
    assert.deepEqual((await carrier(parley)).binds!.map((b) => b.name), ['transmitter 1', 'receiver 1', 'transmitter 2', 'receiver 2']);
    for (let i = 0; i < 4; i++) await parley.status((await parley.create(`out ${i}`)).sid, ['sent']);
    const transmitters = double.bound('transmitter').map((s) => s.id);
    const sessions = double.submits.map((s) => s.session);
    assert.deepEqual(new Set(sessions.slice(0, 2)), new Set(transmitters), 'one on each transmitter');
    assert.deepEqual(sessions.slice(2), sessions.slice(0, 2), 'in turn');

    for (const receiver of double.bound('receiver')) {
      const resp = await double.deliver({ from: HANDSET.slice(1), to: PARLEY_NUMBER.slice(1), shortMessage: Buffer.from(`in on ${receiver.id}`) }, receiver.session);
      assert.equal(resp.command_status, 0);
    }
    const inbound = await parley.store.messages.list(parley.account.sid, {}, { pageSize: 20 });
    assert.equal(inbound.filter((m) => m.direction === 'inbound' && m.body.startsWith('in on ')).length, 2);
  });

  test('with both receivers down the channel is down, named by a receiver; with one of them up it is bound', async () => {
    const { double, parley } = await setUp({ bind: 'transmitter-receiver', binds: 2, 'reconnect-delay': '1s', 'reconnect-delay-max': '1s' });
    await double.until(() => double.bound().length === 4, 'four binds');
    await bindsIn(parley, ['bound', 'bound', 'bound', 'bound']);
    double.bindStatus = smpp.errors.ESME_RBINDFAIL!;
    double.bound('receiver')[0]!.session.destroy();
    await bindsIn(parley, ['bound', 'down', 'bound', 'bound']);
    assert.equal((await carrier(parley)).state, 'bound');
    double.bound('receiver')[0]!.session.destroy();
    await bindsIn(parley, ['bound', 'down', 'bound', 'down']);
    const down = await carrier(parley);
    assert.equal(down.state, 'down');
    assert.match(down.reason ?? '', /^receiver [12]: (the SMSC closed the connection|bind refused: ESME_RBINDFAIL)/);
    double.bindStatus = 0;
    await bindsIn(parley, ['bound', 'bound', 'bound', 'bound']);
    assert.equal((await carrier(parley)).state, 'bound');
  });
});

describe('a reload adjusts a running channel', () => {
  test('a wider window takes effect at once, on the same bind', async () => {
    const { double, parley } = await setUp({ window: 1 });
    await double.until(() => double.bound().length === 1, 'the bind');
    double.onSubmit = () => ({ hold: true });
    const sids: string[] = [];
    for (let i = 0; i < 4; i++) sids.push((await parley.create(`window ${i}`, { To: handset(i) })).sid);
    await double.until(() => double.held.length === 1, 'the window of 1 full');
    const changes = await parley.reloadChannels([smppConfig(double.port, { window: 3 })]);
    assert.deepEqual([changes.adjusted, changes.restarted], [['carrier-a'], []]);
    await double.until(() => double.held.length === 3, 'the window of 3 full');
    assert.equal(double.binds.length, 1, 'no new bind');
    double.onSubmit = () => ({});
    for (const held of double.held) held.answer();
    for (const sid of sids) await parley.status(sid, ['sent']);
  });

  test('fewer binds: the last one unbinds, its submit in flight goes again on the first', async () => {
    const { double, parley } = await setUp({ binds: 2 });
    await double.until(() => double.bound().length === 2, 'two binds');
    await bindsIn(parley, ['bound', 'bound']);
    const second = carrierOf(parley).status().binds![1]!;
    assert.equal(second.name, 'transceiver 2');
    double.onSubmit = () => ({ hold: true });
    const sids = [(await parley.create('first', { To: handset(1) })).sid, (await parley.create('second', { To: handset(2) })).sid];
    await double.until(() => double.held.length === 2, 'one held on each bind');
    const [onFirst, onSecond] = double.held;
    const changes = await parley.reloadChannels([smppConfig(double.port, {})]);
    assert.deepEqual(changes.adjusted, ['carrier-a']);
    assert.deepEqual(carrierOf(parley).status().binds!.map((b) => b.name), ['transceiver']);
    await double.until(() => double.bound().length === 1, 'one bind left');
    const left = double.bound()[0]!.id;
    assert.ok([onFirst!.session, onSecond!.session].includes(left));
    double.onSubmit = () => ({});
    for (const held of double.held.filter((h) => h.session === left)) held.answer();
    for (const sid of sids) await parley.status(sid, ['sent']);
    assert.ok(double.submits.slice(2).every((s) => s.session === left), 'what the leaving bind held went again on the one left');
  });

  test('a new error mapping is read from the next receipt on, on the same bind', async () => {
    const { double, parley } = await setUp({});
    await double.until(() => double.bound().length === 1, 'the bind');
    const changes = await parley.reloadChannels([smppConfig(double.port, { 'error-codes': { 'receipt-error': { 34: 30005 } } })]);
    assert.deepEqual(changes.adjusted, ['carrier-a']);
    const m = await parley.create('to an unknown subscriber');
    await parley.status(m.sid, ['sent']);
    await double.receipt({ messageId: double.submits[0]!.messageId, form: 'text', stat: 'UNDELIV', err: '034' });
    const undelivered = await parley.status(m.sid, ['undelivered']);
    assert.equal(undelivered.errorCode, 30005);
    assert.equal(double.binds.length, 1, 'no new bind');
  });

  test('shorter reconnect delays apply to a bind already waiting to retry, without a restart', async () => {
    const slow = { 'reconnect-delay': '20s', 'reconnect-delay-max': '20s' };
    const { double, parley } = await setUp(slow);
    await double.until(() => double.bound().length === 1, 'the bind');
    double.bindStatus = smpp.errors.ESME_RBINDFAIL!;
    double.dropConnections();
    await channelState(parley, 'down');
    double.bindStatus = 0;
    const changes = await parley.reloadChannels([smppConfig(double.port, { 'reconnect-delay': '50ms', 'reconnect-delay-max': '100ms' })]);
    assert.deepEqual([changes.adjusted, changes.restarted], [['carrier-a'], []]);
    await channelState(parley, 'bound', 5_000); // not the 20 s it was waiting for
    assert.equal(double.binds.length, 2, 'the first bind, then the one after the drop');
  });

  test('a change that needs a new connection restarts the channel', async () => {
    const { double, parley } = await setUp({});
    await double.until(() => double.bound().length === 1, 'the bind');
    const changes = await parley.reloadChannels([smppConfig(double.port, { 'system-type': 'NEWTYPE', window: 5 })]);
    assert.deepEqual([changes.adjusted, changes.restarted], [[], ['carrier-a']]);
    await double.until(() => double.binds.length === 2 && double.bound().length === 1, 'the new bind');
    assert.equal(double.binds[1]!.pdu.system_type, 'NEWTYPE');
  });
});
