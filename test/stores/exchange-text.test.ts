/**
 * Exchange records as the stores keep them (src/stores/exchange-text.ts): what a read can derive
 * again is left out, and every record reads back exactly as the gateway made it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookClient, type WebhookRequest } from '../../src/webhooks/client.js';
import { exchangeFromText, exchangeText } from '../../src/stores/exchange-text.js';
import type { CookieView, ExchangeRequest, WebhookExchange } from '../../src/stores/records.js';
import { startApp, twiml, type TestApp } from '../helpers/apps.js';

let app: TestApp;
const client = new WebhookClient();
before(async () => {
  app = await startApp((_req, res) => twiml(res, '<Response/>'));
});
after(async () => {
  await client.close();
  await app.close();
});

const cookie: CookieView = { name: 'sid', value: 's1', domain: '127.0.0.1', path: '/', expires: null, httpOnly: true, secure: false };

function exchange(request: ExchangeRequest, jarBefore: CookieView[], jarAfter: CookieView[]): WebhookExchange {
  return {
    sid: 'WX' + '0'.repeat(32), accountSid: 'AC' + '1'.repeat(32), messageSid: 'SM' + '2'.repeat(32), conversationId: null, purpose: 'sms',
    seq: 0, startedAt: 1, request, response: null, errorCode: null, errorMessage: null, jarBefore, jarAfter, steps: ['Message to +15550001111'],
  };
}

async function sent(method: 'GET' | 'POST', configuredUrl: string): Promise<ExchangeRequest> {
  const req: WebhookRequest = {
    method, configuredUrl, authToken: 'token', idempotencyToken: 'idem', cookie: null,
    params: [['To', '+15550001111'], ['Body', 'hé "quoted" & more'], ['MediaUrl0', 'a'], ['MediaUrl0', 'b'], ['Body', 'again']],
  };
  return (await client.send(req)).request;
}

test('a request the client made is stored without its signed string, and reads back with the same one (POST and GET)', async () => {
  for (const method of ['POST', 'GET'] as const) {
    const request = await sent(method, `${app.url}?x=1#rc=2`);
    const record = exchange(request, [cookie], [{ ...cookie }]);
    const text = exchangeText(record);
    const occurrences = text.split(JSON.stringify(request.signedString).slice(1, -1)).length - 1;
    assert.equal(occurrences, method === 'GET' ? 1 : 0, `${method}: the signed string is not stored again (a GET's is its URL)`);
    assert.match(text, /"signedString":null/);
    assert.match(text, /"jarAfter":null/);
    assert.ok(text.length < JSON.stringify(record).length);
    const read = exchangeFromText(text);
    assert.deepEqual(read, record);
    assert.deepEqual(Object.keys(read), Object.keys(record), 'the fields keep their order');
    assert.deepEqual(Object.keys(read.request), Object.keys(record.request));
    assert.notEqual(read.jarAfter, read.jarBefore, 'two arrays, as before');
  }
});

test('what cannot be derived is stored: a URL with credentials (masked, and never signed), a jar that changed, a record from elsewhere', async () => {
  const withCredentials = await sent('POST', app.url.replace('http://', 'http://user:secret@'));
  assert.match(withCredentials.url, /user:\*\*\*\*@/);
  const changedJar = exchange(await sent('POST', app.url), [cookie], [{ ...cookie, value: 's2' }]);
  const handMade = exchange({ method: 'POST', url: app.url, headers: {}, params: [['A', '1']], signedString: 'not derivable', signature: 'x' }, [], []);
  for (const record of [exchange(withCredentials, [], []), changedJar, handMade]) {
    const read = exchangeFromText(exchangeText(record));
    assert.deepEqual(read, record);
  }
  assert.match(exchangeText(exchange(withCredentials, [], [])), /"signedString":"http:\/\/127\.0\.0\.1/);
  assert.doesNotMatch(exchangeText(changedJar), /"jarAfter":null/);
});

test('a record stored in full (before this format) reads back as it was', async () => {
  const record = exchange(await sent('POST', app.url), [cookie], [cookie]);
  assert.deepEqual(exchangeFromText(JSON.stringify(record)), record);
});
