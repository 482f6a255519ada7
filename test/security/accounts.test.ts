/**
 * No data crosses accounts (a fast-check property): random accounts, each with numbers that one
 * shared handset texts (so the same handset has a conversation, cookies, exchanges and alerts under
 * every account), then every account reads everything it can name. It must see only its own
 * numbers, messages, conversations, cookies and alerts, and fetching another account's resources by
 * SID answers 404 or 401, on its own path or on the other account's path.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { startScriptedApp, twiml, type RunningApp } from '../reliability/apps.js';
import { startTestParley, type TestParley } from '../reliability/in-process.js';
import { Api } from '../helpers/gateway-process.js';

let gw: TestParley;
let app: RunningApp;
let nextNumber = 1000;

before(async () => {
  gw = await startTestParley();
  app = await startScriptedApp({
    '/ok': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml', 'set-cookie': `owner=${encodeURIComponent(String(req.headers['x-owner'] ?? ''))}; Path=/` }).end(twiml('ok'));
    },
    '/fail': (_req, res) => res.writeHead(500).end('fail'),
  });
});
after(async () => {
  await app.close();
  await gw.stop();
});

interface Tenant {
  api: Api;
  sid: string;
  numbers: string[];
  messages: string[];
  alerts: string[];
}

async function newTenant(): Promise<Tenant> {
  const credentials = { accountSid: 'AC' + randomBytes(16).toString('hex'), authToken: randomBytes(16).toString('hex') };
  const now = Date.now();
  await gw.parley.store.accounts.insert({
    sid: credentials.accountSid, authToken: credentials.authToken, friendlyName: 'tenant', status: 'active',
    ownerAccountSid: null, dateCreated: now, dateUpdated: now,
  });
  return { api: new Api(gw.parley.url, credentials), sid: credentials.accountSid, numbers: [], messages: [], alerts: [] };
}

const HANDSET = '+15554440001';

const scenario = fc.array(fc.record({ numbers: fc.integer({ min: 1, max: 2 }), messages: fc.integer({ min: 1, max: 3 }), failing: fc.boolean() }), { minLength: 2, maxLength: 3 });

test('every account sees only its own data', { timeout: 120_000 }, async () => {
  await fc.assert(fc.asyncProperty(scenario, async (plan) => {
    const tenants: Tenant[] = [];
    for (const p of plan) {
      const t = await newTenant();
      for (let i = 0; i < p.numbers; i++) {
        const phone = `+1500555${String(nextNumber++).padStart(4, '0')}`;
        await t.api.createNumber({ PhoneNumber: phone, SmsUrl: `${app.url}${p.failing ? '/fail' : '/ok'}` });
        t.numbers.push(phone);
      }
      for (let i = 0; i < p.messages; i++) {
        const sent = await t.api.send(HANDSET, t.numbers[i % t.numbers.length]!, `to ${t.sid} #${i}`);
        assert.equal(sent.status, 201);
        t.messages.push(String(sent.json.sid));
        await t.api.turn(String(sent.json.sid), '10s');
      }
      const alerts = await t.api.request('GET', '/v1/Alerts?PageSize=1000');
      t.alerts = (alerts.json.alerts as Array<{ sid: string }>).map((a) => a.sid);
      tenants.push(t);
    }
    for (const viewer of tenants) {
      const ownSids = new Set(viewer.messages);
      const mine = await viewer.api.request('GET', `/2010-04-01/Accounts/${viewer.sid}/Messages.json?PageSize=1000`);
      for (const m of mine.json.messages as Array<{ account_sid: string }>) assert.equal(m.account_sid, viewer.sid);
      const numbers = await viewer.api.request('GET', `/2010-04-01/Accounts/${viewer.sid}/IncomingPhoneNumbers.json?PageSize=1000`);
      assert.deepEqual((numbers.json.incoming_phone_numbers as Array<{ phone_number: string }>).map((n) => n.phone_number).sort(), [...viewer.numbers].sort());
      const thread = await viewer.api.request('GET', `/simulator/handsets/${encodeURIComponent(HANDSET)}/messages`);
      for (const m of thread.json.messages as Array<{ account_sid: string; sid: string }>) assert.equal(m.account_sid, viewer.sid);
      const conversations = await viewer.api.request('GET', '/simulator/conversations');
      for (const c of conversations.json.conversations as Array<{ number: string }>) assert.ok(viewer.numbers.includes(c.number));
      const alerts = await viewer.api.request('GET', '/v1/Alerts?PageSize=1000');
      for (const a of alerts.json.alerts as Array<{ account_sid: string; resource_sid: string }>) {
        assert.equal(a.account_sid, viewer.sid);
        assert.ok(ownSids.has(a.resource_sid), 'alerts are about own messages');
      }
      for (const owner of tenants) {
        if (owner === viewer) continue;
        for (const sid of owner.messages) {
          for (const path of [`/2010-04-01/Accounts/${viewer.sid}/Messages/${sid}.json`, `/2010-04-01/Accounts/${owner.sid}/Messages/${sid}.json`, `/simulator/messages/${sid}`]) {
            const res = await viewer.api.request('GET', path);
            assert.ok(res.status === 404 || res.status === 401, `${viewer.sid} read ${path}: ${res.status}`);
            assert.ok(!JSON.stringify(res.json).includes(`to ${owner.sid}`));
          }
          const del = await viewer.api.request('DELETE', `/2010-04-01/Accounts/${owner.sid}/Messages/${sid}.json`);
          assert.ok([401, 404, 405].includes(del.status), `DELETE of another account's message: ${del.status}`);
        }
        for (const sid of owner.alerts) {
          const res = await viewer.api.request('GET', `/v1/Alerts/${sid}`);
          assert.equal(res.status, 404);
        }
        for (const number of owner.numbers) {
          const conv = await viewer.api.request('GET', `/simulator/conversations/${encodeURIComponent(number)}/${encodeURIComponent(HANDSET)}`);
          assert.equal(conv.status, 404, 'another account\'s conversation (and its cookies) is invisible');
          const forget = await viewer.api.request('POST', `/simulator/conversations/${encodeURIComponent(number)}/${encodeURIComponent(HANDSET)}/forget`);
          assert.equal(forget.status, 404);
          const send = await viewer.api.send(HANDSET, number, 'into another account');
          assert.equal(send.status, 400, 'texting another account\'s number through my credentials is refused');
        }
        const list = await viewer.api.request('GET', `/2010-04-01/Accounts/${owner.sid}/Messages.json`);
        assert.equal(list.status, 401, 'another account\'s list path');
      }
    }
  }), { numRuns: 12 });
});
