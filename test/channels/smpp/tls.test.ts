/**
 * SMPP over TLS against an SMSC double with a certificate from a test CA made here (openssl CLI):
 * with `tls-ca` naming that CA Parley binds and sends; with the system's CAs it refuses the
 * certificate and shows why; a host name the certificate does not name is refused too; only
 * `tls-verify: false` accepts an unverified certificate. An SMSC that asks for a client
 * certificate gets the one `tls-cert` and `tls-key` name; without one, or with one it does not
 * trust, the channel is down and says why; the two files are checked when the configuration is read.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { ConfigError } from '../../../src/config/fields.js';
import { channelLines } from '../../../src/cli/commands/channels.js';
import { utcTime } from '../../../src/cli/format.js';
import type { ChannelJson } from '../../../src/http/representations/channel.js';
import { freePort } from '../../helpers/gateway-process.js';
import { parseExposition, promtoolCheck } from '../../helpers/prometheus.js';
import { SmscDouble } from '../../helpers/smsc-double.js';
import { certificateEnd, makeCertificates } from '../../helpers/certificates.js';
import { basicAuth } from '../../helpers/basic-auth.js';
import { boundCarrierRow, channelState, smppConfig, startSmppParley, type SmppParley } from './fixtures.js';

let dir: string;
let tls: { key: string; cert: string };
let caFile: string;

const file = (name: string): string => join(dir, name);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-smpp-tls-'));
  makeCertificates(dir);
  tls = { key: readFileSync(join(dir, 'smsc.key'), 'utf8'), cert: readFileSync(join(dir, 'smsc.pem'), 'utf8') };
  caFile = join(dir, 'ca.pem');
});
after(() => rmSync(dir, { recursive: true, force: true }));

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(extra: Record<string, unknown>): Promise<{ double: SmscDouble; parley: SmppParley }> {
  const double = await SmscDouble.start({ tls });
  cleanup.push(() => double.close());
  const parley = await startSmppParley(double, { tls: true, ...extra });
  cleanup.push(() => parley.stop());
  return { double, parley };
}

test('with tls-ca naming the test CA, Parley verifies the certificate, binds over TLS and sends', async () => {
  const { double, parley } = await setUp({ 'tls-ca': caFile });
  await channelState(parley, 'bound');
  const m = await parley.create('over TLS');
  await parley.status(m.sid, ['sent']);
  assert.equal(String(double.submits[0]!.pdu.short_message), 'over TLS');
});

test('with the system CAs the certificate is refused: the channel is down and says why, nothing is sent', async () => {
  const { double, parley } = await setUp({});
  const down = await channelState(parley, 'down');
  assert.match(down.reason ?? '', /^TLS: .*(UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED|UNABLE_TO_VERIFY)/);
  assert.equal(double.binds.length, 0);
});

test('a host name the certificate does not name is refused even with the right CA', async () => {
  const double = await SmscDouble.start({ tls });
  cleanup.push(() => double.close());
  const parley = await startSmppParley(double, { tls: true, 'tls-ca': caFile });
  cleanup.push(() => parley.stop());
  await channelState(parley, 'bound');
  const other = await startSmppParley(double, { tls: true, 'tls-ca': caFile, host: 'localhost' });
  cleanup.push(() => other.stop());
  const down = await channelState(other, 'down');
  assert.match(down.reason ?? '', /^TLS: .*ERR_TLS_CERT_ALTNAME_INVALID/);
});

test('tls-servername: an SMSC reached by its address, whose certificate names it by a host name, is verified against that name', async () => {
  const double = await SmscDouble.start({ tls: { key: readFileSync(file('named.key'), 'utf8'), cert: readFileSync(file('named.pem'), 'utf8') } });
  cleanup.push(() => double.close());
  const named = await startSmppParley(double, { tls: true, 'tls-ca': caFile, 'tls-servername': 'smsc.test' });
  cleanup.push(() => named.stop());
  await channelState(named, 'bound');
  const byAddress = await startSmppParley(double, { tls: true, 'tls-ca': caFile });
  cleanup.push(() => byAddress.stop());
  const down = await channelState(byAddress, 'down');
  assert.match(down.reason ?? '', /^TLS: .*ERR_TLS_CERT_ALTNAME_INVALID/);
  const other = await startSmppParley(double, { tls: true, 'tls-ca': caFile, 'tls-servername': 'other.test' });
  cleanup.push(() => other.stop());
  assert.match((await channelState(other, 'down')).reason ?? '', /^TLS: .*other\.test.*ERR_TLS_CERT_ALTNAME_INVALID/);
});

test('tls-verify: false accepts the unverified certificate (a test SMSC only)', async () => {
  const { parley } = await setUp({ 'tls-verify': false });
  await channelState(parley, 'bound');
});

describe('client certificates', () => {
  async function setUpAsking(extra: Record<string, unknown>): Promise<{ double: SmscDouble; parley: SmppParley }> {
    const double = await SmscDouble.start({ tls: { ...tls, clientCa: readFileSync(caFile, 'utf8') } });
    cleanup.push(() => double.close());
    const parley = await startSmppParley(double, { tls: true, 'tls-ca': caFile, ...extra });
    cleanup.push(() => parley.stop());
    return { double, parley };
  }

  test('an SMSC that asks for a client certificate gets the one tls-cert and tls-key name, and Parley binds and sends', async () => {
    const { double, parley } = await setUpAsking({ 'tls-cert': file('client.pem'), 'tls-key': file('client.key') });
    await channelState(parley, 'bound');
    assert.deepEqual(double.binds.map((b) => [b.status, b.clientCertificate]), [[0, 'parley-client']]);
    const m = await parley.create('with a client certificate');
    await parley.status(m.sid, ['sent']);
    assert.equal(String(double.submits[0]!.pdu.short_message), 'with a client certificate');
  });

  test('the certificate and its end of validity show in GET /parley/channels, /metrics, parley channels and the console', { timeout: 60_000 }, async () => {
    const { parley } = await setUpAsking({ 'tls-cert': file('client.pem'), 'tls-key': file('client.key') });
    await channelState(parley, 'bound');
    const notAfter = certificateEnd(file('client.pem')).getTime(); // openssl's own reading of the file
    assert.ok(notAfter > Date.now(), 'a certificate valid for two days');

    const { body } = await parley.api<{ channels: ChannelJson[] }>('GET', '/parley/channels');
    const carrier = body.channels.find((c) => c.name === 'carrier-a')!;
    assert.deepEqual(carrier.client_certificate, { subject: 'CN=parley-client', expires_at: new Date(notAfter).toISOString() });
    assert.equal(body.channels.find((c) => c.name === 'simulator')?.client_certificate, null);

    const metrics = await (await fetch(`${parley.url}/metrics`, { headers: { authorization: basicAuth(parley.account.sid, parley.account.authToken) } })).text();
    const family = parseExposition(metrics).get('parley_channel_client_certificate_expiry_timestamp_seconds');
    assert.equal(family?.type, 'gauge');
    assert.deepEqual(family.samples.map((s) => [s.labels.channel, s.value]), [['carrier-a', notAfter / 1000]]);
    const promtool = await promtoolCheck(metrics);
    assert.equal(promtool.code, 0, promtool.output);

    const [line] = channelLines([carrier]);
    assert.ok(line!.includes(`certificate until ${utcTime(new Date(notAfter).toISOString())}`), line);

    const row = await boundCarrierRow(parley, cleanup);
    // Two days left: under the 14 days the page marks.
    const note = row.locator('small.certificate.expiring');
    await note.waitFor();
    assert.match(await note.textContent() ?? '', /certificate until /);
    assert.equal(await note.getAttribute('title'), 'CN=parley-client');
  });

  test('without a client certificate the SMSC ends the connection: the channel is down, says why, and binds nothing', async () => {
    const { double, parley } = await setUpAsking({});
    const down = await channelState(parley, 'down');
    assert.match(down.reason ?? '', /\(TLS: the SMSC asks for a client certificate; set tls-cert and tls-key: tlsv13 alert certificate required \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\)\)$/);
    assert.equal(double.binds.length, 0);
  });

  test('a client certificate the SMSC does not trust: the channel is down and names the likeliest cause', async () => {
    // A Node SMSC (this double) closes the connection without an alert; OpenSSL-based ones send
    // `unknown ca`, which the unit test of tls-alerts.ts covers.
    const { double, parley } = await setUpAsking({ 'tls-cert': file('stranger.pem'), 'tls-key': file('stranger.key') });
    const down = await channelState(parley, 'down');
    assert.match(down.reason ?? '', /\(the SMSC closed the connection before answering the bind; check that it trusts the client certificate \(tls-cert\)\)$/);
    assert.equal(double.binds.length, 0);
  });

  test('an OpenSSL SMSC that does not trust the client certificate sends an alert: the reason says what it means', async () => {
    // `openssl s_server` stands for the many SMSCs behind OpenSSL (stunnel, Kannel's own TLS):
    // it asks for a certificate signed by the test CA and fails the handshake on any other.
    const port = await freePort();
    const server = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', file('smsc.pem'), '-key', file('smsc.key'),
      '-CAfile', caFile, '-Verify', '1', '-verify_return_error'], { stdio: ['pipe', 'pipe', 'pipe'] });
    cleanup.push(async () => {
      server.kill();
      if (server.exitCode === null && server.signalCode === null) await once(server, 'exit');
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ACCEPT')) resolve();
      });
      server.once('exit', () => reject(new Error(`openssl s_server ended: ${output}`)));
    });
    const parley = await startSmppParley({ port }, { tls: true, 'tls-ca': caFile, 'tls-cert': file('stranger.pem'), 'tls-key': file('stranger.key') });
    cleanup.push(() => parley.stop());
    const down = await channelState(parley, 'down');
    assert.match(down.reason ?? '',
      /TLS: the SMSC refused the client certificate \(tls-cert\): it does not trust its issuer: tlsv1 alert unknown ca \(ERR_SSL_TLSV1_ALERT_UNKNOWN_CA\)\)$/);
  });

  const MISTAKES: Array<[string, () => Record<string, unknown>, RegExp]> = [
    ['tls-cert without tls-key', () => ({ tls: true, 'tls-cert': file('client.pem') }), /channels\[0\]\.tls-key: is required with tls-cert$/],
    ['tls-key without tls-cert', () => ({ tls: true, 'tls-key': file('client.key') }), /channels\[0\]\.tls-cert: is required with tls-key$/],
    ['the key of another certificate', () => ({ tls: true, 'tls-cert': file('client.pem'), 'tls-key': file('stranger.key') }),
      /channels\[0\]\.tls-key: is not the private key of the certificate tls-cert names$/],
    ['an encrypted key', () => ({ tls: true, 'tls-cert': file('client.pem'), 'tls-key': file('client-encrypted.key') }),
      /channels\[0\]\.tls-key: cannot use ".*client-encrypted\.key" as a private key: it is encrypted; give Parley the key unencrypted/],
    ['a certificate given as the key', () => ({ tls: true, 'tls-cert': file('client.pem'), 'tls-key': file('client.pem') }),
      /channels\[0\]\.tls-key: cannot use ".*client\.pem" as a private key: no private key Parley can read in it/],
    ['a key given as the certificate', () => ({ tls: true, 'tls-cert': file('client.key'), 'tls-key': file('client.key') }),
      /channels\[0\]\.tls-cert: cannot use ".*client\.key" as a client certificate: no PEM certificate in it/],
    ['a client certificate without tls: true', () => ({ 'tls-cert': file('client.pem'), 'tls-key': file('client.key') }),
      /channels\[0\]\.tls-cert: is set but tls is false: the bind would go unencrypted; add `tls: true`, or remove the key$/],
    ['a CA without tls: true', () => ({ 'tls-ca': caFile }), /channels\[0\]\.tls-ca: is set but tls is false/],
    ['an address as the server name', () => ({ tls: true, 'tls-servername': '10.0.0.1' }), /channels\[0\]\.tls-servername: "10\.0\.0\.1" is an address; give the host name/],
    ['a server name without tls: true', () => ({ 'tls-servername': 'smsc.test' }), /channels\[0\]\.tls-servername: is set but tls is false/],
  ];
  for (const [what, extra, expected] of MISTAKES) {
    test(`a configuration mistake is a usage error naming the key: ${what}`, () => {
      assert.throws(() => smppConfig(2775, extra()), (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, expected);
        return true;
      });
    });
  }
});
