/**
 * Test certificates made with the openssl CLI in a directory of the test's, valid for two days but one:
 * - `ca.pem`/`ca.key`: a test CA;
 * - `smsc.pem`/`smsc.key`: a server certificate it signs for 127.0.0.1 (an IP entry, no host name);
 * - `named.pem`/`named.key`: a server certificate it signs for the host name smsc.test only;
 * - `client.pem`/`client.key`: a client certificate it signs for `CN=parley-client`, and
 *   `client-encrypted.key`, the same key encrypted;
 * - `renewed.pem`/`renewed.key`: its renewal, for `CN=parley-client-renewed`, valid for 90 days;
 * - `stranger.pem`/`stranger.key`: a self-signed client certificate no SMSC trusts.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function makeCertificates(at: string): void {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: at, stdio: 'pipe' });
  const signed = (name: string, subject: string, extension: string, days = 2): void => {
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(at, `${name}.ext`), `${extension}\n`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', String(days), '-extfile', `${name}.ext`);
  };
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Parley test CA');
  signed('smsc', '/CN=test SMSC', 'subjectAltName = IP:127.0.0.1');
  signed('named', '/CN=smsc.test', 'subjectAltName = DNS:smsc.test');
  signed('client', '/CN=parley-client', 'extendedKeyUsage = clientAuth');
  signed('renewed', '/CN=parley-client-renewed', 'extendedKeyUsage = clientAuth', 90);
  run('pkey', '-in', 'client.key', '-aes256', '-passout', 'pass:not-given', '-out', 'client-encrypted.key');
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'stranger.key', '-out', 'stranger.pem', '-days', '2', '-subj', '/CN=stranger');
}

/** The end of a certificate's validity as openssl itself reads it (`notAfter=Dec  9 19:00:00 2026 GMT`). */
export function certificateEnd(file: string): Date {
  const line = execFileSync('openssl', ['x509', '-in', file, '-noout', '-enddate'], { encoding: 'utf8' }).trim();
  return new Date(Date.parse(line.slice('notAfter='.length)));
}
