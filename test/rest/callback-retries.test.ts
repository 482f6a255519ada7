/**
 * Status callbacks that fail (issue 6): retried with exponential backoff for a bounded time,
 * in order per message (a later status waits for the earlier one), each attempt signed and
 * carrying the same `I-Twilio-Idempotency-Token`; past the window, given up and recorded as an
 * alert that twilio-node's `client.monitor.v1.alerts` reads. The retry policy is shortened here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import type { RunningParley } from '../../src/runtime/parley.js';
import { startApp, type RecordedRequest, type TestApp } from '../helpers/apps.js';
import { clientFor, startInMemoryParley } from '../helpers/twilio.js';

const FROM = '+15005550031';
const POLICY = { firstDelayMs: 60, maxDelayMs: 240, windowMs: 1500 };
let parley: RunningParley;
let client: twilio.Twilio;
let app: TestApp;
/** When each request reached the app, by its index in `app.requests`. */
const arrivedAt: number[] = [];
let flakyFailures = 2;

before(async () => {
  parley = await startInMemoryParley({ statusCallbackRetry: POLICY });
  client = clientFor(parley);
  app = await startApp((req, res) => {
    arrivedAt.push(Date.now());
    const path = req.url.split('?')[0];
    if (path === '/flaky' && req.params.get('MessageStatus') === 'sent' && flakyFailures > 0) {
      flakyFailures--;
      res.writeHead(500).end('not now');
    } else if (path === '/dead') {
      res.writeHead(503).end('down');
    } else {
      res.writeHead(204).end();
    }
  });
  await client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});

after(async () => {
  await parley.stop();
  await app.close();
});

function signedBy(req: RecordedRequest): boolean {
  return twilio.validateRequest(
    parley.account.authToken, String(req.headers['x-twilio-signature']), app.origin + req.url, Object.fromEntries(req.params),
  );
}

describe('status callback retries', () => {
  test('a failing endpoint is retried with backoff and then succeeds, in order, signed', async () => {
    const done = parley.gateway.events.waitFor((e) => e.type === 'exchange' && e.exchange.request.url.endsWith('/flaky')
      && e.exchange.steps[0] === 'MessageStatus=delivered' && e.exchange.errorCode === null, 10_000);
    const message = await client.messages.create({ to: '+15558670101', from: FROM, body: 'retry me', statusCallback: `${app.origin}/flaky` });
    await done;
    const mine = app.requests.map((r, i) => ({ r, at: arrivedAt[i]! })).filter(({ r }) => r.url === '/flaky');
    // `delivered` was committed long before, but waits until `sent` got through.
    assert.deepEqual(mine.map(({ r }) => r.params.get('MessageStatus')), ['sent', 'sent', 'sent', 'delivered']);
    assert.ok(mine.every(({ r }) => signedBy(r) && r.params.get('MessageSid') === message.sid));
    const tokens = mine.map(({ r }) => r.headers['i-twilio-idempotency-token']);
    assert.equal(new Set(tokens.slice(0, 3)).size, 1, 'a retry repeats the token');
    assert.notEqual(tokens[3], tokens[0]);
    // Backoff doubles: 60 ms, then 120 ms (less a little for timer granularity).
    assert.ok(mine[1]!.at - mine[0]!.at >= POLICY.firstDelayMs - 15);
    assert.ok(mine[2]!.at - mine[1]!.at >= 2 * POLICY.firstDelayMs - 15);
    const exchanges = await parley.store.exchanges.listForMessage(parley.account.sid, message.sid);
    assert.deepEqual(exchanges.map((x) => [x.steps[0], x.errorCode]), [
      ['MessageStatus=sent', 11200], ['MessageStatus=sent', 11200], ['MessageStatus=sent', null], ['MessageStatus=delivered', null],
    ]);
  });

  test('an endpoint that never answers 2xx is given up after the window and recorded as alert 11200', async () => {
    const started = Date.now();
    const message = await client.messages.create({ to: '+15558670102', from: FROM, body: 'nobody home', statusCallback: `${app.origin}/dead` });
    const alerts = new Set<string>();
    await parley.gateway.events.waitFor((e) => {
      if (e.type === 'alert' && e.alert.resourceSid === message.sid) alerts.add(e.alert.sid);
      return alerts.size === 2;
    }, 10_000);
    assert.ok(Date.now() - started >= POLICY.windowMs - 100, 'retried for the whole window');
    const attempts = app.requests.filter((r) => r.url === '/dead');
    const statuses = attempts.map((r) => r.params.get('MessageStatus'));
    assert.ok(statuses.filter((s) => s === 'sent').length >= 4, `sent retried: ${statuses.join(',')}`);
    assert.equal(statuses.lastIndexOf('sent') < statuses.indexOf('delivered'), true, 'still in order');
    const listed = (await client.monitor.v1.alerts.list()).filter((a) => a.resourceSid === message.sid);
    assert.equal(listed.length, 2);
    for (const alert of listed) {
      assert.equal(String(alert.errorCode), '11200');
      assert.match(alert.alertText, /gave up after \d+ attempts/);
      assert.equal(alert.requestUrl, `${app.origin}/dead`);
    }
    assert.deepEqual(await parley.store.callbacks.heads(10), [], 'nothing left in the outbox');
  });
});
