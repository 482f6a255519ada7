/**
 * Graceful shutdown: SIGTERM while turns are in flight against a slow app. Parley stops taking
 * requests, lets the running turns commit, parks the rest (they stay pending in the database),
 * and exits 0; after a restart every accepted message has exactly one reply.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, GatewayProcess, freePort, newCredentials } from '../helpers/gateway-process.js';
import { startScriptedApp, twiml, type RunningApp } from './apps.js';

const NUMBER = '+15005550700';
let dir: string;
let app: RunningApp;
let gateway: GatewayProcess;
let api: Api;
const arrived: Array<() => void> = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-shutdown-'));
  app = await startScriptedApp({
    '/slow': (_req, res, params) => {
      for (const wake of arrived.splice(0)) wake();
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml(`re: ${params.get('Body')}`)), 400);
    },
  });
  const credentials = newCredentials();
  gateway = new GatewayProcess(await freePort(), join(dir, 'shutdown.db'), credentials);
  api = new Api(gateway.url, credentials);
  await gateway.start();
  await api.createNumber({ PhoneNumber: NUMBER, SmsUrl: `${app.url}/slow` });
});

after(async () => {
  await gateway.kill('SIGKILL');
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM finishes or parks in-flight turns and exits 0; a restart completes the rest', { timeout: 60_000 }, async () => {
  const sids: string[] = [];
  // 20 handsets, 3 messages each: per-conversation order keeps most of them queued behind the slow app.
  await Promise.all(Array.from({ length: 20 }, async (_, h) => {
    for (let i = 0; i < 3; i++) {
      const res = await api.send(`+1555333${String(h).padStart(4, '0')}`, NUMBER, `m${i}`);
      assert.equal(res.status, 201);
      sids.push(String(res.json.sid));
    }
  }));
  await new Promise<void>((resolve) => (app.received.length > 0 ? resolve() : arrived.push(resolve)));
  const started = Date.now();
  const code = await gateway.kill('SIGTERM');
  assert.equal(code, 0, gateway.output);
  assert.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms`);
  assert.match(gateway.output, /Parley stopped/);

  await gateway.start();
  for (const sid of sids) {
    const view = await api.turn(sid, '30s');
    assert.equal(view.turn.status, 'done', sid);
    assert.equal(view.replies.length, 1, `one reply to ${sid}`);
    assert.equal(view.replies[0]!.body, `re: ${view.message.body}`);
  }
});
