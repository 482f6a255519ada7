/**
 * `parley config check` as a subprocess: a configuration `parley serve` would start with is
 * described (listen address, database, account, channels with TLS, their binds, failovers and the client
 * certificate's end of validity) with no secret printed, and a certificate near its end gets a warning; a mistake is
 * the usage error `serve` would give (exit 2, naming the file and the key), and nothing is opened.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { certificateEnd, makeCertificates } from '../helpers/certificates.js';
import { cleanEnv, runCli } from './run-cli.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-config-check-'));
  makeCertificates(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const channel = (extra: string): string => [
  '  - name: carrier-a', '    type: smpp', '    host: 127.0.0.1', '    port: 3550', '    system-id: parley', '    password: smpppw',
  '    numbers: ["+15550001111"]', extra,
].join('\n');

test('a configuration serve would start with: what it would run, no secret, and a warning for a certificate near its end', async () => {
  const file = join(dir, 'good.yaml');
  writeFileSync(file, ['port: 4100', 'channels:', channel([
    '    binds: 3', '    tls: true', `    tls-ca: ${join(dir, 'ca.pem')}`, `    tls-cert: ${join(dir, 'client.pem')}`, `    tls-key: ${join(dir, 'client.key')}`,
  ].join('\n')), ''].join('\n'));
  const r = await runCli(['config', 'check', '--config', file, '--db', 'postgres://parley:dbpassword@db.internal:5432/parley'],
    cleanEnv({ PARLEY_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef', PARLEY_AUTH_TOKEN: 'the-auth-token' }));
  assert.equal(r.code, 0, r.stderr);
  const until = `${certificateEnd(join(dir, 'client.pem')).toISOString().replace('T', ' ').slice(0, 19)}Z`;
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [
    `configuration: ${file}`,
    'listen: http://127.0.0.1:4100',
    'database: postgres://parley:***@db.internal:5432/parley (PostgreSQL)',
    'account: AC0123456789abcdef0123456789abcdef',
    'channels:',
    `  carrier-a  smpp  127.0.0.1:3550 over TLS, 3 binds  client certificate CN=parley-client, until ${until}  numbers +15550001111`,
    'other numbers: on the simulator',
  ]);
  assert.ok(r.stderr.split('\n').includes(`warning: carrier-a's client certificate expires at ${until}, in 2 days`), r.stderr);
  for (const secret of ['dbpassword', 'smpppw', 'the-auth-token']) assert.ok(!`${r.stdout}${r.stderr}`.includes(secret), `${secret} is not printed`);
});

test('the binds of each channel, when not the one transceiver of the default, and its failover', async () => {
  const file = join(dir, 'binds.yaml');
  const second = channel('    bind: transmitter-receiver\n    binds: 2').replace('carrier-a', 'carrier-b').replace('+15550001111', '+15550002222');
  writeFileSync(file, ['channels:', channel('    bind: transmitter-receiver\n    failover: [carrier-b]\n    failover-after: 30s'), second, ''].join('\n'));
  const r = await runCli(['config', 'check', '--config', file, '--db', join(dir, 'never-opened.db')], cleanEnv({}));
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((line) => line.trim().replace(/ {2,}/g, ' | '));
  assert.ok(lines.includes('carrier-a | smpp | 127.0.0.1:3550, plain TCP, a transmitter and a receiver | numbers +15550001111, failover carrier-b after 30s'), r.stdout);
  assert.ok(lines.includes('carrier-b | smpp | 127.0.0.1:3550, plain TCP, 2 transmitter and receiver pairs | numbers +15550002222'), r.stdout);
});

test('without a file: the options and environment alone, SQLite, no channels', async () => {
  const db = join(dir, 'never-opened.db');
  const r = await runCli(['config', 'check', '--port', '4200', '--db', db], cleanEnv({}));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [
    'configuration: options and environment only (no file)',
    'listen: http://127.0.0.1:4200',
    `database: ${db} (SQLite)`,
    'account: from the database, or generated at the first start',
    'channels: none; every number is on the simulator',
  ]);
  assert.equal(r.stderr, '');
  assert.equal(existsSync(db), false, 'nothing is opened');
});

test('--carriers-only: other numbers cannot send, and with no channel at all that is a warning', async () => {
  const r = await runCli(['config', 'check', '--carriers-only', '--db', join(dir, 'never-opened.db')], cleanEnv({}));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), 'channels: none; cannot send (--carriers-only: no simulator)');
  assert.equal(r.stderr, 'warning: --carriers-only without channels: no number can send\n');
});

test('a mistake is the usage error serve would give: exit 2, the file and the key named', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, ['channels:', channel(`    tls: true\n    tls-cert: ${join(dir, 'client.pem')}\n    tls-key: ${join(dir, 'stranger.key')}`), ''].join('\n'));
  const r = await runCli(['config', 'check', '--config', file], cleanEnv({}));
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(`${file}: channels[0].tls-key: is not the private key of the certificate tls-cert names`), r.stderr);
});

test('parley config without "check" is a usage error', async () => {
  const r = await runCli(['config'], cleanEnv({}));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /usage: parley config check \[the options of parley serve\]/);
});
