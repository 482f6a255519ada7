/**
 * Accounts, API keys and opt-outs through twilio-node against a real Parley: subaccounts
 * (create, list, fetch, suspend, close), a parent acting on its subaccount's paths, isolation
 * between accounts, SK key + secret in Basic auth, and STOP/START/HELP with 21610.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { inboundParams } from '../../src/webhooks/params.js';
import type { GatewayEvent } from '../../src/events/bus.js';
import type { MessageRecord } from '../../src/stores/records.js';
import { assertValid, listValidator, validatorFor } from '../helpers/openapi.js';
import { rejects } from '../helpers/twilio.js';

const FROM = '+15005550006';
let parley: RunningParley;
let client: twilio.Twilio;

function lastBody(c: twilio.Twilio): unknown {
  const body = c.httpClient.lastResponse?.body as unknown;
  return typeof body === 'string' ? JSON.parse(body) : body;
}

function connect(username: string, password: string, accountSid?: string): twilio.Twilio {
  const c = accountSid ? twilio(username, password, { accountSid }) : twilio(username, password);
  c.api.baseUrl = parley.url;
  return c;
}


before(async () => {
  parley = await startParley({
    port: 0, host: '127.0.0.1', db: ':memory:', sessionTtlMs: 4 * 3600_000, dev: false, logger: createLogger({ level: 'silent' }),
  });
  client = connect(parley.account.sid, parley.account.authToken);
  await client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});

after(async () => {
  await parley.stop();
});

describe('subaccounts', () => {
  const account = validatorFor('api.v2010.account');
  test('create, list, fetch, act on its paths, suspend, close', async () => {
    const sub = await client.api.v2010.accounts.create({ friendlyName: 'tenant A' });
    assertValid(account, lastBody(client));
    assert.equal(sub.ownerAccountSid, parley.account.sid);
    assert.equal(sub.status, 'active');

    const all = await client.api.v2010.accounts.list({ pageSize: 1 });
    assert.deepEqual(all.map((a) => a.sid).sort(), [parley.account.sid, sub.sid].sort());
    await client.api.v2010.accounts.page({ pageSize: 50 });
    assertValid(listValidator('/2010-04-01/Accounts.json'), lastBody(client));
    const fetched = await client.api.v2010.accounts(sub.sid).fetch();
    assertValid(account, lastBody(client));
    assert.equal(fetched.friendlyName, 'tenant A');

    // The subaccount's own credentials see only itself; its numbers are its own.
    const own = connect(sub.sid, sub.authToken);
    assert.deepEqual((await own.api.v2010.accounts.list()).map((a) => a.sid), [sub.sid]);
    await rejects(() => own.api.v2010.accounts(parley.account.sid).fetch(), 401, 20003);
    await rejects(() => own.messages.create({ to: '+15558675310', from: FROM, body: 'x' }), 400, 21606);
    await own.incomingPhoneNumbers.create({ phoneNumber: '+15005550010' });
    const sent = await own.messages.create({ to: '+15558675310', from: '+15005550010', body: 'from tenant A' });
    assert.equal(sent.accountSid, sub.sid);
    // The parent acts on the subaccount's paths with its own credentials.
    const seen = await client.api.v2010.accounts(sub.sid).messages(sent.sid).fetch();
    assert.equal(seen.body, 'from tenant A');
    await rejects(() => client.messages(sent.sid).fetch(), 404, 20404);

    const suspended = await client.api.v2010.accounts(sub.sid).update({ status: 'suspended' });
    assertValid(account, lastBody(client));
    assert.equal(suspended.status, 'suspended');
    // A suspended account's own credentials fail like wrong ones (Twilio's 20003 lists "suspended");
    // the parent still reaches it, and reactivates it.
    await rejects(() => own.messages.list(), 401, 20003);
    assert.equal((await client.api.v2010.accounts(sub.sid).fetch()).status, 'suspended');
    await client.api.v2010.accounts(sub.sid).update({ status: 'active' });
    assert.ok(Array.isArray(await own.messages.list()));
    await client.api.v2010.accounts(sub.sid).update({ status: 'closed' });
    await rejects(() => own.messages.list(), 401, 20005);
    await rejects(() => client.api.v2010.accounts(parley.account.sid).update({ status: 'suspended' }), 403, 20006);
  });
});

describe('API keys', () => {
  test('SK sid + secret in Basic auth, with the account in the path', async () => {
    const key = await client.newKeys.create({ friendlyName: 'ci' });
    assertValid(validatorFor('api.v2010.account.new_key'), lastBody(client));
    assert.match(key.sid, /^SK[0-9a-f]{32}$/);
    const withKey = connect(key.sid, key.secret, parley.account.sid);
    const m = await withKey.messages.create({ to: '+15558675310', from: FROM, body: 'via key' });
    assert.equal(m.accountSid, parley.account.sid);
    const keys = await client.keys.list();
    assertValid(listValidator('/2010-04-01/Accounts/{AccountSid}/Keys.json'), lastBody(client));
    assert.ok(keys.some((k) => k.sid === key.sid));
    assert.equal((await client.keys(key.sid).update({ friendlyName: 'renamed' })).friendlyName, 'renamed');
    await rejects(() => connect(key.sid, 'f'.repeat(32), parley.account.sid).messages.list(), 401, 20003);
    assert.equal(await client.keys(key.sid).remove(), true);
    await rejects(() => withKey.messages.list(), 401, 20003);
  });
});

describe('opt-out keywords', () => {
  const HANDSET = '+15558670001';
  const replyTo = (body: string) => (e: GatewayEvent): e is { type: 'message'; message: MessageRecord } =>
    e.type === 'message' && e.message.to === HANDSET && e.message.body.startsWith(body) && e.message.status === 'queued';

  test('STOP blocks the pair with the default reply and 21610; START lifts it', async () => {
    const stopReply = parley.gateway.events.waitFor(replyTo('You have successfully been unsubscribed.'), 5000);
    const stop = await parley.gateway.receive({ accountSid: parley.account.sid, from: HANDSET, to: FROM, body: ' stop ', media: [] });
    await stopReply;
    assert.ok(inboundParams(stop).some(([k, v]) => k === 'OptOutType' && v === 'STOP'));
    await rejects(() => client.messages.create({ to: HANDSET, from: FROM, body: 'x' }), 400, 21610);

    const startReply = parley.gateway.events.waitFor(replyTo('You have successfully been re-subscribed'), 5000);
    await parley.gateway.receive({ accountSid: parley.account.sid, from: HANDSET, to: FROM, body: 'UNSTOP', media: [] });
    await startReply;
    const ok = await client.messages.create({ to: HANDSET, from: FROM, body: 'welcome back' });
    assert.equal(ok.status, 'queued');

    const helpReply = parley.gateway.events.waitFor(replyTo('Reply STOP to unsubscribe.'), 5000);
    await parley.gateway.receive({ accountSid: parley.account.sid, from: HANDSET, to: FROM, body: 'help', media: [] });
    await helpReply;
    const plain = await parley.gateway.receive({ accountSid: parley.account.sid, from: HANDSET, to: FROM, body: 'stop please', media: [] });
    assert.ok(!inboundParams(plain).some(([k]) => k === 'OptOutType'));
  });
});
