/**
 * Parley behind Debian's nginx terminating TLS, with the configuration docs/deploying.md gives
 * (test/helpers/nginx.ts runs it with a CA this test makes): the official twilio client trusting
 * that CA, the event stream unbuffered, the console in Chromium (the certificate trusted by its
 * SPKI hash, parley.test mapped to 127.0.0.1). Parley runs with `--allowed-hosts parley.test` and
 * `--trust-proxy 127.0.0.2`, the address nginx connects from (proxy_bind): X-Forwarded-For,
 * -Proto and -Host are believed from it and from nothing else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import twilio from 'twilio';
import type { Browser } from 'playwright-core';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { startSessionCounter, type RunningApp } from '../../examples/session-counter/server.js';
import { freePort } from '../helpers/gateway-process.js';
import { makeCertificates, startNginx, type RunningNginx, type TestCertificates } from '../helpers/nginx.js';
import { consolePage, launchChromium } from '../helpers/browser.js';

const HOST = 'parley.test';
const PROXY_ADDRESS = '127.0.0.2';
const CLIENT_ADDRESS = '127.0.0.3';
const NUMBER = '+15005550931';
const DEAD_NUMBER = '+15005550932';

describe('behind nginx with TLS', () => {
  let dir: string;
  let certs: TestCertificates;
  let parley: RunningParley;
  let nginx: RunningNginx;
  let app: RunningApp;
  let logs = '';
  let auth: string;
  let viaProxy: Agent;
  let proxyUrl: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
    certs = await makeCertificates(dir, HOST);
    const destination = new Writable({ write(chunk: Buffer, _e, done) { logs += chunk.toString(); done(); } });
    parley = await startParley({
      port: 0, host: '127.0.0.1', db: ':memory:', sessionTtlMs: 4 * 3_600_000, dev: false,
      logger: createLogger({ level: 'info', destination }), allowedHosts: [HOST], trustProxy: [PROXY_ADDRESS],
    });
    auth = `Basic ${Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64')}`;
    nginx = await startNginx({ dir, port: await freePort(), parleyPort: parley.port, hostName: HOST, certs, proxyBind: PROXY_ADDRESS });
    proxyUrl = `https://127.0.0.1:${nginx.port}`;
    viaProxy = new Agent({ connect: { ca: certs.caPem, servername: HOST } });
    app = await startSessionCounter({ authToken: parley.account.authToken });
  });

  after(async () => {
    await viaProxy?.close();
    await nginx?.stop();
    await parley?.stop();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the official twilio client, trusting the test CA, works through the proxy; URLs Parley builds say https and the proxy\'s host', async () => {
    const client = twilio(parley.account.sid, parley.account.authToken, { httpClient: new twilio.RequestClient({ ca: certs.caPem }) });
    client.api.baseUrl = proxyUrl;
    client.messaging.baseUrl = proxyUrl;
    client.monitor.baseUrl = proxyUrl;
    await client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, smsUrl: app.smsUrl, friendlyName: 'Session counter' });
    await client.incomingPhoneNumbers.create({ phoneNumber: DEAD_NUMBER, smsUrl: 'http://127.0.0.1:1/nothing-listens' });
    assert.deepEqual((await client.incomingPhoneNumbers.list()).map((n) => n.phoneNumber).sort(), [NUMBER, DEAD_NUMBER]);
    const sent = await client.messages.create({ from: NUMBER, to: '+15558930001', body: 'through TLS' });
    assert.equal((await client.messages(sent.sid).fetch()).body, 'through TLS');
    const service = await client.messaging.v1.services.create({ friendlyName: 'behind nginx' });
    assert.equal(service.url, `${proxyUrl}/v1/Services/${service.sid}`);

    const failed = await request(`${proxyUrl}/simulator/messages`, {
      method: 'POST', dispatcher: viaProxy, headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: '+15558930002', To: DEAD_NUMBER, Body: 'nobody home' }).toString(),
    });
    const sid = ((await failed.body.json()) as { sid: string }).sid;
    await request(`${proxyUrl}/simulator/messages/${sid}?Wait=10s`, { dispatcher: viaProxy, headers: { authorization: auth } }).then((r) => r.body.dump());
    const [alert] = await client.monitor.v1.alerts.list({ limit: 1 });
    assert.equal(alert?.errorCode, '11205');
    assert.equal(alert?.url, `${proxyUrl}/v1/Alerts/${alert?.sid}`);
  });

  test('the event stream comes through unbuffered', async () => {
    const stream = await request(`${proxyUrl}/simulator/events?Events=message`, { dispatcher: viaProxy, headers: { authorization: auth, accept: 'text/event-stream' } });
    assert.equal(stream.statusCode, 200);
    let seen = '';
    const event = new Promise<string>((resolve, reject) => {
      stream.body.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (/event: message\ndata: .*"body":"streamed"/.test(seen)) resolve(seen);
      });
      stream.body.on('error', reject);
    });
    // One small event: a buffering proxy would hold it back until the stream ended.
    await new Promise<void>((resolve) => stream.body.once('data', () => resolve()));
    const res = await request(`${proxyUrl}/simulator/messages`, {
      method: 'POST', dispatcher: viaProxy, headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: '+15558930003', To: NUMBER, Body: 'streamed' }).toString(),
    });
    assert.equal(res.statusCode, 201);
    await res.body.dump();
    await event;
    stream.body.destroy();
  });

  test('the console in Chromium at https://parley.test: a handset texts the session counter and sees the replies live', { timeout: 60_000 }, async () => {
    let browser: Browser | null = null;
    try {
      browser = await launchChromium([`--host-resolver-rules=MAP ${HOST} 127.0.0.1`, `--ignore-certificate-errors-spki-list=${certs.spkiHash}`]);
      const { page } = await consolePage(browser, `https://${HOST}:${nginx.port}`, parley.account);
      const response = await page.goto('/#/phones');
      assert.equal(response?.status(), 200);
      assert.equal(new URL(page.url()).protocol, 'https:');
      await page.getByLabel('Handset number').fill('+15558930004');
      await page.getByLabel('Name').fill('Proxy');
      await page.getByRole('button', { name: 'Add handset' }).click();
      await page.locator('.handsets li.current', { hasText: 'Proxy' }).waitFor();
      for (const [text, reply] of [['Hi', 'new message'], ['Again', 'number 2']] as const) {
        await page.getByRole('textbox', { name: 'Message' }).fill(text);
        await page.getByRole('textbox', { name: 'Message' }).press('Enter');
        await page.locator('.bubble.theirs', { hasText: reply }).waitFor(); // arrives over the event stream
      }
    } finally {
      await browser?.close();
    }
  });

  test('X-Forwarded-For/-Proto/-Host are believed from the proxy\'s address only', async () => {
    const from = (address: string): Agent => new Agent({ localAddress: address });
    const direct = `http://127.0.0.1:${parley.port}`;
    const forged = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'forged.example:8443' };
    const clientAgent = new Agent({ localAddress: CLIENT_ADDRESS, connect: { ca: certs.caPem, servername: HOST } });
    const [trusted, untrusted] = [from(PROXY_ADDRESS), from('127.0.0.1')];
    try {
      // The client's address in the failed sign-in's log line: nginx's X-Forwarded-For, not a forged one.
      const bad = `Basic ${Buffer.from(`${parley.account.sid}:${'0'.repeat(32)}`).toString('base64')}`;
      const logsBefore = logs.length;
      const viaNginx = await request(`${proxyUrl}/v1/Alerts`, { dispatcher: clientAgent, headers: { authorization: bad, 'x-forwarded-for': '203.0.113.7' } });
      const straight = await request(`${direct}/v1/Alerts`, { dispatcher: untrusted, headers: { authorization: bad, ...forged } });
      assert.deepEqual([viaNginx.statusCode, straight.statusCode], [401, 401]);
      await Promise.all([viaNginx.body.dump(), straight.body.dump()]);
      const failures = logs.slice(logsBefore).split('\n').filter((l) => l.includes('authentication failed')).map((l) => (JSON.parse(l) as { ip: string; code: number }));
      assert.deepEqual(failures.map((f) => [f.code, f.ip]), [[20003, CLIENT_ADDRESS], [20003, '127.0.0.1']]);
      // The same for a handset's message, also on fresh connections, which src/http/hot-connections.ts
      // answers itself: the proxy's X-Forwarded-For believed, anyone else's not.
      const handsetBefore = logs.length;
      const [freshFromProxy, freshUntrusted] = [from(PROXY_ADDRESS), from('127.0.0.1')];
      const message = { method: 'POST' as const, body: new URLSearchParams({ From: '+15558930009', To: NUMBER, Body: 'hi' }).toString() };
      const form = { authorization: bad, 'content-type': 'application/x-www-form-urlencoded' };
      const answers = [
        await request(`${proxyUrl}/simulator/messages`, { ...message, dispatcher: clientAgent, headers: { ...form, 'x-forwarded-for': '203.0.113.7' } }),
        await request(`${direct}/simulator/messages`, { ...message, dispatcher: freshFromProxy, headers: { ...form, 'x-forwarded-for': '203.0.113.8' } }),
        await request(`${direct}/simulator/messages`, { ...message, dispatcher: freshUntrusted, headers: { ...form, ...forged } }),
      ];
      assert.deepEqual(answers.map((a) => a.statusCode), [401, 401, 401]);
      await Promise.all(answers.map((a) => a.body.dump()));
      await Promise.all([freshFromProxy.close(), freshUntrusted.close()]);
      const handsetFailures = logs.slice(handsetBefore).split('\n').filter((l) => l.includes('authentication failed')).map((l) => (JSON.parse(l) as { ip: string; path: string }));
      assert.deepEqual(handsetFailures.map((f) => [f.path, f.ip]), [
        ['/simulator/messages', CLIENT_ADDRESS], ['/simulator/messages', '203.0.113.8'], ['/simulator/messages', '127.0.0.1'],
      ]);

      // URLs Parley builds: from the forwarded proto and host only when the proxy sent them.
      const urlFrom = async (agent: Agent): Promise<string> => {
        const res = await request(`${direct}/v1/Alerts`, { dispatcher: agent, headers: { authorization: auth, ...forged } });
        return ((await res.body.json()) as { meta: { url: string } }).meta.url;
      };
      assert.match(await urlFrom(trusted), /^https:\/\/forged\.example:8443\/v1\/Alerts/);
      assert.match(await urlFrom(untrusted), new RegExp(`^http://127\\.0\\.0\\.1:${parley.port}/v1/Alerts`));

      // The console's DNS-rebinding check reads the browser's host from the proxy, and only from it.
      // (Through TLS a rebound name already fails the browser's certificate check; over plain HTTP
      // behind a proxy, this check is what stops it.)
      const consoleFrom = async (agent: Agent, host: string): Promise<number> => {
        const res = await request(`${direct}/console/session`, { dispatcher: agent, headers: { authorization: auth, origin: `https://${host}`, 'x-forwarded-host': host } });
        await res.body.dump();
        return res.statusCode;
      };
      assert.equal(await consoleFrom(trusted, 'evil.example'), 403, 'believed from the proxy: a page on evil.example');
      assert.equal(await consoleFrom(untrusted, 'evil.example'), 200, 'not believed from anyone else: the Host header (an IP) decides');
      assert.equal(await consoleFrom(trusted, HOST), 200, '--allowed-hosts');
    } finally {
      await Promise.all([trusted.close(), untrusted.close(), clientAgent.close()]);
    }
  });
});
