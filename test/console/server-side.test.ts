/**
 * The console's server side without a browser: the Host-header check (DNS rebinding) and the host
 * names `--allowed-hosts` adds to it, Basic auth on the page and `/console/session`, and static
 * files that cannot climb out of their folder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostGuard, fromBrowser, hostName } from '../../src/console/host-guard.js';
import { ConsoleFiles } from '../../src/console/static.js';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { GatewayProcess, freePort, newCredentials } from '../helpers/gateway-process.js';
import { cleanEnv, runCli } from '../cli/run-cli.js';

describe('host guard', () => {
  const allowed = createHostGuard(['parley.internal']);
  test('host names are read without port and brackets', () => {
    assert.equal(hostName('LocalHost:3000'), 'localhost');
    assert.equal(hostName('[::1]:3000'), '::1');
    assert.equal(hostName('bad host'), null);
    assert.equal(hostName(undefined), null);
  });
  for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', '10.0.0.5', 'parley.internal:3000', 'app.localhost']) {
    test(`allows ${host}`, () => assert.equal(allowed(host), true));
  }
  for (const host of ['evil.example', 'localhost.evil.example:3000', '127.0.0.1.nip.io', '', 'a b']) {
    test(`rejects ${JSON.stringify(host)}`, () => assert.equal(allowed(host), false));
  }
  test('browser requests are recognised by Origin or fetch metadata', () => {
    assert.equal(fromBrowser({ 'sec-fetch-mode': 'cors' }), true);
    assert.equal(fromBrowser({ origin: 'http://localhost:3000' }), true);
    assert.equal(fromBrowser({ 'user-agent': 'twilio-node/5' }), false);
  });
});

describe('console files', () => {
  const root = mkdtempSync(join(tmpdir(), 'parley-console-'));
  const files = new ConsoleFiles(join(root, 'site'));
  before(() => {
    mkdirSync(join(root, 'site', 'assets'), { recursive: true });
    writeFileSync(join(root, 'site', 'index.html'), '<!doctype html>');
    writeFileSync(join(root, 'site', 'assets', 'app-1.js'), 'export {}');
    writeFileSync(join(root, 'secret.html'), 'secret');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('serves files with their content type', async () => {
    assert.equal((await files.read('index.html'))?.contentType, 'text/html; charset=utf-8');
    assert.equal((await files.read('assets/app-1.js'))?.contentType, 'text/javascript; charset=utf-8');
  });
  for (const name of ['../secret.html', 'assets/../../secret.html', 'assets/%2e%2e/x.js', '.hidden.js', 'assets/missing.js', 'index.exe', '/etc/passwd']) {
    test(`refuses ${name}`, async () => assert.equal(await files.read(name), null));
  }
});

describe('console routes', () => {
  let parley: RunningParley;
  let auth: string;
  before(async () => {
    parley = await startParley({ port: 0, host: '127.0.0.1', db: ':memory:', sessionTtlMs: 3600_000, dev: true, logger: createLogger({ level: 'silent' }) });
    auth = `Basic ${Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64')}`;
  });
  after(async () => parley?.stop());

  test('the session route needs credentials and answers the account', async () => {
    const anonymous = await fetch(`${parley.url}/console/session`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic/);
    const res = await fetch(`${parley.url}/console/session`, { headers: { authorization: auth } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await res.json() as { account_sid: string; auth_token: string; dev: boolean; session_ttl_seconds: number };
    assert.deepEqual(body, { ...body, account_sid: parley.account.sid, auth_token: parley.account.authToken, dev: true, session_ttl_seconds: 3600 });
  });

  test('an unknown Host is refused for the console and for browser API calls, not for API clients', async () => {
    const { request } = await import('node:http');
    const get = (path: string, headers: Record<string, string>): Promise<number> => new Promise((done, fail) => {
      request(`${parley.url}${path}`, { headers: { authorization: auth, ...headers } }, (res) => { res.resume(); done(res.statusCode ?? 0); }).on('error', fail).end();
    });
    assert.equal(await get('/console/session', { host: 'evil.example' }), 403);
    assert.equal(await get('/v1/Alerts', { host: 'evil.example', 'sec-fetch-mode': 'cors' }), 403);
    assert.equal(await get('/v1/Alerts', { host: 'evil.example' }), 200);
    assert.equal(await get('/console/session', { host: `localhost:${parley.port}`, 'sec-fetch-mode': 'cors' }), 200);
  });
});

describe('--allowed-hosts', () => {
  let gateway: GatewayProcess;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-allowed-hosts-'));
    gateway = new GatewayProcess(await freePort(), join(dir, 'parley.db'), newCredentials(), ['--allowed-hosts', 'Parley.LAN, console.example.com']);
    await gateway.start();
  });
  after(async () => {
    await gateway?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  test('browsers may reach the console under the names given, and still not under others', async () => {
    const { request } = await import('node:http');
    const { accountSid, authToken } = gateway.credentials;
    const auth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    const get = (host: string): Promise<number> => new Promise((done, fail) => {
      request(`${gateway.url}/console/session`, { headers: { authorization: auth, host, 'sec-fetch-mode': 'cors' } }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      }).on('error', fail).end();
    });
    assert.equal(await get(`parley.lan:${gateway.port}`), 200);
    assert.equal(await get('console.example.com'), 200);
    assert.equal(await get('evil.example'), 403);
    assert.equal(await get(`sub.parley.lan:${gateway.port}`), 403);
  });

  test('a value that is not a host name is refused at start with a usage error', async () => {
    const r = await runCli(['serve', '--db', ':memory:', '--port', '0', '--allowed-hosts', 'https://parley.lan'], cleanEnv());
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--allowed-hosts: "https:\/\/parley\.lan" is not a host name/);
  });
});
