/**
 * `--carriers-only`: Parley in production without the simulator. A number no channel carries
 * cannot send (21606 at the API; 30008 for a message its channel handed back when a reload removed
 * the channel), simulated handsets are refused (20006), the channels list has no simulator, and
 * the option cannot go with development mode. Through the REST API, an SMSC double and the CLI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SmscDouble } from '../helpers/smsc-double.js';
import { HANDSET, PARLEY_NUMBER, smppConfig, startSmppParley, type SmppParley } from './smpp/fixtures.js';
import { cleanEnv, runCli } from '../cli/run-cli.js';

const UNCARRIED = '+15550009999';

interface TwilioErrorJson {
  code: number;
  message: string;
  status: number;
}

describe('--carriers-only', () => {
  let double: SmscDouble;
  let parley: SmppParley;
  before(async () => {
    double = await SmscDouble.start();
    parley = await startSmppParley(double, {}, { carriersOnly: true });
    await parley.createNumber(UNCARRIED, 'http://127.0.0.1:9/none');
    await double.until(() => double.bound().length === 1, 'the bind');
  });
  after(async () => {
    await parley.stop();
    await double.close();
  });

  test('a message from a number no channel carries is refused with 21606, naming the option; one from a carried number goes to its carrier', async () => {
    const refused = await parley.api<TwilioErrorJson>('POST', `/2010-04-01/Accounts/${parley.account.sid}/Messages.json`, { From: UNCARRIED, To: HANDSET, Body: 'to nowhere' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 21606);
    assert.equal(refused.body.message, `The From phone number ${UNCARRIED} is carried by no channel (Parley runs with --carriers-only); add it to a channel's numbers.`);
    const sent = await parley.create('to a real phone', { To: HANDSET });
    await parley.status(sent.sid, ['sent']);
    assert.deepEqual(double.submits.map((s) => String(s.pdu.short_message)), ['to a real phone']);
  });

  test('simulated handsets are refused with 403 and 20006: a handset\'s message, and switching a handset off', async () => {
    for (const [path, form] of [
      ['/simulator/messages', { From: HANDSET, To: PARLEY_NUMBER, Body: 'from a handset that is not there' }],
      [`/simulator/handsets/${encodeURIComponent(HANDSET)}`, { Reachable: 'false' }],
    ] as const) {
      const res = await parley.api<TwilioErrorJson>('POST', path, form);
      assert.equal(res.status, 403, path);
      assert.deepEqual([res.body.code, res.body.message], [20006, 'Parley runs with --carriers-only: no handset is simulated, messages come from the carriers'], path);
    }
  });

  test('the channels list has no simulator, in the API and in parley channels', async () => {
    const { body } = await parley.api<{ channels: Array<{ name: string }> }>('GET', '/parley/channels');
    assert.deepEqual(body.channels.map((c) => c.name), ['carrier-a']);
    const r = await runCli(['channels'], cleanEnv({ PARLEY_URL: parley.url, PARLEY_ACCOUNT_SID: parley.account.sid, PARLEY_AUTH_TOKEN: parley.account.authToken }));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0]), ['carrier-a']);
  });

  test('a message its channel held when a reload removed the channel fails with 30008: no simulator calls it delivered', { timeout: 30_000 }, async () => {
    double.onSubmit = () => ({ hold: true });
    const held = await parley.create('held when the channel goes', { To: HANDSET });
    await double.until(() => double.held.length === 1, 'the held submit');
    const changes = await parley.reloadChannels([]);
    assert.deepEqual(changes.stopped, ['carrier-a']);
    const failed = await parley.status(held.sid, ['failed', 'delivered']);
    assert.deepEqual([failed.status, failed.errorCode], ['failed', 30008]);
    // Back as it was, for the tests after.
    double.onSubmit = () => ({});
    await parley.reloadChannels([smppConfig(double.port)]);
  });
});

describe('--carriers-only and the configuration', () => {
  test('with --dev it is a usage error (exit 2) naming both: development mode runs on the simulator', async () => {
    const r = await runCli(['serve', '--carriers-only', '--dev', '--db', ':memory:', '--port', '0'], cleanEnv({}));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--carriers-only cannot go with --dev: development mode runs on the simulator, which --carriers-only turns off/);
  });
});
