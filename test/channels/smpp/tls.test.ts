/**
 * SMPP over TLS against an SMSC double with a certificate from a test CA made here (openssl CLI):
 * with `tls-ca` naming that CA Parley binds and sends; with the system's CAs it refuses the
 * certificate and shows why; a host name the certificate does not name is refused too; only
 * `tls-verify: false` accepts an unverified certificate.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { SmscDouble } from '../../helpers/smsc-double.js';
import { channelState, startSmppParley, type SmppParley } from './fixtures.js';

let dir: string;
let tls: { key: string; cert: string };
let caFile: string;

/** A CA, and a server certificate it signs for 127.0.0.1 (and no host name). */
function makeCertificates(at: string): void {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: at, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Parley test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'smsc.key', '-out', 'smsc.csr', '-subj', '/CN=test SMSC');
  writeFileSync(join(at, 'san.ext'), 'subjectAltName = IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'smsc.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'smsc.pem', '-days', '2', '-extfile', 'san.ext');
}

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

test('tls-verify: false accepts the unverified certificate (a test SMSC only)', async () => {
  const { parley } = await setUp({ 'tls-verify': false });
  await channelState(parley, 'bound');
});
