/**
 * Random requests against every REST and simulator route (fast-check): whatever the method, path
 * segments, query and form body, Parley answers below 500, and every 4xx is Twilio's error JSON.
 * Failures found once are kept as regression cases below.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { startTestParley, type TestParley } from '../reliability/in-process.js';
import { toForm } from '../helpers/gateway-process.js';

let gw: TestParley;
let auth: string;
/** A Messaging Service of the account, so that its sub-resources' routes get past the service. */
let serviceSid = 'MG' + '0'.repeat(32);
const NUMBER = '+15005550500';

before(async () => {
  gw = await startTestParley();
  auth = 'Basic ' + Buffer.from(`${gw.credentials.accountSid}:${gw.credentials.authToken}`).toString('base64');
  await gw.api.createNumber({ PhoneNumber: NUMBER });
  await gw.api.send('+15559990001', NUMBER, 'seed message');
  assert.equal((await gw.api.request('POST', `/2010-04-01/Accounts/${gw.credentials.accountSid}/SMS/ShortCodes.json`, { ShortCode: '894546' })).status, 201);
  serviceSid = String((await gw.api.request('POST', '/v1/Services', { FriendlyName: 'fuzz' })).json.sid);
});
after(async () => {
  await gw.stop();
});

const segment = fc.oneof(
  fc.constantFrom('SM00000000000000000000000000000000', 'PN00000000000000000000000000000000', 'SC00000000000000000000000000000000', '894546', 'NO0', '..', '.', '%2e%2e', '..%2F..', '%00', '%', '%E0%A4%A', "' OR 1=1 --", NUMBER, '+15559990001'),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ maxLength: 20, unit: 'binary' }).map(encodeURIComponent),
);
const TEMPLATES: Array<(ac: string, s: string, t: string) => string> = [
  (ac) => `/2010-04-01/Accounts/${ac}/Messages.json`,
  (ac, s) => `/2010-04-01/Accounts/${ac}/Messages/${s}.json`,
  (ac, s) => `/2010-04-01/Accounts/${ac}/Messages/${s}`,
  (ac, s) => `/2010-04-01/Accounts/${ac}/Messages/${s}/Media.json`,
  (ac, s, t) => `/2010-04-01/Accounts/${ac}/Messages/${s}/Media/${t}.json`,
  (ac) => `/2010-04-01/Accounts/${ac}/IncomingPhoneNumbers.json`,
  (ac, s) => `/2010-04-01/Accounts/${ac}/IncomingPhoneNumbers/${s}.json`,
  (ac) => `/2010-04-01/Accounts/${ac}/SMS/ShortCodes.json`,
  (ac, s) => `/2010-04-01/Accounts/${ac}/SMS/ShortCodes/${s}.json`,
  () => `/v1/Services/${serviceSid}/ShortCodes`,
  (_ac, s) => `/v1/Services/${serviceSid}/ShortCodes/${s}`,
  () => `/v1/Services/${serviceSid}/DestinationAlphaSenders`,
  (_ac, s) => `/v1/Services/${serviceSid}/DestinationAlphaSenders/${s}`,
  (ac) => `/2010-04-01/Accounts/${ac}.json`,
  (_ac, s) => `/2010-04-01/Accounts/${s}.json`,
  (_ac, s) => `/2010-04-01/Accounts/${s}/Messages.json`,
  () => '/2010-04-01/Accounts.json',
  () => '/v1/Alerts',
  (_ac, s) => `/v1/Alerts/${s}`,
  () => '/simulator/messages',
  (_ac, s) => `/simulator/messages/${s}`,
  (_ac, s) => `/simulator/handsets/${s}/messages`,
  () => '/simulator/conversations',
  (_ac, s, t) => `/simulator/conversations/${s}/${t}`,
  () => '/simulator/clock',
  (_ac, s, t) => `/${s}/${t}`,
];
const NAMES = ['To', 'From', 'Body', 'MediaUrl', 'PhoneNumber', 'SmsUrl', 'SmsMethod', 'SmsFallbackUrl', 'SmsFallbackMethod',
  'StatusCallback', 'StatusCallbackMethod', 'FriendlyName', 'PageSize', 'Page', 'PageToken', 'DateSent', 'DateSent<', 'DateSent>',
  'Number', 'Advance', 'MessagingServiceSid', 'ValidityPeriod', 'SendAt', 'ScheduleType', 'Attempt', 'ContentSid',
  'ShortCode', 'IsoCountry', 'ShortCodeSid', 'AlphaSender', 'IsoCountryCode'];
const value = fc.oneof(
  fc.constantFrom('', '0', '-1', '1e309', 'NaN', '99999999999', 'GET', 'PUT', 'http://127.0.0.1:1/x', 'javascript:alert(1)', '+15005550500',
    '+15559990001', '2024-01-01', 'not-a-date', 'PASMDAwMDAw', "'; DROP TABLE messages; --", '\u0000', '%', '{"a":1}'),
  fc.string({ maxLength: 30 }),
  fc.string({ maxLength: 10, unit: 'binary' }),
);
const pairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...NAMES), fc.string({ minLength: 1, maxLength: 8 })), value), { maxLength: 6 });
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
  template: fc.integer({ min: 0, max: TEMPLATES.length - 1 }),
  ownAccount: fc.boolean(),
  s: segment,
  t: segment,
  query: pairs,
  body: pairs,
  json: fc.boolean(),
});

type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

async function send(r: FuzzRequest): Promise<{ status: number; text: string; path: string }> {
  const ac = r.ownAccount ? gw.credentials.accountSid : 'AC' + 'f'.repeat(32);
  const path = TEMPLATES[r.template]!(ac, r.s, r.t);
  const qs = r.query.length ? '?' + new URLSearchParams(r.query).toString() : '';
  const hasBody = r.method !== 'GET' && r.body.length > 0;
  const body = hasBody ? (r.json ? JSON.stringify(Object.fromEntries(r.body)) : toForm(Object.fromEntries(r.body))) : undefined;
  const res = await fetch(gw.parley.url + path + qs, {
    method: r.method,
    headers: { authorization: auth, ...(body !== undefined ? { 'content-type': r.json ? 'application/json' : 'application/x-www-form-urlencoded' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, text: await res.text(), path: `${r.method} ${path}${qs}` };
}

const API = /^\/(2010-04-01|v1|simulator)\//;

function check(res: { status: number; text: string; path: string }): void {
  // `..` segments can lead out of the API (fetch normalises them) to the console's pages, which
  // answer 503 when its bundle is not built: outside the API only a crash (500) is a failure.
  const path = new URL(`http://x${res.path.split(' ')[1] ?? '/'}`).pathname;
  if (!API.test(path)) {
    assert.notEqual(res.status, 500, `${res.path} → ${res.status} ${res.text.slice(0, 300)}`);
    return;
  }
  assert.ok(res.status < 500, `${res.path} → ${res.status} ${res.text.slice(0, 300)}`);
  if (res.status >= 400) {
    const json = JSON.parse(res.text) as { code?: unknown; message?: unknown; status?: unknown };
    assert.equal(typeof json.code, 'number', `${res.path}: ${res.text.slice(0, 200)}`);
    assert.equal(typeof json.message, 'string');
    assert.equal(json.status, res.status);
  }
}

test('random requests never get a 5xx, and every error is Twilio JSON', { timeout: 120_000 }, async () => {
  await fc.assert(fc.asyncProperty(request, async (r) => check(await send(r))), { numRuns: 600 });
  // Still alive and still serving the account.
  assert.equal((await gw.api.request('GET', `/2010-04-01/Accounts/${gw.credentials.accountSid}/Messages.json`)).status, 200);
});

test('requests without credentials or with wrong ones are 401 with code 20003, whatever the path', async () => {
  await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: TEMPLATES.length - 2 }), segment, segment, fc.option(fc.string({ maxLength: 60 })), async (i, s, t, header) => {
    const path = TEMPLATES[i]!(gw.credentials.accountSid, s, t);
    const res = await fetch(gw.parley.url + path, header === null ? {} : { headers: { authorization: header } });
    const text = await res.text();
    if (res.status === 404) return; // a path no route serves: 20404 before authentication is fine
    assert.equal(res.status, 401, `${path} → ${res.status} ${text.slice(0, 200)}`);
    assert.equal((JSON.parse(text) as { code: number }).code, 20003);
  }), { numRuns: 150 });
});

/** Failures the fuzzer found, kept as explicit cases. */
const REGRESSIONS: Array<{ name: string; method: string; path: (ac: string) => string }> = [
  // Found by the hostile-input run: fastify's router errors answered its own JSON, not Twilio's.
  { name: 'bad percent-encoding in a path segment', method: 'GET', path: () => '/simulator/messages/%E0%A4%A' },
  { name: 'a 5,000-character SID', method: 'GET', path: (ac) => `/2010-04-01/Accounts/${ac}/Messages/${'A'.repeat(5000)}.json` },
  // Found by the failing-apps test: an unparsable Wait (e.g. "0s") reached parseDuration's RangeError → 500.
  { name: 'Wait=0s on the simulator', method: 'GET', path: () => '/simulator/messages/SM00000000000000000000000000000000?Wait=0s' },
];
for (const c of REGRESSIONS) {
  test(`regression: ${c.name}`, async () => {
    const path = c.path(gw.credentials.accountSid);
    const res = await fetch(gw.parley.url + path, { method: c.method, headers: { authorization: auth } });
    check({ status: res.status, text: await res.text(), path });
  });
}
