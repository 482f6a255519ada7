/**
 * The form decoder at the edge (src/http/form.ts `Params`): fast-check properties over what
 * fastify's body and query parsers can hand it, and over bodies posted through the real server
 * (any Body a handset can send is stored exactly as sent).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Params } from '../../src/http/form.js';
import { TwilioError } from '../../src/errors/twilio-error.js';
import { startTestParley, type TestParley } from '../reliability/in-process.js';
import { toForm } from '../helpers/gateway-process.js';

const key = fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== '__proto__');
const scalar = fc.oneof(fc.string({ maxLength: 30, unit: 'binary' }), fc.integer(), fc.boolean());

test('Params keeps every name and every value of a parsed form, in order', () => {
  fc.assert(fc.property(fc.dictionary(key, fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.string({ unit: 'binary' }), { maxLength: 5 }))), (input) => {
    const params = Params.from(input);
    assert.deepEqual(params.names().sort(), Object.keys(input).sort());
    for (const [k, v] of Object.entries(input)) {
      const list = Array.isArray(v) ? v : [v];
      assert.deepEqual(params.all(k), list);
      assert.equal(params.get(k), list[0]);
      assert.equal(params.has(k), true);
    }
  }), { numRuns: 300 });
});

test('Params turns any JSON value into strings or a Twilio 20001 error, never anything else', () => {
  fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(key, fc.oneof(scalar, fc.jsonValue(), fc.constant(null), fc.constant(undefined)))), (input) => {
    let params: Params;
    try {
      params = Params.from(input);
    } catch (error) {
      assert.ok(error instanceof TwilioError && error.code === 20001, String(error));
      assert.ok(Array.isArray(input) || typeof input !== 'object' || input === null);
      return;
    }
    for (const name of params.names()) for (const v of params.all(name)) assert.equal(typeof v, 'string');
  }), { numRuns: 300 });
});

let gw: TestParley;
const NUMBER = '+15005550400';

before(async () => {
  gw = await startTestParley();
  await gw.api.createNumber({ PhoneNumber: NUMBER });
});
after(async () => {
  await gw.stop();
});

// Well-formed text (no lone surrogates: form encoding is UTF-8, which cannot carry them).
const body = fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }).filter((s) => s.trim() !== '' || s.length > 0);

test('any Body posted as a form is stored and returned exactly as sent', async () => {
  await fc.assert(fc.asyncProperty(body, fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), async (text, extra) => {
    const form: Record<string, string> = { ...extra, From: '+15558880001', To: NUMBER, Body: text };
    const res = await fetch(`${gw.parley.url}/simulator/messages`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${gw.credentials.accountSid}:${gw.credentials.authToken}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
      body: toForm(form),
    });
    const json = (await res.json()) as { sid?: string; body?: string; code?: number };
    assert.ok(res.status === 201 || (res.status === 400 && typeof json.code === 'number'), `${res.status} ${JSON.stringify(json)}`);
    if (res.status !== 201) return;
    assert.equal(json.body, text);
    const fetched = await gw.api.request('GET', `/2010-04-01/Accounts/${gw.credentials.accountSid}/Messages/${json.sid}.json`);
    assert.equal(fetched.json.body, text);
  }), { numRuns: 150 });
});
