/**
 * The SMPP connection as an SMSC sees it and as users see it (GET /parley/channels): the bind
 * (credentials, system_type, interface_version 0x34), a refused bind (down with the reason, then
 * bound again with backoff once the SMSC accepts), enquire_link on the period and a silent link
 * dropped, the SMSC's enquire_link and unbind answered, PDUs split across writes or sharing one,
 * a PDU that cannot be read, two binds for `transmitter-receiver`, and an unbind on stop. Messages
 * created while the link is down wait and go out after the rebind, in order per conversation.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { smpp } from '../../../src/channels/smpp/library.js';
import { SmscDouble } from '../../helpers/smsc-double.js';
import { channelState, HANDSET, startSmppParley, type SmppParley } from './fixtures.js';

interface ChannelJson { name: string; state: string; reason: string | null; since: string; waiting: number; in_flight: number }

async function carrier(parley: SmppParley): Promise<ChannelJson> {
  const res = await parley.api<{ channels: ChannelJson[] }>('GET', '/parley/channels');
  return res.body.channels.find((c) => c.name === 'carrier-a')!;
}

/** Waits until the channel is in `state`, then reads it as users do. */
async function shownAs(parley: SmppParley, state: 'bound' | 'connecting' | 'down'): Promise<ChannelJson> {
  await channelState(parley, state);
  return carrier(parley);
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(extra: Record<string, unknown> = {}, options: Parameters<typeof SmscDouble.start>[0] = {}): Promise<{ double: SmscDouble; parley: SmppParley }> {
  const double = await SmscDouble.start(options);
  cleanup.push(() => double.close());
  const parley = await startSmppParley(double, extra);
  cleanup.push(() => parley.stop());
  return { double, parley };
}

describe('binding', () => {
  test('binds as a transceiver with its credentials, system_type and interface_version 0x34; shown bound', async () => {
    const { double, parley } = await setUp({ 'system-type': 'VMA' });
    await double.until(() => double.bound().length === 1, 'a bind');
    const bind = double.binds[0]!.pdu;
    assert.equal(bind.command, 'bind_transceiver');
    assert.deepEqual([bind.system_id, bind.password, bind.system_type, bind.interface_version], ['parley', 'secret', 'VMA', 0x34]);
    assert.deepEqual([bind.address_range, bind.addr_ton, bind.addr_npi], ['', 0, 0]);
    const shown = await shownAs(parley, 'bound');
    assert.deepEqual([shown.state, shown.reason, shown.waiting, shown.in_flight], ['bound', null, 0, 0]);
  });

  test('address-range, bind-ton and bind-npi go in every bind, for a carrier that routes by them', async () => {
    const { double } = await setUp({ 'address-range': '^1555000', 'bind-ton': 1, 'bind-npi': 1, bind: 'transmitter-receiver' });
    await double.until(() => double.bound().length === 2, 'two binds');
    assert.deepEqual(double.binds.map((b) => [b.pdu.command, b.pdu.address_range, b.pdu.addr_ton, b.pdu.addr_npi]).sort(),
      [['bind_receiver', '^1555000', 1, 1], ['bind_transmitter', '^1555000', 1, 1]]);
  });

  test('a refused bind leaves the channel down with the reason; messages wait, then go out in order after the bind succeeds', async () => {
    const double = await SmscDouble.start();
    cleanup.push(() => double.close());
    double.bindStatus = smpp.errors.ESME_RINVPASWD!;
    const parley = await startSmppParley(double);
    cleanup.push(() => parley.stop());
    await double.until(() => double.binds.length >= 2, 'a second bind attempt');
    const down = await shownAs(parley, 'down');
    assert.equal(down.reason, 'bind refused: ESME_RINVPASWD (0x0000000E)');
    const sids: string[] = [];
    for (const body of ['one', 'two', 'three']) sids.push((await parley.create(body)).sid);
    assert.equal(parley.gateway.channelStatuses().find((c) => c.name === 'carrier-a')!.waiting, 3);
    for (const sid of sids) assert.equal((await parley.store.messages.get(parley.account.sid, sid))!.status, 'queued');
    double.bindStatus = 0;
    for (const sid of sids) await parley.status(sid, ['sent']);
    assert.deepEqual(double.submits.map((s) => s.pdu.short_message!.toString()), ['one', 'two', 'three']);
    assert.equal((await carrier(parley)).state, 'bound');
  });

  test('binding again backs off: the delays between attempts grow up to the cap', async () => {
    const double = await SmscDouble.start();
    cleanup.push(() => double.close());
    double.bindStatus = smpp.errors.ESME_RBINDFAIL!;
    const parley = await startSmppParley(double, { 'reconnect-delay': '40ms', 'reconnect-delay-max': '160ms' });
    cleanup.push(() => parley.stop());
    await double.until(() => double.binds.length >= 5, 'five bind attempts');
    const times = double.pdus.filter((p) => p.pdu.command === 'bind_transceiver').map((p) => p.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    assert.ok(gaps[0]! >= 35 && gaps[1]! >= 75 && gaps[2]! >= 155 && gaps[3]! >= 155, `gaps ${gaps.map(Math.round).join(', ')}`);
    assert.ok(gaps[3]! < 1000, 'capped');
  });
});

describe('keeping the link alive', () => {
  test('enquire_link goes out on the period; a link that stops answering is dropped and bound again', async () => {
    const { double, parley } = await setUp({ 'enquire-link': '100ms', 'response-timeout': '300ms' });
    await double.until(() => double.pdus.filter((p) => p.pdu.command === 'enquire_link').length >= 2, 'two enquire_link');
    const firstSession = double.bound()[0]!.id;
    double.answerEnquireLink = false;
    await double.until(() => double.bound().length === 1 && double.bound()[0]!.id !== firstSession, 'a new bind after the silent link');
    double.answerEnquireLink = true;
    const shown = await shownAs(parley, 'bound');
    assert.equal(shown.reason, null);
  });

  test("the SMSC's enquire_link and unbind are answered; after its unbind Parley binds again", async () => {
    const { double } = await setUp();
    await double.until(() => double.bound().length === 1, 'a bind');
    const session = double.bound()[0]!;
    const enquire = await new Promise<{ command: string; command_status: number }>((resolve) => session.session.send(new smpp.PDU('enquire_link', {}), resolve));
    assert.deepEqual([enquire.command, enquire.command_status], ['enquire_link_resp', 0]);
    const unbind = await new Promise<{ command: string }>((resolve) => session.session.send(new smpp.PDU('unbind', {}), resolve));
    assert.equal(unbind.command, 'unbind_resp');
    await double.until(() => double.bound().length === 1 && double.bound()[0]!.id !== session.id, 'a new bind');
  });

  test('a PDU that cannot be read ends the session (the library\'s reader would stall) and Parley binds again', async () => {
    const { double, parley } = await setUp();
    await double.until(() => double.bound().length === 1, 'a bind');
    const first = double.bound()[0]!;
    const garbage = Buffer.alloc(16);
    garbage.writeUInt32BE(1_000_000, 0); // a command_length over the library's limit
    first.session.socket.write(garbage);
    await double.until(() => double.bound().length === 1 && double.bound()[0]!.id !== first.id, 'a new bind');
    const message = await parley.create('after the garbage');
    await parley.status(message.sid, ['sent']);
  });

  test('PDUs that arrive in pieces, and several in one write, are each read once and answered', async () => {
    const { double, parley } = await setUp();
    await double.until(() => double.bound().length === 1, 'a bind');
    const socket = double.bound()[0]!.session.socket;
    const deliver = (sequence: number, body: string): Buffer => new smpp.PDU('deliver_sm', {
      sequence_number: sequence, source_addr_ton: 1, source_addr_npi: 1, source_addr: HANDSET.slice(1), dest_addr_ton: 1, dest_addr_npi: 1,
      destination_addr: '15550001111', short_message: Buffer.from(body, 'latin1'),
    }).toBuffer();
    const stream = Buffer.concat([deliver(9001, 'first, in pieces'), deliver(9002, 'second, with the first'), deliver(9003, 'third, whole')]);
    const first = deliver(9001, 'first, in pieces').length;
    // Three octets of the length, the rest of the header, most of the body, then the end with two more PDUs.
    for (const [from, to] of [[0, 3], [3, 16], [16, first - 2], [first - 2, stream.length]] as const) {
      socket.write(stream.subarray(from, to));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const answered = (): number[] => double.pdus.filter((p) => p.pdu.command === 'deliver_sm_resp').map((p) => p.pdu.sequence_number);
    await double.until(() => answered().length >= 3, 'three deliver_sm_resp');
    assert.deepEqual(answered().sort(), [9001, 9002, 9003]);
    assert.ok(double.pdus.every((p) => p.pdu.command !== 'deliver_sm_resp' || p.pdu.command_status === 0));
    const stored = await parley.store.messages.list(parley.account.sid, {}, { pageSize: 10 });
    assert.deepEqual(stored.filter((m) => m.direction === 'inbound').map((m) => m.body).sort(), ['first, in pieces', 'second, with the first', 'third, whole']);
  });

  test('stop unbinds before closing the connection', async () => {
    const double = await SmscDouble.start();
    cleanup.push(() => double.close());
    const parley = await startSmppParley(double);
    await double.until(() => double.bound().length === 1, 'a bind');
    await parley.stop();
    assert.ok(double.pdus.some((p) => p.pdu.command === 'unbind'), 'unbind sent');
    await double.until(() => double.bound().length === 0, 'the connection closed');
  });
});

describe('transmitter-receiver', () => {
  test('two binds: submit_sm on the transmitter, messages from handsets on the receiver', async () => {
    const { double, parley } = await setUp({ bind: 'transmitter-receiver' });
    await double.until(() => double.bound('transmitter').length === 1 && double.bound('receiver').length === 1, 'two binds');
    await shownAs(parley, 'bound');
    const sent = await parley.create('over the transmitter');
    await parley.status(sent.sid, ['sent']);
    assert.equal(double.submits[0]!.session, double.bound('transmitter')[0]!.id);
    const resp = await double.deliver({ from: HANDSET.slice(1), to: '15550001111', shortMessage: Buffer.from('hi') }, double.bound('receiver')[0]!.session);
    assert.equal(resp.command_status, 0);
    const inbound = await parley.store.messages.list(parley.account.sid, {}, { pageSize: 10 });
    assert.ok(inbound.some((m) => m.direction === 'inbound' && m.body === 'hi' && m.from === HANDSET));
  });

  test('with one of the two binds refused the channel is down, and the reason names it', async () => {
    const double = await SmscDouble.start();
    cleanup.push(() => double.close());
    const parley = await startSmppParley(double, { bind: 'transmitter-receiver' });
    cleanup.push(() => parley.stop());
    await double.until(() => double.bound().length === 2, 'two binds');
    double.bindStatus = smpp.errors.ESME_RBINDFAIL!;
    double.bound('receiver')[0]!.session.destroy();
    const down = await shownAs(parley, 'down');
    assert.match(down.reason ?? '', /^receiver: /);
  });
});
