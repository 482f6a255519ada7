/**
 * Messages that do not arrive, and their status callbacks with `ErrorCode`:
 * - a simulated handset switched off (`POST /simulator/handsets/{Handset}` with `Reachable=false`)
 *   gets `sent` then `undelivered` with 30003, as a carrier reports it;
 * - a TwiML reply to a handset that opted out is not sent: `failed` with 21610.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import { request } from 'undici';
import type { RunningParley } from '../../src/runtime/parley.js';
import { startApp, twiml, type RecordedRequest, type TestApp } from '../helpers/apps.js';
import { clientFor, startInMemoryParley } from '../helpers/twilio.js';

const FROM = '+15005550041';
let parley: RunningParley;
let client: twilio.Twilio;
let app: TestApp;

before(async () => {
  parley = await startInMemoryParley();
  client = clientFor(parley);
  app = await startApp((req, res) => {
    if (req.url === '/sms') return twiml(res, `<Response><Message statusCallback="${app.origin}/reply-status">Thanks</Message></Response>`);
    res.writeHead(204).end();
  });
  await client.incomingPhoneNumbers.create({ phoneNumber: FROM, smsUrl: app.url });
});

after(async () => {
  await parley.stop();
  await app.close();
});

async function simulator(path: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(parley.url + path, {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

/** The callbacks of one message at `path`, once `count` have arrived (waits on Parley's events). */
async function callbacks(path: string, messageSid: string, count: number): Promise<RecordedRequest[]> {
  const mine = (): RecordedRequest[] => app.requests.filter((r) => r.url === path && r.params.get('MessageSid') === messageSid);
  if (mine().length < count) {
    await parley.gateway.events.waitFor((e) => e.type === 'exchange' && e.exchange.messageSid === messageSid
      && e.exchange.purpose === 'status-callback' && mine().length >= count, 5000);
  }
  return mine();
}

function signed(r: RecordedRequest): boolean {
  return twilio.validateRequest(parley.account.authToken, String(r.headers['x-twilio-signature']), app.origin + r.url, Object.fromEntries(r.params));
}

describe('failed deliveries', () => {
  test('an unreachable handset: sent, then undelivered with ErrorCode 30003', async () => {
    const handset = '+15558670201';
    assert.deepEqual(await simulator(`/simulator/handsets/${encodeURIComponent(handset)}`, { Reachable: 'false' }), {
      status: 200, body: { handset, reachable: false },
    });
    const message = await client.messages.create({ to: handset, from: FROM, body: 'anyone?', statusCallback: `${app.origin}/status` });
    const got = await callbacks('/status', message.sid, 2);
    assert.deepEqual(got.map((r) => r.params.get('MessageStatus')), ['sent', 'undelivered']);
    assert.equal(got[0]!.params.get('ErrorCode'), null);
    assert.equal(got[1]!.params.get('ErrorCode'), '30003');
    assert.match(got[1]!.params.get('RawDlrDoneDate') ?? '', /^\d{10}$/);
    assert.ok(got.every(signed));
    const fetched = await client.messages(message.sid).fetch();
    assert.equal(fetched.status, 'undelivered');
    assert.equal(fetched.errorCode, 30003);
    assert.equal(fetched.errorMessage, 'Unreachable destination handset');

    // Switched back on, it receives again.
    await simulator(`/simulator/handsets/${encodeURIComponent(handset)}`, { Reachable: 'true' });
    const next = await client.messages.create({ to: handset, from: FROM, body: 'back?', statusCallback: `${app.origin}/status` });
    assert.deepEqual((await callbacks('/status', next.sid, 2)).map((r) => r.params.get('MessageStatus')), ['sent', 'delivered']);
  });

  test('the simulator route validates its input', async () => {
    const bad = await simulator('/simulator/handsets/12345', { Reachable: 'false' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body['code'], 21211);
    const missing = await simulator('/simulator/handsets/%2B15558670202', {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body['code'], 20001);
  });

  test('a TwiML reply to an opted-out handset is stored failed with 21610, and its callback says so', async () => {
    const handset = '+15558670203';
    const confirmed = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.to === handset
      && e.message.body.startsWith('You have successfully been unsubscribed'), 5000);
    await parley.gateway.receive({ accountSid: parley.account.sid, from: handset, to: FROM, body: 'STOP', media: [] });
    await confirmed; // the block is committed before the confirmation is sent
    const inbound = await parley.gateway.receive({ accountSid: parley.account.sid, from: handset, to: FROM, body: 'still there?', media: [] });
    await parley.gateway.events.waitFor((e) => e.type === 'turn' && e.messageSid === inbound.sid, 5000);
    const [reply] = await parley.store.messages.repliesOf(parley.account.sid, inbound.sid);
    assert.ok(reply);
    const got = await callbacks('/reply-status', reply.sid, 1);
    assert.deepEqual(got.map((r) => [r.params.get('MessageStatus'), r.params.get('ErrorCode')]), [['failed', '21610']]);
    assert.ok(signed(got[0]!));
    const fetched = await client.messages(reply.sid).fetch();
    assert.equal(fetched.status, 'failed');
    assert.equal(fetched.errorCode, 21610);
    assert.equal(fetched.errorMessage, 'Attempt to send to unsubscribed recipient');
    const thread = await parley.store.messages.thread(parley.account.sid, handset, { limit: 10 });
    assert.ok(thread.filter((m) => m.inboundSid === inbound.sid).every((m) => m.status === 'failed'), 'no reply reached the handset');
  });
});
