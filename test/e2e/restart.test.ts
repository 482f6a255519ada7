/**
 * Restart: the gateway is killed (SIGKILL) after answering 201, while the turn's webhook is in
 * flight; after a restart on the same SQLite file the turn runs again with the same idempotency
 * token, and exactly one reply is stored and delivered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, twiml } from '../helpers/apps.js';
import { startGateway } from '../helpers/gateway-process.js';

test('a turn interrupted by a crash resumes after restart and delivers exactly one reply', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-restart-'));
  let first = true;
  let onFirstRequest: () => void = () => undefined;
  const firstRequest = new Promise<void>((resolve) => {
    onFirstRequest = resolve;
  });
  const app = await startApp((_req, res) => {
    if (first) {
      first = false;
      onFirstRequest(); // never answered: the gateway dies while waiting
      return;
    }
    twiml(res, '<Response><Message>you are back</Message></Response>');
  });
  const { gateway, api } = await startGateway(join(dir, 'p.db'));
  try {
    await api.createNumber({ PhoneNumber: '+15005550006', SmsUrl: app.url });
    const accepted = await api.send('+15551230001', '+15005550006', 'hello');
    assert.equal(accepted.status, 201);
    assert.equal(accepted.json.status, 'received');
    const sid = String(accepted.json.sid);
    await firstRequest;
    await gateway.kill('SIGKILL');

    await gateway.start(); // the same port and database file
    const view = await api.turn(sid, '15s');
    assert.equal(view.turn.status, 'done');
    assert.deepEqual(view.replies.map((r) => r.body), ['you are back']);
    assert.equal(app.requests.length, 2, 'the webhook was requested again after the restart');
    assert.equal(app.requests[0]!.headers['i-twilio-idempotency-token'], app.requests[1]!.headers['i-twilio-idempotency-token']);
    const thread = await api.request('GET', `/simulator/handsets/${encodeURIComponent('+15551230001')}/messages`);
    const messages = thread.json.messages as Array<{ direction: string; body: string }>;
    assert.deepEqual(messages.map((m) => `${m.direction}:${m.body}`), ['inbound:hello', 'outbound-reply:you are back']);
  } finally {
    await gateway.kill('SIGTERM');
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
