/**
 * The webhook client against a real HTTP server, for what the app-level tests
 * (test/reliability/failing-apps.test.ts) cannot arrange: a request waiting for one of the pool's
 * connections ends at its own deadline, and the response's headers and cookies come back as sent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { WebhookClient, type WebhookRequest } from '../../src/webhooks/client.js';
import { startApp, type TestApp } from '../helpers/apps.js';

const hung: ServerResponse[] = [];
let app: TestApp;
let base = '';

before(async () => {
  app = await startApp((req, res) => {
    if (req.url === '/hang') {
      hung.push(res);
      return;
    }
    res.writeHead(200, [
      'Content-Type', 'text/xml', 'Set-Cookie', 'a=1; Path=/', 'Set-Cookie', 'b=2; Path=/', 'X-Twice', 'one', 'X-Twice', 'two',
    ]);
    res.end('<Response><Message>hé</Message></Response>');
  });
  base = app.origin;
});
after(() => app.close());

const request = (configuredUrl: string): WebhookRequest => ({
  method: 'POST', configuredUrl, params: [['Body', 'hi']], authToken: 'token', idempotencyToken: 'idem', cookie: null,
});

test('a response: status, headers as sent (repeated ones as arrays), every Set-Cookie, the body as UTF-8', async () => {
  const client = new WebhookClient();
  try {
    const result = await client.send(request(`${base}/sms`));
    assert.equal(result.errorCode, null);
    assert.equal(result.response?.status, 200);
    assert.deepEqual(result.response?.setCookies, ['a=1; Path=/', 'b=2; Path=/']);
    assert.deepEqual(result.response?.headers['x-twice'], ['one', 'two']);
    assert.equal(result.response?.contentType, 'text/xml');
    assert.equal(result.response?.body, '<Response><Message>hé</Message></Response>');
    assert.equal(result.response?.tooLarge, false);
  } finally {
    await client.destroy();
  }
});

test('a request waiting for a connection ends at its own deadline, not when the connection frees up', async () => {
  const client = new WebhookClient({ connections: 1 });
  try {
    const holding = client.send(request(`${base}/hang#rt=15000&tt=15000`)); // takes the pool's only connection
    let holdingSettled = false;
    void holding.then(() => {
      holdingSettled = true;
    });
    const waiting = await client.send(request(`${base}/sms#rt=200&tt=200`));
    assert.equal(waiting.errorCode, 11200, 'out of time while queued: a retrieval failure');
    assert.equal(holdingSettled, false, 'it did not wait for the hung request to end');
    for (const res of hung.splice(0)) res.destroy();
    assert.equal((await holding).response, null, 'the hung request ends when its connection is cut');
  } finally {
    await client.destroy();
  }
});
