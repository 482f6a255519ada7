/**
 * Secrets stay secret: the auth token, Authorization headers and credentials written into webhook
 * URLs never appear in log lines (captured at trace level), in /v1/Alerts, or in stored and
 * returned webhook exchanges, even when requests fail and apps misbehave.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import { startScriptedApp, twiml, type RunningApp } from '../reliability/apps.js';
import { startTestParley, type TestParley } from '../reliability/in-process.js';
import { createLogger } from '../../src/logging/logger.js';
import { maskUrlCredentials } from '../../src/webhooks/redact.js';

const URL_PASSWORD = 'urlSecretPassw0rd';
let gw: TestParley;
let app: RunningApp;
const sids: string[] = [];

before(async () => {
  gw = await startTestParley({ logLevel: 'trace' });
  app = await startScriptedApp({
    '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml('ok')),
    '/fail': (_req, res) => res.writeHead(500).end('nope'),
    '/redirect': (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end('<Response><Redirect>/ok</Redirect></Response>'),
  });
  const withCredentials = app.url.replace('http://', `http://webhookuser:${URL_PASSWORD}@`);
  await gw.api.createNumber({ PhoneNumber: '+15005550600', SmsUrl: `${withCredentials}/fail`, SmsFallbackUrl: `${withCredentials}/redirect` });
  await gw.api.createNumber({ PhoneNumber: '+15005550601', SmsUrl: `${withCredentials}/ok` });
  await gw.api.createNumber({ PhoneNumber: '+15005550602', SmsUrl: `http://webhookuser:${URL_PASSWORD}@127.0.0.1:1/refused` }); // connection refused: 11205
  for (const to of ['+15005550600', '+15005550601', '+15005550602']) {
    const sent = await gw.api.send('+15556660001', to, 'secret test');
    assert.equal(sent.status, 201);
    sids.push(String(sent.json.sid));
    await gw.api.turn(String(sent.json.sid), '10s');
  }
  // Failed logins too: a wrong token, a malformed header, a token for another account.
  for (const header of [`Basic ${Buffer.from(`${gw.credentials.accountSid}:wrong${gw.credentials.authToken}`).toString('base64')}`, 'Basic %%%', `Bearer ${gw.credentials.authToken}`]) {
    const res = await fetch(`${gw.parley.url}/2010-04-01/Accounts/${gw.credentials.accountSid}/Messages.json`, { headers: { authorization: header } });
    assert.equal(res.status, 401);
  }
});

after(async () => {
  await app.close();
  await gw.stop();
});

function secrets(): string[] {
  const basic = Buffer.from(`${gw.credentials.accountSid}:${gw.credentials.authToken}`).toString('base64');
  return [gw.credentials.authToken, basic, URL_PASSWORD];
}

function assertClean(where: string, text: string): void {
  for (const secret of secrets()) assert.ok(!text.includes(secret), `${where} contains a secret (${secret.slice(0, 4)}…)`);
  assert.ok(!/"authorization"/i.test(text), `${where} contains an Authorization header`);
}

test('the webhook app really received the URL credentials as Basic auth (so the test is meaningful)', () => {
  const expected = 'Basic ' + Buffer.from(`webhookuser:${URL_PASSWORD}`).toString('base64');
  assert.ok(app.received.some((r) => r.headers.authorization === expected));
});

test('stored and returned exchanges carry no Authorization header and mask URL credentials', async () => {
  for (const sid of sids) {
    const view = await gw.api.turn(sid, '1ms');
    assert.ok(view.exchanges.length > 0);
    assertClean(`exchanges of ${sid}`, JSON.stringify(view));
    for (const x of view.exchanges) {
      const request = x.request as { url: string; headers: Record<string, string> };
      assert.ok(!Object.keys(request.headers).some((h) => h.toLowerCase() === 'authorization'));
      assert.match(request.url, /webhookuser:\*\*\*\*@/);
    }
  }
  const conversation = await gw.api.request('GET', `/simulator/conversations/${encodeURIComponent('+15005550601')}/${encodeURIComponent('+15556660001')}`);
  assert.equal(conversation.status, 200);
  assertClean('conversation view', JSON.stringify(conversation.json));
});

test('the fallback request\'s ErrorUrl masks the credentials too', () => {
  const fallback = app.received.find((r) => r.path === '/redirect');
  assert.ok(fallback);
  assert.equal(fallback.params.get('ErrorUrl'), `${app.url.replace('http://', 'http://webhookuser:****@')}/fail`);
});

test('/v1/Alerts (list and each alert) shows no secret', async () => {
  const list = await gw.api.request('GET', '/v1/Alerts?PageSize=100');
  assert.equal(list.status, 200);
  const alerts = list.json.alerts as Array<{ sid: string }>;
  assert.ok(alerts.length >= 2, 'the failing numbers raised alerts');
  assertClean('alert list', JSON.stringify(list.json));
  for (const a of alerts) assertClean(`alert ${a.sid}`, JSON.stringify((await gw.api.request('GET', `/v1/Alerts/${a.sid}`)).json));
});

test('log lines (trace level) show no secret', () => {
  const logs = gw.logs();
  // Quiet at steady state; whatever was written (request errors, turn failures) must be clean.
  assertClean('logs', logs);
});

test('the operations lines are there and clean: one per turn (debug), failures with their code, failed sign-ins', () => {
  const lines = gw.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; code?: number; messageSid?: string; ip?: string });
  for (const sid of sids) assert.ok(lines.some((l) => l.msg === 'turn' && l.level === 20 && l.messageSid === sid), `a debug line for the turn of ${sid}`);
  const failures = lines.filter((l) => l.msg === 'error log').map((l) => l.code);
  assert.ok(failures.includes(11200) && failures.includes(11205), `failure lines with codes: ${failures.join(', ')}`);
  assert.equal(lines.filter((l) => l.msg === 'authentication failed' && l.code === 20003 && l.level === 40).length, 3);
  assertClean('operations log lines', lines.filter((l) => ['turn', 'error log', 'authentication failed'].includes(l.msg)).map((l) => JSON.stringify(l)).join('\n'));
});

test('/metrics, /parley/status and /readyz show no secret', async () => {
  const auth = { authorization: `Basic ${Buffer.from(`${gw.credentials.accountSid}:${gw.credentials.authToken}`).toString('base64')}` };
  for (const [path, headers] of [['/metrics', auth], ['/parley/status', auth], ['/readyz', {}]] as const) {
    const res = await fetch(`${gw.parley.url}${path}`, { headers });
    assert.equal(res.status, 200, path);
    assertClean(path, await res.text());
  }
});

test('the logger masks secrets even when a caller logs them by mistake', () => {
  let out = '';
  const destination = new Writable({ write(chunk: Buffer, _e, done) { out += chunk.toString(); done(); } });
  const logger = createLogger({ level: 'info', destination });
  logger.info({ authToken: 'tok1', account: { authToken: 'tok2', auth_token: 'tok3' }, req: { headers: { authorization: 'Basic tok4' } }, headers: { authorization: 'tok5' }, key: { secret: 'tok6' }, authorization: 'tok7' }, 'oops');
  for (const t of ['tok1', 'tok2', 'tok3', 'tok4', 'tok5', 'tok6', 'tok7']) assert.ok(!out.includes(t), `${t} leaked: ${out}`);
  assert.match(out, /\[masked\]/);
});

test('maskUrlCredentials', () => {
  const cases: Array<[string, string]> = [
    ['https://user:pass@host/x', 'https://user:****@host/x'],
    ['https://token@host/x?a=b', 'https://****@host/x?a=b'],
    ['https://host/x?email=a@b', 'https://host/x?email=a@b'],
    ['http://host:8080/x#ct=1000', 'http://host:8080/x#ct=1000'],
    ['http://u:p%40ss@host:1/x', 'http://u:****@host:1/x'],
  ];
  for (const [input, output] of cases) assert.equal(maskUrlCredentials(input), output);
});
