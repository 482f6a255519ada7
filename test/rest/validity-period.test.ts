/**
 * ValidityPeriod through the public interfaces: the official twilio client creates scheduled
 * messages on a `parley-sms/testing` gateway, whose clock then jumps past their send time. A message
 * handed over within its validity period (counted from SendAt) is delivered; one past it is not
 * sent and fails with 30036, reported on the message and to its StatusCallback (signed); the
 * simulated handset's thread shows it failed, never delivered.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import twilio from 'twilio';
import { startTestGateway, type TestGateway } from '../../src/testing/index.js';

const FROM = '+15005550006';
let gateway: TestGateway;
let client: twilio.Twilio;
let callbacks: Server;
let callbackUrl = '';
const received: Array<{ params: Record<string, string>; valid: boolean }> = [];

before(async () => {
  gateway = await startTestGateway();
  client = twilio(gateway.accountSid, gateway.authToken);
  client.api.baseUrl = gateway.url;
  client.messaging.baseUrl = gateway.url;
  await gateway.numbers.create({ phoneNumber: FROM });
  callbacks = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(text));
      const valid = twilio.validateRequest(gateway.authToken, String(req.headers['x-twilio-signature']), callbackUrl, params);
      received.push({ params, valid });
      res.end();
    });
  });
  await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/status`;
});

after(async () => {
  await gateway?.stop();
  await new Promise((resolve) => callbacks?.close(resolve));
});

async function until<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function settled(sid: string): Promise<Awaited<ReturnType<typeof client.messages.prototype.fetch>>> {
  return until(`${sid} to settle`, async () => {
    const m = await client.messages(sid).fetch();
    return m.status === 'failed' || m.status === 'delivered' ? m : undefined;
  });
}

function sendAtIn(minutes: number): Date {
  return new Date(gateway.clock.now().getTime() + minutes * 60_000);
}

test('a scheduled message handed over past its validity period fails with 30036 and is not sent', async () => {
  const handset = '+15558670001';
  const late = await client.messages.create({
    to: handset, from: FROM, body: 'your code is 123456', validityPeriod: 60, statusCallback: callbackUrl,
    sendAt: sendAtIn(20), scheduleType: 'fixed',
  });
  assert.equal(late.status, 'scheduled');
  await gateway.clock.advance('25m'); // Parley was "down" from SendAt until 4 minutes past its validity
  const failed = await settled(late.sid);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.errorCode, 30036);
  assert.equal(failed.errorMessage, 'Validity Period Expired');
  const callback = await until('the failed callback', async () => received.find((r) => r.params['MessageSid'] === late.sid));
  assert.equal(callback.params['MessageStatus'], 'failed');
  assert.equal(callback.params['ErrorCode'], '30036');
  assert.ok(callback.valid, 'the status callback is signed like any webhook');
  const thread = await gateway.handset(handset).thread();
  assert.deepEqual(thread.map((m) => [m.sid, m.status]), [[late.sid, 'failed']], 'the handset never got it: the simulator shows it failed');
});

test('validity counts from SendAt: a message due 21 minutes after it was created, with 10 minutes of validity, is delivered', async () => {
  const handset = '+15558670002';
  const onTime = await client.messages.create({
    to: handset, from: FROM, body: 'see you at 5', validityPeriod: 600, sendAt: sendAtIn(20), scheduleType: 'fixed',
  });
  await gateway.clock.advance('21m');
  const delivered = await settled(onTime.sid);
  assert.equal(delivered.status, 'delivered');
  assert.equal(delivered.errorCode, null);
  assert.deepEqual((await gateway.handset(handset).thread()).map((m) => m.body), ['see you at 5']);
});

test("without ValidityPeriod, a Messaging Service's own validity period applies", async () => {
  const service = await client.messaging.v1.services.create({ friendlyName: 'alerts', validityPeriod: 120 });
  await client.messaging.v1.services(service.sid).phoneNumbers.create({
    phoneNumberSid: (await gateway.numbers.list()).find((n) => n.phoneNumber === FROM)!.sid,
  });
  const handset = '+15558670003';
  const stale = await client.messages.create({
    to: handset, messagingServiceSid: service.sid, body: 'flash sale ends soon', sendAt: sendAtIn(20), scheduleType: 'fixed',
  });
  await gateway.clock.advance('23m');
  const failed = await settled(stale.sid);
  assert.equal(failed.errorCode, 30036);
  assert.deepEqual((await gateway.handset(handset).thread()).map((m) => m.status), ['failed']);
});

test('a message sent now is delivered as before: the default validity period is 10 hours', async () => {
  const handset = '+15558670004';
  const now = await client.messages.create({ to: handset, from: FROM, body: 'hello' });
  assert.equal((await settled(now.sid)).status, 'delivered');
});
