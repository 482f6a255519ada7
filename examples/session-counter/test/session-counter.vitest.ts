/**
 * The same session-counter conversation under Vitest (`npm run test:vitest`), to show the harness
 * works with a second runner. In your own project, import from 'parley-sms/testing'.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../src/testing/index.js';
import { startSessionCounter, type RunningApp } from '../server.js';

const NUMBER = '+15005550006';
let gateway: TestGateway;
let app: RunningApp;

beforeAll(async () => {
  gateway = await startTestGateway();
  app = await startSessionCounter({ authToken: gateway.authToken });
  await gateway.numbers.create({ phoneNumber: NUMBER, smsUrl: app.smsUrl });
});

afterAll(async () => {
  await gateway.stop();
  await app.close();
});

test('counts 1, 2, 3, then starts again four hours later', async () => {
  const phone = gateway.handset('+15551230001');
  const say = async (text: string): Promise<string[]> => (await phone.send(text, { to: NUMBER })).map((r) => r.body);

  expect(await say('hi')).toEqual(['Hello, thanks for the new message.']);
  expect(await say('again')).toEqual(['Hello, thanks for message number 2']);
  expect(await say('and again')).toEqual(['Hello, thanks for message number 3']);

  await gateway.clock.advance('4h');
  expect(await gateway.cookies(NUMBER, phone.phoneNumber)).toEqual([]);
  expect(await say('back')).toEqual(['Hello, thanks for the new message.']);
});
