/**
 * Channel routing and the channels' state as users see it: a message goes out on the channel that
 * lists its Parley number (and the longest prefix of its destination, among their `destinations`),
 * else on the `*` channel, else on the simulator; `GET /parley/channels`
 * and `parley channels` show every channel's state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChannelRouter } from '../../src/channels/router.js';
import type { Channel, ChannelHost, ChannelStatus, SendOutcome } from '../../src/channels/channel.js';
import { SimulatorChannel } from '../../src/channels/simulator/channel.js';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { cleanEnv, runCli } from '../cli/run-cli.js';
import { outbound } from '../stores/contract/fixtures.js';

const HANDSET = '+15551230001';

class RecordingChannel implements Channel {
  readonly type = 'test';
  readonly sent: string[] = [];
  constructor(readonly name: string) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(message: { sid: string }): Promise<SendOutcome> {
    this.sent.push(message.sid);
    return { kind: 'sent' };
  }
  status(): ChannelStatus {
    return { name: this.name, type: this.type, state: 'down', reason: 'bind refused (0x0000000D)', since: 0, waiting: 3, inFlight: 0, numbers: [] };
  }
}

describe('routing by Parley number', () => {
  const simulator = new SimulatorChannel();
  const a = new RecordingChannel('carrier-a');
  const b = new RecordingChannel('carrier-b');
  const router = new ChannelRouter(simulator, [{ channel: a, numbers: ['+15550001111'] }, { channel: b, numbers: ['*'] }]);

  test('a listed number goes to its channel; any other to the "*" channel; the prefix of whatsapp: style addresses is ignored', () => {
    assert.equal(router.channelFor('+15550001111', HANDSET).name, 'carrier-a');
    assert.equal(router.channelFor('whatsapp:+15550001111', HANDSET).name, 'carrier-a');
    assert.equal(router.channelFor('+15559999999', HANDSET).name, 'carrier-b');
  });

  test('without a "*" channel, numbers no channel lists stay on the simulator', () => {
    const only = new ChannelRouter(simulator, [{ channel: a, numbers: ['+15550001111'] }]);
    assert.equal(only.channelFor('+15559999999', HANDSET).name, 'simulator');
    assert.deepEqual(only.statuses().map((s) => [s.name, s.state]), [['simulator', 'bound'], ['carrier-a', 'down']]);
  });

  test('by destination: the longest prefix of the To among the channels that list the number, then a channel of theirs without destinations, then "*"', () => {
    const [ukMobile, uk, international, northAmerica] = ['carrier-uk-mobile', 'carrier-uk', 'carrier-intl', 'carrier-na'].map((n) => new RecordingChannel(n));
    const routes = [
      { channel: uk!, numbers: ['ACME', '+15550001111'], destinations: ['+44', '+353'] },
      { channel: ukMobile!, numbers: ['ACME'], destinations: ['+447'] },
      { channel: international!, numbers: ['ACME'] },
      { channel: northAmerica!, numbers: ['*'], destinations: ['+1'] },
    ];
    const byDestination = new ChannelRouter(simulator, routes);
    const channelOf = (from: string, to: string): string => byDestination.channelFor(from, to).name;
    assert.equal(channelOf('ACME', '+447700900123'), 'carrier-uk-mobile');
    assert.equal(channelOf('ACME', '+442071234567'), 'carrier-uk');
    assert.equal(channelOf('ACME', '+353861234567'), 'carrier-uk');
    assert.equal(channelOf('ACME', '+33612345678'), 'carrier-intl');
    assert.equal(channelOf('+15550001111', '+447700900123'), 'carrier-uk');
    assert.equal(channelOf('+15550001111', 'whatsapp:+15558670001'), 'carrier-na', 'no channel of its own goes to +1: "*" does');
    assert.equal(channelOf('+15550001111', '+33612345678'), 'simulator', 'nor "*" to +33: the simulator');
    const carriersOnly = new ChannelRouter(null, routes, new RecordingChannel('unrouted'));
    assert.equal(carriersOnly.carries('+15550001111', '+447700900123'), true);
    assert.equal(carriersOnly.carries('+15550001111', '+33612345678'), false);
    assert.equal(carriersOnly.carries('ACME', '+33612345678'), true);
  });

  test('send hands the message to the channel of its From', async () => {
    const m = outbound('hi', { from: '+15550001111' });
    assert.deepEqual(await router.send(m), { kind: 'sent' });
    assert.deepEqual(a.sent, [m.sid]);
  });
});

/** A channel that writes its starts and stops to a shared log, and whose stop can be held open. */
class LoggedChannel extends RecordingChannel {
  finishStop: (() => void) | null = null;
  constructor(name: string, private readonly log: string[], private readonly slowStop = false) {
    super(name);
  }
  override async start(): Promise<void> {
    this.log.push(`${this.name} start`);
  }
  override async stop(): Promise<void> {
    this.log.push(`${this.name} stopping`);
    if (this.slowStop) await new Promise<void>((resolve) => { this.finishStop = resolve; });
    this.log.push(`${this.name} stopped`);
  }
}

describe('replacing the carriers (a reloaded configuration)', () => {
  const host = {} as ChannelHost; // the logged channels never call their host

  test('the carriers that go stop before the new ones start (one bind per account at a time); routing follows the new list after', async () => {
    const log: string[] = [];
    const old = new LoggedChannel('carrier-a', log, true);
    const kept = new LoggedChannel('carrier-b', log);
    const router = new ChannelRouter(new SimulatorChannel(), [{ channel: old, numbers: ['+15550001111'] }, { channel: kept, numbers: ['*'] }]);
    await router.start(host);
    const renewed = new LoggedChannel('carrier-a', log);
    const replacing = router.replace([{ channel: renewed, numbers: ['+15550001111'] }, { channel: kept, numbers: ['*'] }]);
    await new Promise((r) => setImmediate(r));
    assert.equal(router.channelFor('+15550001111', HANDSET), old, 'while the old channel stops, messages still go to it (it hands them back)');
    old.finishStop!();
    await replacing;
    assert.deepEqual(log, ['carrier-a start', 'carrier-b start', 'carrier-a stopping', 'carrier-a stopped', 'carrier-a start'], 'carrier-b is neither stopped nor started again');
    assert.equal(router.channelFor('+15550001111', HANDSET), renewed);
    assert.deepEqual(router.all.map((c) => c.name), ['simulator', 'carrier-a', 'carrier-b']);
    assert.ok(router.all.includes(kept));
  });

  test('stopped while replacing: the new carriers do not start, and nothing is left running', async () => {
    const log: string[] = [];
    const old = new LoggedChannel('carrier-a', log, true);
    const router = new ChannelRouter(new SimulatorChannel(), [{ channel: old, numbers: ['*'] }]);
    await router.start(host);
    const replacing = router.replace([{ channel: new LoggedChannel('carrier-c', log), numbers: ['*'] }]);
    await new Promise((r) => setImmediate(r));
    const stopping = router.stop();
    old.finishStop!();
    await Promise.all([replacing, stopping]);
    assert.deepEqual(log, ['carrier-a start', 'carrier-a stopping', 'carrier-a stopped'], 'carrier-c never started; carrier-a stopped once');
  });
});

describe('GET /parley/channels and parley channels', () => {
  let parley: RunningParley;
  before(async () => {
    parley = await startParley({ port: 0, host: '127.0.0.1', db: ':memory:', dev: false, sessionTtlMs: 3_600_000, logger: createLogger({ level: 'silent' }) });
  });
  after(() => parley.stop());

  test('the simulator is listed, bound, carrying every number no carrier lists', async () => {
    const auth = 'Basic ' + Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64');
    const res = await fetch(`${parley.url}/parley/channels`, { headers: { authorization: auth } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { channels: Array<Record<string, unknown>> };
    assert.deepEqual(body.channels.map((c) => [c.name, c.type, c.state, c.reason, c.waiting, c.in_flight]), [['simulator', 'simulator', 'bound', null, 0, 0]]);
    assert.equal((await fetch(`${parley.url}/parley/channels`)).status, 401);
  });

  test('parley channels prints one line per channel', async () => {
    const env = cleanEnv({ PARLEY_URL: parley.url, PARLEY_ACCOUNT_SID: parley.account.sid, PARLEY_AUTH_TOKEN: parley.account.authToken });
    const r = await runCli(['channels'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^simulator\s+simulator\s+bound\s+since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+waiting 0\s+in flight 0\s+every other number$/m);
    const json = await runCli(['channels', '--json'], env);
    assert.equal((JSON.parse(json.stdout) as { channels: unknown[] }).channels.length, 1);
  });
});
