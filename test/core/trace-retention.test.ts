/**
 * Traces do not grow without bound: webhook exchange records and alerts older than the retention
 * (--trace-retention, default 30 days) are deleted by the periodic sweep; messages stay.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestParley, type TestParley } from '../helpers/parley.js';
import { startApp, twiml, type TestApp } from '../helpers/apps.js';
import { ManualClock } from '../../src/clock/clock.js';
import { loadServeConfig } from '../../src/config/schema.js';

let parley: TestParley;
let app: TestApp;
let clock: ManualClock;

before(async () => {
  clock = new ManualClock();
  parley = await startTestParley({ clock, traceRetentionMs: 3_600_000 });
  app = await startApp((req, res) => (req.url === '/broken' ? void res.writeHead(500).end() : twiml(res, '<Response><Message>ok</Message></Response>')));
  await parley.createNumber('+15005558001', `${app.origin}/sms`);
  await parley.createNumber('+15005558002', `${app.origin}/broken`);
});

after(async () => {
  await app.close();
  await parley.stop();
});

interface View { exchanges: unknown[]; replies: Array<{ body: string }> }
interface Alerts { alerts: Array<{ resource_sid: string }> }

test('exchanges and alerts past the retention are swept; messages and recent traces stay', async () => {
  const old = await parley.text('+15551238001', '+15005558001', 'old');
  const oldFailure = await parley.text('+15551238001', '+15005558002', 'old failure');
  await parley.turn(old.sid);
  await parley.turn(oldFailure.sid);
  clock.advance(2 * 3_600_000);
  const recent = await parley.text('+15551238001', '+15005558001', 'recent');
  await parley.turn(recent.sid);

  const swept = await parley.gateway.sweep();
  assert.equal(swept.exchanges, 2);
  assert.equal(swept.alerts, 1);

  const oldView = await parley.api<View>('GET', `/simulator/messages/${old.sid}`);
  assert.equal(oldView.status, 200, 'the message itself is kept');
  assert.deepEqual(oldView.body.exchanges, []);
  assert.deepEqual(oldView.body.replies.map((r) => r.body), ['ok'], 'so are its replies');
  const recentView = await parley.api<View>('GET', `/simulator/messages/${recent.sid}`);
  assert.equal(recentView.body.exchanges.length, 1);
  const alerts = await parley.api<Alerts>('GET', '/v1/Alerts');
  assert.equal(alerts.body.alerts.some((a) => a.resource_sid === oldFailure.sid), false);
});

test('--trace-retention is part of the serve configuration, 30 days by default', () => {
  assert.equal(loadServeConfig([], {}).traceRetentionMs, 30 * 86_400_000);
  assert.equal(loadServeConfig(['--trace-retention', '7d'], {}).traceRetentionMs, 7 * 86_400_000);
  assert.equal(loadServeConfig([], { PARLEY_TRACE_RETENTION: '12h' }).traceRetentionMs, 12 * 3_600_000);
  assert.throws(() => loadServeConfig(['--trace-retention', 'soon'], {}), /not a duration/);
});
