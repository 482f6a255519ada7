/**
 * `parley serve` reloads its channels on SIGHUP, as a process, against SMSC doubles: a renewed
 * client certificate and a changed channel rebind with the new configuration while an unchanged
 * one keeps its bind; a new channel starts and a removed one unbinds; a message the old channel
 * held is sent by the new one; a configuration with a mistake changes nothing and names the key;
 * a setting that takes a restart is named; a window and a number of binds are taken without a
 * new connection; /metrics says whether the last reload succeeded; a password changed in its
 * password-file binds again with it.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SmscDouble } from '../../helpers/smsc-double.js';
import { certificateEnd, makeCertificates } from '../../helpers/certificates.js';
import { Api, freePort, GatewayProcess, newCredentials } from '../../helpers/gateway-process.js';
import { parseExposition, valueOf } from '../../helpers/prometheus.js';
import { HANDSET, PARLEY_NUMBER } from './fixtures.js';

const OTHER_NUMBER = '+15550002222';

interface ChannelJson {
  name: string;
  state: string;
  client_certificate: { subject: string; expires_at: string } | null;
  binds: Array<{ name: string; state: string }> | null;
}

describe('parley serve: SIGHUP reloads the channels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-reload-'));
  const file = (name: string): string => join(dir, name);
  const configFile = file('parley.yaml');
  const credentials = newCredentials();
  let tlsDouble: SmscDouble;
  let plainDouble: SmscDouble;
  let gateway: GatewayProcess;
  let api: Api;

  /** carrier-a over TLS with the client certificate in client.pem, plus `others` (JSON is YAML). */
  const writeConfig = (carrierA: Record<string, unknown> = {}, others: Array<Record<string, unknown>> = [], topLevel: Record<string, unknown> = {}): void => {
    const carrier = (name: string, port: number, numbers: string[], extra: Record<string, unknown>): Record<string, unknown> => ({
      name, type: 'smpp', host: '127.0.0.1', port, 'system-id': 'parley', password: 'secret', numbers,
      'reconnect-delay': '100ms', 'response-timeout': '2s', 'retry-delay': '100ms', ...extra,
    });
    const a = carrier('carrier-a', tlsDouble.port, [PARLEY_NUMBER], {
      tls: true, 'tls-ca': file('ca.pem'), 'tls-cert': file('client.pem'), 'tls-key': file('client.key'), ...carrierA,
    });
    writeFileSync(configFile, JSON.stringify({ ...topLevel, channels: [a, ...others.map((o) => carrier(String(o.name), plainDouble.port, [OTHER_NUMBER], o))] }));
  };
  const carrierB = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'carrier-b', 'service-type': 'CMT', ...extra });

  /**
   * Sends `signals` SIGHUPs, 10 ms apart (signals of one kind sent together may arrive as one), and
   * resolves with the lines the reloads printed, once each has reported.
   */
  const hangUp = async (signals = 1): Promise<string> => {
    const from = gateway.output.length;
    for (let i = 0; i < signals; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 10));
      gateway.child!.kill('SIGHUP');
    }
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const printed = gateway.output.slice(from);
      const reports = printed.match(/SIGHUP: (configuration reloaded|the configuration was not reloaded|the channels were not reloaded)[^\n]*\n/g) ?? [];
      if (reports.length >= signals) return printed;
      await new Promise((r) => setTimeout(r, 20)); // a child's output: no event to wait on here
    }
    throw new Error(`not every reload was reported:\n${gateway.output.slice(from)}`);
  };
  const channels = async (): Promise<ChannelJson[]> => {
    const res = await api.request('GET', '/parley/channels');
    return (res.json as unknown as { channels: ChannelJson[] }).channels;
  };
  /** parley_config_last_reload_successful, and its success timestamp in ms. */
  const reloadMetrics = async (): Promise<[number, number]> => {
    const res = await fetch(`${gateway.url}/metrics`, { headers: { authorization: api.authorization } });
    const families = parseExposition(await res.text());
    return [valueOf(families, 'parley_config_last_reload_successful'), valueOf(families, 'parley_config_last_reload_success_timestamp_seconds') * 1000];
  };
  const message = async (from: string, body: string): Promise<string> => {
    const res = await api.request('POST', `/2010-04-01/Accounts/${credentials.accountSid}/Messages.json`, { From: from, To: HANDSET, Body: body });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return String(res.json.sid);
  };
  const statusOf = async (sid: string, status: string): Promise<void> => {
    const deadline = Date.now() + 15_000;
    let last = '';
    while (Date.now() < deadline) {
      last = String((await api.request('GET', `/2010-04-01/Accounts/${credentials.accountSid}/Messages/${sid}.json`)).json.status);
      if (last === status) return;
      await new Promise((r) => setTimeout(r, 50)); // another process's store: polled through its API
    }
    assert.fail(`${sid} is ${last}, not ${status}`);
  };

  before(async () => {
    makeCertificates(dir);
    tlsDouble = await SmscDouble.start({ tls: { key: readFileSync(file('smsc.key'), 'utf8'), cert: readFileSync(file('smsc.pem'), 'utf8'), clientCa: readFileSync(file('ca.pem'), 'utf8') } });
    plainDouble = await SmscDouble.start();
    writeConfig();
    gateway = new GatewayProcess(await freePort(), file('parley.db'), credentials, ['--config', configFile]);
    await gateway.start();
    api = new Api(gateway.url, credentials);
    for (const number of [PARLEY_NUMBER, OTHER_NUMBER]) await api.createNumber({ PhoneNumber: number, SmsUrl: 'http://127.0.0.1:9/none' });
    await tlsDouble.until(() => tlsDouble.bound().length === 1, 'the first bind');
  });
  after(async () => {
    await gateway.kill('SIGTERM');
    await tlsDouble.close();
    await plainDouble.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a renewed certificate and a new channel: carrier-a rebinds with the new certificate, carrier-b starts, and the message carrier-a held is sent, not lost', { timeout: 60_000 }, async () => {
    assert.equal((await channels()).find((c) => c.name === 'carrier-a')!.client_certificate!.subject, 'CN=parley-client');
    // A message the SMSC takes and never answers: the old channel holds it when the reload comes.
    tlsDouble.onSubmit = () => ({ hold: true });
    const held = await message(PARLEY_NUMBER, 'held across the reload');
    await tlsDouble.until(() => tlsDouble.held.length === 1, 'the held submit');
    tlsDouble.onSubmit = () => ({});

    // The renewal overwrites the files in place, as certbot-style tools do.
    copyFileSync(file('renewed.pem'), file('client.pem'));
    copyFileSync(file('renewed.key'), file('client.key'));
    writeConfig({}, [carrierB()]);
    const [, startedAt] = await reloadMetrics();
    const printed = await hangUp();
    assert.match(printed, /^SIGHUP: configuration reloaded; channels started: carrier-b; restarted: carrier-a$/m);
    const [successful, reloadedAt] = await reloadMetrics();
    assert.equal(successful, 1);
    assert.ok(reloadedAt > startedAt, 'the reload is the configuration\'s new time');

    await tlsDouble.until(() => tlsDouble.bound().length === 1 && tlsDouble.binds.length === 2, 'the rebind');
    assert.deepEqual(tlsDouble.binds.map((b) => b.clientCertificate), ['parley-client', 'parley-client-renewed']);
    await plainDouble.until(() => plainDouble.bound().length === 1, 'carrier-b\'s bind');
    const after = await channels();
    assert.deepEqual(after.map((c) => [c.name, c.state]), [['simulator', 'bound'], ['carrier-a', 'bound'], ['carrier-b', 'bound']]);
    assert.deepEqual(after.find((c) => c.name === 'carrier-a')!.client_certificate,
      { subject: 'CN=parley-client-renewed', expires_at: certificateEnd(file('renewed.pem')).toISOString() });

    // The held message went again, on the new bind (at least once towards the SMSC), and is sent.
    await statusOf(held, 'sent');
    const sends = tlsDouble.submits.filter((s) => String(s.pdu.short_message) === 'held across the reload');
    assert.deepEqual(sends.map((s) => s.session), [tlsDouble.binds[0]!.session, tlsDouble.binds[1]!.session]);

    const viaB = await message(OTHER_NUMBER, 'by the new channel');
    await statusOf(viaB, 'sent');
    assert.deepEqual(plainDouble.submits.map((s) => [String(s.pdu.short_message), s.pdu.service_type]), [['by the new channel', 'CMT']]);
  });

  test('a configuration with a mistake changes nothing: the error names the key, and every bind stays', { timeout: 30_000 }, async () => {
    const binds = [tlsDouble.binds.length, plainDouble.binds.length];
    const [, lastSuccess] = await reloadMetrics();
    writeConfig({}, [carrierB({ window: 0 })]);
    const printed = await hangUp();
    assert.deepEqual(await reloadMetrics(), [0, lastSuccess], 'refused: an alert can tell that the file in place would not start');
    assert.ok(printed.includes(`parley: SIGHUP: the configuration was not reloaded, nothing changed: ${configFile}: channels[1].window: must be between 1 and 1000, not 0\n`), printed);
    assert.deepEqual((await channels()).map((c) => [c.name, c.state]), [['simulator', 'bound'], ['carrier-a', 'bound'], ['carrier-b', 'bound']]);
    assert.deepEqual([tlsDouble.binds.length, plainDouble.binds.length], binds);
  });

  test('signals in a burst: the reloads run one after another, so a changed channel restarts once and binds once', { timeout: 30_000 }, async () => {
    const binds = plainDouble.binds.length;
    // A submit the SMSC never answers keeps carrier-b's stop waiting (response-timeout, 2 s): the later signals come during the first reload.
    plainDouble.onSubmit = () => ({ hold: true });
    const held = await message(OTHER_NUMBER, 'held through a burst of reloads');
    await plainDouble.until(() => plainDouble.held.length === 1, 'the held submit');
    plainDouble.onSubmit = () => ({});
    // A changed system-type takes a new bind (a window would be taken in place: the next test).
    writeConfig({}, [carrierB({ 'system-type': 'BURST' })]);
    const printed = await hangUp(4);
    assert.deepEqual(printed.split('\n').filter((line) => line.startsWith('SIGHUP: ')), [
      'SIGHUP: configuration reloaded; channels restarted: carrier-b; unchanged: carrier-a',
      ...Array.from({ length: 3 }, () => 'SIGHUP: configuration reloaded; channels unchanged: carrier-a, carrier-b'),
    ]);
    await plainDouble.until(() => plainDouble.bound().length === 1, 'carrier-b bound again');
    assert.equal(plainDouble.binds.length, binds + 1);
    await statusOf(held, 'sent');
  });

  test('a changed window and number of binds are taken while running: the bind stays, one more binds, then unbinds', { timeout: 30_000 }, async () => {
    const binds = plainDouble.binds.length;
    const [kept] = plainDouble.bound();
    writeConfig({}, [carrierB({ 'system-type': 'BURST', window: 3, binds: 2 })]);
    assert.match(await hangUp(), /^SIGHUP: configuration reloaded; channels adjusted: carrier-b; unchanged: carrier-a$/m);
    await plainDouble.until(() => plainDouble.bound().length === 2, 'a second bind');
    assert.equal(plainDouble.binds.length, binds + 1, 'one new bind; the first one kept');
    assert.ok(plainDouble.bound().some((s) => s.id === kept!.id));
    const carrierBOf = async (): Promise<ChannelJson> => (await channels()).find((c) => c.name === 'carrier-b')!;
    assert.deepEqual((await carrierBOf()).binds!.map((b) => b.name), ['transceiver 1', 'transceiver 2']);

    writeConfig({}, [carrierB({ 'system-type': 'BURST', window: 3 })]);
    assert.match(await hangUp(), /^SIGHUP: configuration reloaded; channels adjusted: carrier-b; unchanged: carrier-a$/m);
    await plainDouble.until(() => plainDouble.bound().length === 1, 'one bind left');
    assert.deepEqual(plainDouble.bound().map((s) => s.id), [kept!.id], 'the first bind stays');
    assert.ok(plainDouble.pdus.some((p) => p.pdu.command === 'unbind' && p.session !== kept!.id), 'the second unbinds, not cut');
    assert.deepEqual((await carrierBOf()).binds!.map((b) => b.name), ['transceiver']);
    const sid = await message(OTHER_NUMBER, 'after two adjustments');
    await statusOf(sid, 'sent');
  });

  test('a removed channel unbinds, an unchanged one keeps its bind, and a setting that takes a restart is named', { timeout: 30_000 }, async () => {
    const binds = tlsDouble.binds.length;
    writeConfig({}, [], { 'session-ttl': '2h' });
    const printed = await hangUp();
    assert.ok(printed.includes('parley: SIGHUP: --session-ttl changed; that takes a restart, until then Parley runs as it started\n'), printed);
    assert.match(printed, /^SIGHUP: configuration reloaded; channels stopped: carrier-b; unchanged: carrier-a$/m);
    assert.equal((await reloadMetrics())[0], 1);
    await plainDouble.until(() => plainDouble.bound().length === 0, 'carrier-b\'s unbind');
    assert.ok(plainDouble.pdus.some((p) => p.pdu.command === 'unbind'), 'carrier-b unbound, not cut');
    assert.deepEqual((await channels()).map((c) => c.name), ['simulator', 'carrier-a']);
    assert.equal(tlsDouble.binds.length, binds, 'carrier-a did not rebind');
    assert.equal(tlsDouble.bound().length, 1);

    // A message from carrier-b's number now stays on the simulator, which no channel lists.
    const sid = await message(OTHER_NUMBER, 'back on the simulator');
    await statusOf(sid, 'delivered');
  });

  test('a password read from password-file: changed in the file, the channel binds again with the new one', { timeout: 30_000 }, async () => {
    const passwordFile = file('carrier-b.password');
    writeFileSync(passwordFile, 'secret\n');
    writeConfig({}, [carrierB({ password: null, 'password-file': passwordFile })]);
    assert.match(await hangUp(), /^SIGHUP: configuration reloaded; channels started: carrier-b; unchanged: carrier-a$/m);
    await plainDouble.until(() => plainDouble.bound().length === 1, 'carrier-b bound with the password from its file');
    const binds = plainDouble.binds.length;
    assert.equal(plainDouble.binds.at(-1)!.pdu.password, 'secret');

    // The carrier changes the password; the operator writes the new one into the file and reloads.
    plainDouble.options.password = 'rotated';
    writeFileSync(passwordFile, 'rotated\n');
    assert.match(await hangUp(), /^SIGHUP: configuration reloaded; channels restarted: carrier-b; unchanged: carrier-a$/m);
    await plainDouble.until(() => plainDouble.binds.length === binds + 1 && plainDouble.bound().length === 1, 'the bind with the new password');
    assert.deepEqual(plainDouble.binds.slice(binds).map((b) => [b.pdu.password, b.status]), [['rotated', 0]]);
    const sid = await message(OTHER_NUMBER, 'after the new password');
    await statusOf(sid, 'sent');
  });
});
