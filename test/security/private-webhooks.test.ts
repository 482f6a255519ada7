/**
 * The opt-in guard against webhooks to private and link-local addresses: off by default (local
 * development calls localhost); when on, IP literals and names that resolve to such addresses
 * fail with 11205 before any byte is sent, and the alert says why.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isPrivateAddress } from '../../src/webhooks/address-guard.js';
import { loadServeConfig } from '../../src/config/schema.js';
import { startScriptedApp, twiml, type RunningApp } from '../reliability/apps.js';
import { startTestParley, type TestParley } from '../reliability/in-process.js';

test('isPrivateAddress', () => {
  const blocked = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '[::1]', '::ffff:127.0.0.1', '::ffff:10.0.0.1'];
  const allowed = ['8.8.8.8', '172.32.0.1', '192.169.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', 'example.com'];
  for (const a of blocked) assert.equal(isPrivateAddress(a), true, a);
  for (const a of allowed) assert.equal(isPrivateAddress(a), false, a);
});

test('the flag is off by default and set by --block-private-webhooks or its environment variable', () => {
  assert.equal(loadServeConfig([], {}).blockPrivateWebhooks, false);
  assert.equal(loadServeConfig(['--block-private-webhooks'], {}).blockPrivateWebhooks, true);
  assert.equal(loadServeConfig([], { PARLEY_BLOCK_PRIVATE_WEBHOOKS: '1' }).blockPrivateWebhooks, true);
  assert.equal(loadServeConfig([], { PARLEY_BLOCK_PRIVATE_WEBHOOKS: 'false' }).blockPrivateWebhooks, false);
});

let gw: TestParley;
let app: RunningApp;

before(async () => {
  gw = await startTestParley({ blockPrivateWebhooks: true });
  app = await startScriptedApp({ '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml('ok')) });
});
after(async () => {
  await app.close();
  await gw.stop();
});

test('with the guard on, webhooks to loopback (literal or by name) fail with 11205 and send nothing', async () => {
  const port = new URL(app.url).port;
  let n = 800;
  for (const url of [`http://127.0.0.1:${port}/ok`, `http://localhost:${port}/ok`, `http://[::1]:${port}/ok`]) {
    const phone = `+15005550${n++}`;
    await gw.api.createNumber({ PhoneNumber: phone, SmsUrl: url });
    const sent = await gw.api.send('+15552220001', phone, 'hi');
    const view = await gw.api.turn(String(sent.json.sid), '10s');
    assert.equal(view.turn.status, 'done');
    assert.equal(view.turn.error_code, 11205, `${url}: ${JSON.stringify(view.turn)}`);
    assert.match(String(view.turn.error_message), /private or link-local/);
    assert.equal(view.replies.length, 0);
  }
  assert.equal(app.received.length, 0, 'the app was never called');
});
