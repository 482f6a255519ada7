/**
 * Exchange records as the stores keep them (src/stores/exchange-text.ts): what a read can derive
 * again is left out, and every record reads back exactly as the gateway made it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookClient, type WebhookRequest } from '../../src/webhooks/client.js';
import { exchangeFromRow, exchangeText } from '../../src/stores/exchange-text.js';
import { markSent } from '../../src/webhooks/sent-form.js';
import fc from 'fast-check';
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

const PARAMS: WebhookRequest['params'] = [['To', '+15550001111'], ['Body', 'hé "quoted" & more = 1+1'], ['MediaUrl0', 'a'], ['MediaUrl0', 'b'], ['Body', 'again 🙂'], ['Empty', '']];

const cookie: CookieView = { name: 'sid', value: 's1', domain: '127.0.0.1', path: '/', expires: null, httpOnly: true, secure: false };

type RowKeys = Pick<WebhookExchange, 'sid' | 'accountSid' | 'messageSid' | 'conversationId'>;
const KEYS: RowKeys = { sid: 'WX' + '0'.repeat(32), accountSid: 'AC' + '1'.repeat(32), messageSid: 'SM' + '2'.repeat(32), conversationId: null };

function exchange(request: ExchangeRequest, jarBefore: CookieView[], jarAfter: CookieView[]): WebhookExchange {
  return {
    sid: KEYS.sid, accountSid: KEYS.accountSid, messageSid: KEYS.messageSid, conversationId: KEYS.conversationId, purpose: 'sms',
    seq: 0, startedAt: 1, request, response: null, errorCode: null, errorMessage: null, jarBefore, jarAfter, steps: ['Message to +15550001111'],
  };
}

/** Reads a record back as a store does: from its row, the keys in columns beside the record's text. */
function exchangeFromText(text: string, keys: RowKeys = KEYS): WebhookExchange {
  return exchangeFromRow({ sid: keys.sid, account_sid: keys.accountSid, message_sid: keys.messageSid, conversation_id: keys.conversationId, record: text });
}

async function sent(method: 'GET' | 'POST', configuredUrl: string, params: WebhookRequest['params'] = PARAMS): Promise<ExchangeRequest> {
  const req: WebhookRequest = { method, configuredUrl, authToken: 'token', idempotencyToken: 'idem', cookie: null, params };
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

test("the exchange's SIDs and conversation id are left to the row's columns, and read from them", async () => {
  const keys: RowKeys = { sid: 'WX' + 'a'.repeat(32), accountSid: 'AC' + 'b'.repeat(32), messageSid: 'SM' + 'c'.repeat(32), conversationId: `AC${'b'.repeat(32)}:+15550001111:+15557654321` };
  const record = { ...exchange(await sent('POST', app.url), [cookie], [cookie]), ...keys };
  const text = exchangeText(record);
  for (const value of Object.values(keys)) assert.equal(text.includes(value!), false, `${value} is not in the text`);
  const read = exchangeFromText(text, keys);
  assert.deepEqual(read, record);
  assert.deepEqual(Object.keys(read), Object.keys(record), 'the keys come first, as they did in the text');
});

test('a record stored in full (before this format) reads back as it was', async () => {
  const record = exchange(await sent('POST', app.url), [cookie], [cookie]);
  assert.deepEqual(exchangeFromText(JSON.stringify(record)), record);
});

test('the parameters are kept as the form the request sent, and read back as the same pairs', async () => {
  for (const method of ['POST', 'GET'] as const) {
    const record = exchange(await sent(method, app.url), [], []);
    const text = exchangeText(record);
    assert.match(text, /"params":"To=%2B15550001111&Body=h%C3%A9\+%22quoted%22\+%26\+more\+%3D\+1%2B1&/, method);
    assert.deepEqual(exchangeFromText(text), record, method);
  }
});

test('a parameter that is not well-formed UTF-16 keeps the pairs: the form would have U+FFFD in its place', async () => {
  const record = exchange(await sent('POST', app.url, [['Body', 'half a pair: \ud83d'], ['To', '+15550001111']]), [], []);
  const text = exchangeText(record);
  assert.match(text, /"params":\[\["Body"/);
  assert.deepEqual(exchangeFromText(text), record);
});

test('property: any well-formed parameters, kept as their form (as pairs with a U+FFFD), read back as the same pairs', () => {
  const anyText = fc.string({ unit: fc.oneof(fc.constantFrom('&', '=', '+', '%', ' ', '\u00a0', '\ufeff', '\r\n'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 12 });
  fc.assert(fc.property(fc.array(fc.tuple(anyText, anyText), { maxLength: 8 }), (pairs) => {
    const request: ExchangeRequest = { method: 'POST', url: 'http://127.0.0.1:9/sms', headers: {}, params: pairs, signedString: 'kept as it is', signature: 'x' };
    markSent(request, new URLSearchParams(pairs).toString(), false); // its signed string is kept as it is
    const record = exchange(request, [], []);
    const text = exchangeText(record);
    const replaced = pairs.some(([name, value]) => `${name}${value}`.includes('\ufffd')); // U+FFFD itself: kept as pairs too
    assert.equal(typeof (JSON.parse(text) as { request: { params: unknown } }).request.params, replaced ? 'object' : 'string');
    assert.deepEqual(exchangeFromText(text), record);
  }), { numRuns: 500 });
});
