/**
 * Test helpers for the TLS reverse-proxy test: a throwaway CA and server certificate made with the
 * openssl command, and Debian's nginx as a child process on 127.0.0.1 (its own prefix, temp and
 * log paths, no root paths, in the foreground) running the nginx configuration that
 * docs/deploying.md gives, with the test's names, port and certificate put in.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const DOCS = new URL('../../../docs/deploying.md', import.meta.url);

export interface TestCertificates {
  caPem: string;
  certFile: string;
  keyFile: string;
  /** base64 SHA-256 of the server certificate's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
  spkiHash: string;
}

/** A CA, and a server certificate it signed for `hostName` and 127.0.0.1 (P-256 keys: quick to make). */
export async function makeCertificates(dir: string, hostName: string): Promise<TestCertificates> {
  const file = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=Parley test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${hostName}`]);
  writeFileSync(file('server.ext'), `subjectAltName=DNS:${hostName},IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.pem'), '-days', '2', '-extfile', file('server.ext')]);
  const certPem = readFileSync(file('server.pem'), 'utf8');
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return { caPem: readFileSync(file('ca.pem'), 'utf8'), certFile: file('server.pem'), keyFile: file('server.key'), spkiHash: createHash('sha256').update(spki).digest('base64') };
}

/** The ```nginx block of docs/deploying.md. */
export function documentedNginxConfig(): string {
  const match = /```nginx\n([\s\S]*?)```/.exec(readFileSync(DOCS, 'utf8'));
  if (!match) throw new Error('docs/deploying.md has no ```nginx block');
  return match[1]!;
}

export interface RunningNginx {
  port: number;
  stop(): Promise<void>;
  log(): string;
}

/**
 * Starts nginx with the documented server block: `parley.example.com` becomes `hostName`, port 443
 * becomes `port` on 127.0.0.1, the certificate paths the test's, the upstream Parley's port.
 * `proxyBind` is the address nginx connects to Parley from (so Parley can tell it from clients).
 */
export async function startNginx(options: { dir: string; port: number; parleyPort: number; hostName: string; certs: TestCertificates; proxyBind: string }): Promise<RunningNginx> {
  const { dir, port } = options;
  for (const sub of ['logs', 'temp']) mkdirSync(join(dir, sub), { recursive: true });
  const server = documentedNginxConfig()
    .replaceAll('parley.example.com', options.hostName)
    .replace('listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`)
    .replace('/etc/ssl/parley/fullchain.pem', options.certs.certFile)
    .replace('/etc/ssl/parley/privkey.pem', options.certs.keyFile)
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${options.parleyPort};`);
  const temp = (name: string): string => join(dir, 'temp', name);
  writeFileSync(join(dir, 'nginx.conf'), [
    'daemon off;', 'master_process off;', 'worker_processes 1;', `pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'logs', 'error.log')} info;`,
    'events { worker_connections 128; }',
    'http {',
    `  access_log ${join(dir, 'logs', 'access.log')};`,
    `  client_body_temp_path ${temp('body')}; proxy_temp_path ${temp('proxy')}; fastcgi_temp_path ${temp('fastcgi')};`,
    `  uwsgi_temp_path ${temp('uwsgi')}; scgi_temp_path ${temp('scgi')};`,
    `  proxy_bind ${options.proxyBind};`,
    server,
    '}',
  ].join('\n'));
  const child: ChildProcess = spawn(NGINX, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs', 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const log = (): string => {
    let errors = '';
    try {
      errors = readFileSync(join(dir, 'logs', 'error.log'), 'utf8');
    } catch {
      // not written yet
    }
    return `${output}${errors}`;
  };
  const failed = once(child, 'exit').then(([code]) => {
    throw new Error(`nginx exited with ${String(code)}:\n${log()}`);
  });
  failed.catch(() => undefined);
  // nginx says nothing when it listens: wait until its port takes a connection.
  const listening = (async () => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 20)); // polling a child process's port: no event to wait on
    }
    throw new Error(`nginx did not listen on ${port}:\n${log()}`);
  })();
  await Promise.race([listening, failed]);
  return {
    port,
    log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGQUIT'); // nginx's graceful shutdown
      await exited;
    },
  };
}

async function canConnect(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
