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
import { callServe, startServe, TEST_ACCOUNT_SID } from '../helpers/serve-process.js';

test('a turn interrupted by a crash resumes after restart and delivers exactly one reply', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-restart-'));
  const db = join(dir, 'p.db');
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
  let gateway = await startServe(db);
  try {
    await callServe(gateway.url, 'POST', `/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/IncomingPhoneNumbers.json`, { PhoneNumber: '+15005550006', SmsUrl: app.url });
    const accepted = await callServe<{ sid: string; status: string }>(gateway.url, 'POST', '/simulator/messages', { From: '+15551230001', To: '+15005550006', Body: 'hello' });
    assert.equal(accepted.status, 201);
    assert.equal(accepted.body.status, 'received');
    await firstRequest;
    await gateway.kill('SIGKILL');

    gateway = await startServe(db);
    const view = await callServe<{ turn: { status: string }; replies: Array<{ body: string }> }>(gateway.url, 'GET', `/simulator/messages/${accepted.body.sid}?Wait=15s`);
    assert.equal(view.body.turn.status, 'done');
    assert.deepEqual(view.body.replies.map((r) => r.body), ['you are back']);
    assert.equal(app.requests.length, 2, 'the webhook was requested again after the restart');
    assert.equal(app.requests[0]!.headers['i-twilio-idempotency-token'], app.requests[1]!.headers['i-twilio-idempotency-token']);
    const thread = await callServe<{ messages: Array<{ direction: string; body: string }> }>(gateway.url, 'GET', `/simulator/handsets/${encodeURIComponent('+15551230001')}/messages`);
    assert.deepEqual(thread.body.messages.map((m) => `${m.direction}:${m.body}`), ['inbound:hello', 'outbound-reply:you are back']);
  } finally {
    await gateway.kill('SIGTERM');
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
