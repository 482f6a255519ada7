/**
 * Routing by destination (`destinations`), with two SMSC doubles over real sockets: carrier-a
 * sends the number's and the sender ID's messages to +44, carrier-b the rest; a TwiML reply goes by
 * its handset's country too; `--carriers-only` refuses a destination no channel of the sender takes
 * (21606); a reload moves a prefix without a new bind; the API, `parley channels`, `parley config
 * check` and the console show it; and the configuration's mistakes name their key.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { readChannels } from '../../../src/config/channels.js';
import { channelLines } from '../../../src/cli/commands/channels.js';
import type { ChannelJson } from '../../../src/http/representations/channel.js';
import { ConfigError } from '../../../src/config/fields.js';
import { SmscDouble, type SubmitRecord } from '../../helpers/smsc-double.js';
import { startTestParley } from '../../helpers/parley.js';
import { startApp, twiml } from '../../helpers/apps.js';
import { basicAuth } from '../../helpers/basic-auth.js';
import { parseExposition, valueOf } from '../../helpers/prometheus.js';
import { cleanEnv, runCli } from '../../cli/run-cli.js';
import { boundCarrierRow, PARLEY_NUMBER, withWaits, type SmppParley } from './fixtures.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

const UK_HANDSET = '+447700900123';
const US_HANDSET = '+15551230001';
const WHERE = { file: 'parley.yaml', path: 'channels' };

function entry(name: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name, type: 'smpp', host: '127.0.0.1', port, 'system-id': 'parley', password: 'secret', numbers: [PARLEY_NUMBER, 'ACME'],
    'reconnect-delay': '50ms', 'response-timeout': '2s', ...extra,
  };
}

/** carrier-a (to +44) and carrier-b (every other destination), both listing the number and ACME; `--carriers-only`. */
async function setUp(aExtra: Record<string, unknown> = { destinations: ['+44'] }, smsUrl = 'http://127.0.0.1:9/none'): Promise<{ a: SmscDouble; b: SmscDouble; parley: SmppParley }> {
  const a = await SmscDouble.start();
  const b = await SmscDouble.start();
  cleanup.push(() => a.close(), () => b.close());
  const channels = readChannels([entry('carrier-a', a.port, aExtra), entry('carrier-b', b.port)], WHERE);
  const parley = withWaits(await startTestParley({ channels, carriersOnly: true }));
  cleanup.push(() => parley.stop());
  await parley.createNumber(PARLEY_NUMBER, smsUrl);
  await a.until(() => a.bound().length === 1, 'carrier-a bound');
  await b.until(() => b.bound().length === 1, 'carrier-b bound');
  return { a, b, parley };
}

const destinationsOf = (submits: SubmitRecord[]): string[] => submits.map((s) => String(s.pdu.destination_addr));

describe('routing by destination', () => {
  test('a message goes on the channel with a prefix of its To, the rest on the one without; the API, `parley channels` and the console show it', async () => {
    const { a, b, parley } = await setUp();
    const sent = [
      await parley.create('to the UK', { To: UK_HANDSET }),
      await parley.create('at home', { To: US_HANDSET }),
      await parley.create('a brand to the UK', { From: 'ACME', To: '+447700900124' }),
      await parley.create('a brand to France', { From: 'ACME', To: '+33612345678' }),
    ];
    for (const m of sent) await parley.status(m.sid, ['sent']);
    assert.deepEqual(destinationsOf(a.submits), ['447700900123', '447700900124']);
    assert.deepEqual(destinationsOf(b.submits), ['15551230001', '33612345678']);

    const listed = (await parley.api<{ channels: ChannelJson[] }>('GET', '/parley/channels')).body.channels;
    const [carrierA, carrierB] = listed.filter((c) => c.type === 'smpp');
    assert.deepEqual([carrierA!.destinations, carrierB!.destinations], [['+44'], []]);
    assert.match(channelLines([carrierA!])[0]!, /\+15550001111,ACME\s+to \+44\s*$/);
    assert.doesNotMatch(channelLines([carrierB!])[0]!, / to /);
    const row = await boundCarrierRow(parley, cleanup);
    assert.equal(await row.locator('.destinations').textContent(), ' to +44');
  });

  test('the longest prefix wins: +4477 on carrier-b, the rest of +44 on carrier-a', async () => {
    const { a, b, parley } = await setUp({ destinations: ['+44', '+353'] });
    const channels = readChannels([entry('carrier-a', a.port, { destinations: ['+44', '+353'] }), entry('carrier-b', b.port, { destinations: ['+4477'] })], WHERE);
    const changes = await parley.reloadChannels(channels);
    assert.deepEqual([changes.adjusted, changes.restarted], [['carrier-b'], []]);
    for (const to of ['+447700900125', '+442071234567', '+353861234567']) await parley.status((await parley.create('x', { To: to })).sid, ['sent']);
    assert.deepEqual(destinationsOf(a.submits), ['442071234567', '353861234567']);
    assert.deepEqual(destinationsOf(b.submits), ['447700900125']);
    assert.equal(a.binds.length + b.binds.length, 2, 'a reload of destinations keeps the binds');

    // carrier-b now takes only +4477: from this number nothing goes to +1, and the API says why.
    const refused = await parley.api<{ code: number; message: string }>('POST', `/2010-04-01/Accounts/${parley.account.sid}/Messages.json`, { From: PARLEY_NUMBER, To: US_HANDSET, Body: 'x' });
    assert.deepEqual([refused.status, refused.body.code], [400, 21606]);
    assert.equal(refused.body.message, `The From phone number ${PARLEY_NUMBER} is carried to ${US_HANDSET} by no channel (Parley runs with --carriers-only); add a prefix of ${US_HANDSET} to the destinations of a channel that lists it.`);
  });

  test('a TwiML reply goes by its handset\'s destination: a UK handset\'s on carrier-a, whichever carrier its message came by; /metrics counts each by the carrier it came by', async () => {
    const app = await startApp((req, res) => twiml(res, `<Response><Message>hello ${req.params.get('FromCountry')}</Message></Response>`));
    cleanup.push(() => app.close());
    const { a, b, parley } = await setUp(undefined, app.url);
    // Two UK handsets by carrier-b, one US handset by carrier-a.
    for (const [handset, double] of [[UK_HANDSET, b], ['+447700900999', b], [US_HANDSET, a]] as const) {
      const resp = await double.deliver({ from: handset.slice(1), to: PARLEY_NUMBER.slice(1), shortMessage: Buffer.from('hi') });
      assert.equal(resp.command_status, 0);
    }
    await a.until(() => a.submits.length === 2, 'the UK replies');
    await b.until(() => b.submits.length === 1, 'the US reply');
    assert.deepEqual([destinationsOf(a.submits).sort(), String(a.submits[0]!.pdu.short_message)], [['447700900123', '447700900999'], 'hello GB']);
    assert.deepEqual([destinationsOf(b.submits), String(b.submits[0]!.pdu.short_message)], [['15551230001'], 'hello US']);
    // A reply counts as sent once its submit_sm_resp is read: until then the scrape may lag the submits.
    const counts = async (name: string): Promise<number[]> => {
      const metrics = parseExposition(await (await fetch(`${parley.url}/metrics`, { headers: { authorization: basicAuth(parley.account.sid, parley.account.authToken) } })).text());
      return ['carrier-a', 'carrier-b'].map((channel) => valueOf(metrics, name, { channel }));
    };
    for (let tries = 0; (await counts('parley_messages_sent_total')).join() !== '2,1'; tries++) {
      assert.ok(tries < 100, 'the replies are counted as sent, 2 on carrier-a and 1 on carrier-b');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await counts('parley_messages_received_total'), [1, 2], 'received: by the carrier each came by');
  });
});

describe('destinations in the configuration file', () => {
  const read = (a: Record<string, unknown>, b: Record<string, unknown> = {}): unknown => readChannels([entry('carrier-a', 2775, a), entry('carrier-b', 2776, b)], WHERE);
  const fails = (pattern: RegExp) => (e: unknown): boolean => e instanceof ConfigError && pattern.test(e.message);

  test('prefixes are + and digits, each once; a number goes to one destination on one channel', () => {
    assert.throws(() => read({ destinations: ['44'] }), fails(/channels\[0\]\.destinations\[0\]: "44" is not a destination prefix: write \+ and the digits numbers start with, like "\+44"/));
    assert.throws(() => read({ destinations: ['+44', 'UK'] }), fails(/channels\[0\]\.destinations\[1\]: "UK" is not a destination prefix/));
    assert.throws(() => read({ destinations: ['+44', '+44'] }), fails(/channels\[0\]\.destinations\[1\]: "\+44" is listed twice/));
    assert.throws(() => read({ destinations: '+44' }), fails(/channels\[0\]\.destinations: must be a list/));
    assert.throws(() => read({}), fails(/channels\[1\]\.numbers: \+15550001111 is carried by both "carrier-a" and "carrier-b" \(give them different destinations\)/));
    assert.throws(() => read({ destinations: ['+44'] }, { destinations: ['+44'] }), fails(/channels\[1\]\.numbers: \+15550001111 is carried to \+44 by both "carrier-a" and "carrier-b"/));
    assert.throws(() => read({ numbers: ['*'], destinations: ['+1'] }, { numbers: ['*'], destinations: ['+1'] }), fails(/both say "\*" to \+1; only one channel can carry every other number there/));
    assert.deepEqual((read({ destinations: ['+44'] }, { destinations: ['+4477'] }) as Array<{ destinations: string[] }>).map((c) => c.destinations), [['+44'], ['+4477']]);
  });

  test('`parley config check` shows each channel\'s destinations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-destinations-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'parley.yaml');
    writeFileSync(file, [
      'channels:',
      '  - {name: carrier-a, type: smpp, host: 127.0.0.1, port: 2775, system-id: parley, password: secret, numbers: ["+15550001111"], destinations: ["+44", "+353"]}',
      '  - {name: carrier-b, type: smpp, host: 127.0.0.1, port: 2776, system-id: parley, password: secret, numbers: ["+15550001111"]}',
      '',
    ].join('\n'));
    const r = await runCli(['config', 'check', '--config', file], cleanEnv({}));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /carrier-a .*numbers \+15550001111 to \+44,\+353\n/);
    assert.match(r.stdout, /carrier-b .*numbers \+15550001111\n/);
  });
});
