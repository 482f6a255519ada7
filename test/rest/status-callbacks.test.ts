/**
 * Status callbacks from a real Parley to a real local HTTP server: the StatusCallback of an API
 * message and the statusCallback attribute of a TwiML <Message> reply. Each arrives in status
 * order, with Twilio's parameters, and passes the official `twilio.validateRequest`.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import type { RunningParley } from '../../src/runtime/parley.js';
import { clientFor, startInMemoryParley } from '../helpers/twilio.js';

interface Received {
  path: string;
  params: Record<string, string>;
  valid: boolean;
}

const FROM = '+15005550006';
let parley: RunningParley;
let client: twilio.Twilio;
let app: Server;
let appUrl = '';
const received: Received[] = [];
/** Checks run after each request; a check that is satisfied returns true and is dropped. */
let waiters: Array<() => boolean> = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
  });
}

/** Resolves once `n` requests have come to `path`. */
function requestsTo(path: string, n: number): Promise<Received[]> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const got = received.filter((r) => r.path === path);
      if (got.length < n) return false;
      resolve(got);
      return true;
    };
    if (!check()) waiters.push(check);
  });
}

before(async () => {
  parley = await startInMemoryParley();
  client = clientFor(parley);
  app = createServer((req, res) => {
    void readBody(req).then((text) => {
      const path = req.url ?? '';
      const params = Object.fromEntries(new URLSearchParams(text));
      const valid = twilio.validateRequest(parley.account.authToken, String(req.headers['x-twilio-signature']), appUrl + path, params);
      if (path === '/sms') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(`<Response><Message statusCallback="${appUrl}/reply-status">Got it</Message></Response>`);
      } else {
        received.push({ path, params, valid });
        waiters = waiters.filter((w) => !w());
        res.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  await client.incomingPhoneNumbers.create({ phoneNumber: FROM, smsUrl: `${appUrl}/sms` });
});

after(async () => {
  await parley.stop();
  await new Promise<void>((resolve) => app.close(() => resolve()));
});

describe('status callbacks', () => {
  test('an API message: sent then delivered, signed, with Twilio parameters', async () => {
    const recorded = parley.gateway.events.waitFor(
      (e) => e.type === 'exchange' && e.exchange.request.url.endsWith('/api-status') && e.exchange.steps[0] === 'MessageStatus=delivered', 5000,
    );
    const message = await client.messages.create({ to: '+15558675310', from: FROM, body: 'hi', statusCallback: `${appUrl}/api-status` });
    const got = await requestsTo('/api-status', 2);
    assert.deepEqual(got.map((r) => r.params['MessageStatus']), ['sent', 'delivered']);
    const common = ['AccountSid', 'ApiVersion', 'From', 'MessageSid', 'MessageStatus', 'SmsSid', 'SmsStatus', 'To'];
    assert.deepEqual(Object.keys(got[0]!.params).sort(), common);
    // The carrier's receipt time, YYMMDDhhmm, on delivered/undelivered only (reference 6.8).
    assert.deepEqual(Object.keys(got[1]!.params).sort(), [...common, 'RawDlrDoneDate'].sort());
    assert.match(got[1]!.params['RawDlrDoneDate']!, /^\d{10}$/);
    for (const r of got) {
      assert.ok(r.valid, 'twilio.validateRequest accepts the signature');
      assert.equal(r.params['MessageSid'], message.sid);
      assert.equal(r.params['SmsSid'], message.sid);
      assert.equal(r.params['SmsStatus'], r.params['MessageStatus']);
      assert.equal(r.params['AccountSid'], parley.account.sid);
      assert.equal(r.params['From'], FROM);
      assert.equal(r.params['To'], '+15558675310');
      assert.equal(r.params['ApiVersion'], '2010-04-01');
    }
    await recorded;
    const exchanges = await parley.store.exchanges.listForMessage(parley.account.sid, message.sid);
    assert.deepEqual(exchanges.map((x) => [x.purpose, x.response?.status]), [['status-callback', 204], ['status-callback', 204]]);
  });

  test('a TwiML <Message statusCallback> reply', async () => {
    await parley.gateway.receive({ accountSid: parley.account.sid, from: '+15558675320', to: FROM, body: 'hello', media: [] });
    const got = await requestsTo('/reply-status', 2);
    assert.deepEqual(got.map((r) => r.params['MessageStatus']), ['sent', 'delivered']);
    assert.ok(got.every((r) => r.valid));
    assert.equal(got[0]!.params['To'], '+15558675320');
  });

  test('a canceled scheduled message', async () => {
    const scheduled = await client.messages.create({
      to: '+15558675310', from: FROM, body: 'later', statusCallback: `${appUrl}/cancel-status`,
      sendAt: new Date(Date.now() + 3600_000), scheduleType: 'fixed',
    });
    await client.messages(scheduled.sid).update({ status: 'canceled' });
    const got = await requestsTo('/cancel-status', 1);
    assert.equal(got[0]!.params['MessageStatus'], 'canceled');
    assert.ok(got[0]!.valid);
  });
});
