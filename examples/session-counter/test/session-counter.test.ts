/**
 * The session-counter example's own tests, written with Parley's test harness (node's test
 * runner). This is the model for testing an SMS app: start the app as a normal HTTP server, point
 * a test number at its webhook, text it from a simulated handset, and move the clock.
 * In your own project, import from 'parley-sms/testing'.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../../../src/testing/index.js';
import { startSessionCounter, type RunningApp } from '../server.js';

const NUMBER = '+15005550006';
let gateway: TestGateway;
let app: RunningApp;

before(async () => {
  gateway = await startTestGateway();
  app = await startSessionCounter({ authToken: gateway.authToken });
  await gateway.numbers.create({ phoneNumber: NUMBER, smsUrl: app.smsUrl });
});

after(async () => {
  await gateway.stop();
  await app.close();
});

test('counts the messages of a conversation, and starts again after the cookie expires', async () => {
  const phone = gateway.handset('+15551230001');
  const bodies = async (text: string): Promise<string[]> => (await phone.send(text, { to: NUMBER })).map((r) => r.body);

  assert.deepEqual(await bodies('hi'), ['Hello, thanks for the new message.']);
  assert.deepEqual(await bodies('again'), ['Hello, thanks for message number 2']);
  assert.deepEqual(await bodies('and again'), ['Hello, thanks for message number 3']);
  assert.deepEqual((await gateway.cookies(NUMBER, phone.phoneNumber)).map((c) => c.name), ['connect.sid']);

  await gateway.clock.advance('4h'); // Twilio keeps conversation cookies for four hours
  assert.deepEqual(await gateway.cookies(NUMBER, phone.phoneNumber), []);
  assert.deepEqual(await bodies('back'), ['Hello, thanks for the new message.']);
});

test('each handset has its own session', async () => {
  const alice = gateway.handset('+15551230002');
  const bob = gateway.handset('+15551230003');
  await alice.send('one', { to: NUMBER });
  const [second] = await alice.send('two', { to: NUMBER });
  const [first] = await bob.send('one', { to: NUMBER });
  assert.equal(second?.body, 'Hello, thanks for message number 2');
  assert.equal(first?.body, 'Hello, thanks for the new message.');
  assert.deepEqual((await alice.thread()).map((m) => [m.direction, m.body]), [
    ['inbound', 'one'], ['outbound', 'Hello, thanks for the new message.'],
    ['inbound', 'two'], ['outbound', 'Hello, thanks for message number 2'],
  ]);
});
