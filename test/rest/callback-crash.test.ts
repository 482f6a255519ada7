/**
 * Status callbacks survive a crash (issue 6): `parley serve` runs as a child process while the
 * callback endpoint is down, so every callback waits in the outbox; the process is killed with
 * SIGKILL, the endpoint comes up, and after a restart on the same database every callback arrives,
 * in status order per message, signed, with the token it had before the crash.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import twilio from 'twilio';
import { Api, GatewayProcess, freePort, newCredentials } from '../helpers/gateway-process.js';
import { startApp, type RecordedRequest, type TestApp } from '../helpers/apps.js';

const FROM = '+15005550061';
const HANDSETS = ['+15558670401', '+15558670402', '+15558670403'];
const CREDENTIALS = newCredentials();
const MESSAGES = `/2010-04-01/Accounts/${CREDENTIALS.accountSid}/Messages`;
let dir = '';
let serve: GatewayProcess | null = null;
let app: TestApp;
let up = false;
/** Re-checked after every request the app gets (the waiting is driven by Parley's retries). */
let onRequest: () => void = () => undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-callback-crash-'));
  app = await startApp((_req, res) => {
    res.writeHead(up ? 204 : 503).end();
    onRequest();
  });
});

after(async () => {
  await serve?.kill('SIGKILL');
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

function until(check: () => boolean | Promise<boolean>): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for callbacks')), 30_000);
    onRequest = () => {
      void Promise.resolve(check()).then((done) => {
        if (!done) return;
        clearTimeout(timer);
        onRequest = () => undefined;
        resolve();
      });
    };
    onRequest();
  });
}

const of = (sid: string): RecordedRequest[] => app.requests.filter((r) => r.params.get('MessageSid') === sid);

test('callbacks waiting in the outbox are sent after a SIGKILL and restart', async () => {
  const db = join(dir, 'parley.db');
  serve = new GatewayProcess(await freePort(), db, CREDENTIALS);
  await serve.start();
  const api = new Api(serve.url, CREDENTIALS);
  await api.createNumber({ PhoneNumber: FROM });
  const sids: string[] = [];
  for (const to of HANDSETS) {
    const res = await api.request('POST', `${MESSAGES}.json`, { To: to, From: FROM, Body: 'hi', StatusCallback: `${app.origin}/status` });
    assert.equal(res.status, 201);
    sids.push(String(res.json.sid));
  }
  // Wait until every message is delivered (both statuses, and so both callbacks, are committed)
  // and its first callback has been tried and refused.
  await until(async () => {
    if (!sids.every((sid) => of(sid).length > 0)) return false;
    const statuses = await Promise.all(sids.map((sid) => api.request('GET', `${MESSAGES}/${sid}.json`)));
    return statuses.every((s) => s.json.status === 'delivered');
  });
  await serve.kill('SIGKILL');
  const beforeCrash = app.requests.length;
  assert.ok(app.requests.every((r) => r.params.get('MessageStatus') === 'sent'), 'delivered waits behind the failing sent');

  up = true;
  const ok = (sid: string): RecordedRequest[] => of(sid).filter((r) => app.requests.indexOf(r) >= beforeCrash);
  const resumed = until(() => sids.every((sid) => ok(sid).length >= 2));
  await serve.start(); // the same port and database file
  await resumed;
  for (const sid of sids) {
    const all = of(sid);
    assert.deepEqual(ok(sid).map((r) => r.params.get('MessageStatus')), ['sent', 'delivered']);
    const sent = all.filter((r) => r.params.get('MessageStatus') === 'sent');
    assert.equal(new Set(sent.map((r) => r.headers['i-twilio-idempotency-token'])).size, 1, 'the same token before and after the crash');
    for (const r of all) {
      assert.ok(twilio.validateRequest(CREDENTIALS.authToken, String(r.headers['x-twilio-signature']), app.origin + r.url, Object.fromEntries(r.params)));
    }
  }
});
