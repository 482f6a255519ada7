/**
 * Short codes (`894546`) as an account's addresses: provisioned with Parley's `POST
 * …/SMS/ShortCodes.json`, listed, fetched and updated through twilio-node's `shortCodes` as on
 * Twilio; a handset texts one and its webhook answers from it; the API sends from one; over SMPP
 * a channel carries one with TON 3; a Messaging Service's pool takes one and sends from it to
 * handsets of its country.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import { readChannels } from '../../src/config/channels.js';
import { ConfigError } from '../../src/config/fields.js';
import { clientFor, delivered, rejects } from '../helpers/twilio.js';
import { startTestParley, type TestParley } from '../helpers/parley.js';
import { startApp, twiml, type TestApp } from '../helpers/apps.js';
import { SmscDouble } from '../helpers/smsc-double.js';
import { HANDSET, PARLEY_NUMBER, startSmppParley, type SmppParley } from '../channels/smpp/fixtures.js';

const SHORT_CODE = '894546';
const HANDSET_A = '+15551230001';

/** The webhook app: answers every message with what it was sent to, and checks the signature. */
async function startEchoApp(authToken: () => string): Promise<TestApp> {
  const app = await startApp((req, res) => {
    const signed = twilio.validateRequest(authToken(), String(req.headers['x-twilio-signature']), app.url, Object.fromEntries(req.params));
    twiml(res, `<Response><Message>${signed ? 'signed' : 'NOT SIGNED'}, to ${req.params.get('To')}</Message></Response>`);
  });
  return app;
}

/** A Parley on the simulator with the echo app, for the suite that calls it (started before its tests, stopped after). */
function onSimulator(): { parley: TestParley; client: twilio.Twilio; app: TestApp } {
  const sim = {} as { parley: TestParley; client: twilio.Twilio; app: TestApp };
  before(async () => {
    sim.parley = await startTestParley();
    sim.client = clientFor(sim.parley);
    sim.app = await startEchoApp(() => sim.parley.account.authToken);
  });
  after(async () => {
    await sim.parley.stop();
    await sim.app.close();
  });
  return sim;
}

describe('short codes on the simulator', () => {
  const sim = onSimulator();
  const shortCodes = (): string => `/2010-04-01/Accounts/${sim.parley.account.sid}/SMS/ShortCodes`;

  test('provisioned with POST, then listed, fetched and updated through twilio-node; not an IncomingPhoneNumber; released with DELETE', async () => {
    const created = await sim.parley.api<Record<string, string>>('POST', `${shortCodes()}.json`, { ShortCode: '55555', SmsUrl: sim.app.url });
    assert.equal(created.status, 201);
    assert.match(created.body.sid!, /^SC[0-9a-f]{32}$/);
    assert.deepEqual(
      [created.body.short_code, created.body.friendly_name, created.body.sms_url, created.body.sms_method, created.body.account_sid, created.body.uri],
      ['55555', '55555', sim.app.url, 'POST', sim.parley.account.sid, `${shortCodes()}/${created.body.sid}.json`],
    );
    const sid = created.body.sid!;
    assert.deepEqual((await sim.client.shortCodes.list()).map((s) => [s.sid, s.shortCode]), [[sid, '55555']]);
    assert.deepEqual((await sim.client.shortCodes.list({ shortCode: '55555' })).map((s) => s.sid), [sid]);
    assert.deepEqual(await sim.client.shortCodes.list({ shortCode: '55556' }), []);
    const updated = await sim.client.shortCodes(sid).update({ friendlyName: 'Rewards', smsMethod: 'GET' });
    assert.deepEqual([updated.friendlyName, updated.smsMethod, updated.smsUrl], ['Rewards', 'GET', sim.app.url]);
    assert.equal((await sim.client.shortCodes(sid).fetch()).friendlyName, 'Rewards');

    // Each resource has its own path: a number is not a ShortCode, nor a short code a number.
    const number = await sim.client.incomingPhoneNumbers.create({ phoneNumber: '+15005550061' });
    assert.deepEqual((await sim.client.incomingPhoneNumbers.list()).map((n) => n.sid), [number.sid]);
    await rejects(() => sim.client.incomingPhoneNumbers(sid).fetch(), 404, 20404);
    await rejects(() => sim.client.shortCodes(number.sid).fetch(), 404, 20404);
    await sim.client.incomingPhoneNumbers(number.sid).remove();

    const removed = await sim.parley.api('DELETE', `${shortCodes()}/${sid}.json`);
    assert.equal(removed.status, 204);
    await rejects(() => sim.client.shortCodes(sid).fetch(), 404, 20404);
    assert.deepEqual(await sim.client.shortCodes.list(), []);
  });

  test('what is not a short code is refused with 21401, one in use with 21422, and a short code is not a PhoneNumber', async () => {
    for (const shortCode of ['12', '123456789', '+15005550006', 'ACME', '']) {
      const refused = await sim.parley.api<{ code: number; message: string }>('POST', `${shortCodes()}.json`, { ShortCode: shortCode });
      assert.deepEqual([refused.status, refused.body.code], [400, 21401], shortCode);
    }
    assert.equal((await sim.parley.api('POST', `${shortCodes()}.json`, { ShortCode: '44444' })).status, 201);
    const twice = await sim.parley.api<{ code: number; message: string }>('POST', `${shortCodes()}.json`, { ShortCode: '44444' });
    assert.deepEqual([twice.status, twice.body.code, twice.body.message], [400, 21422, 'The short code 44444 is already in use.']);
    await rejects(() => sim.client.incomingPhoneNumbers.create({ phoneNumber: '44444' }), 400, 21401);
  });

  test('a handset texts one: the webhook, signed, gets To=894546 and its reply goes from the short code; the API sends from it too', async () => {
    await sim.parley.api('POST', `${shortCodes()}.json`, { ShortCode: SHORT_CODE, SmsUrl: sim.app.url });
    const inbound = await sim.parley.text(HANDSET_A, SHORT_CODE, 'JOIN');
    const turn = await sim.parley.turn(inbound.sid);
    assert.deepEqual(turn.replies.map((r) => [r.from, r.to, r.body]), [[SHORT_CODE, HANDSET_A, `signed, to ${SHORT_CODE}`]]);
    assert.equal(sim.app.requests.at(-1)!.params.get('To'), SHORT_CODE);

    const sent = await sim.client.messages.create({ from: SHORT_CODE, to: HANDSET_A, body: 'Your points: 120' });
    assert.deepEqual([sent.from, sent.status], [SHORT_CODE, 'queued']);
    assert.deepEqual((await sim.client.messages.list({ from: SHORT_CODE })).map((m) => m.sid).includes(sent.sid), true);
    // A short code the account does not have, as for a number.
    await rejects(() => sim.client.messages.create({ from: '77777', to: HANDSET_A, body: 'x' }), 400, 21606);
  });

  test('STOP to a short code blocks sending from it to that handset (21610), START lifts it', async () => {
    const stop = await sim.parley.text('+15551230002', SHORT_CODE, 'STOP');
    await sim.parley.turn(stop.sid);
    await rejects(() => sim.client.messages.create({ from: SHORT_CODE, to: '+15551230002', body: 'more points' }), 400, 21610);
    const start = await sim.parley.text('+15551230002', SHORT_CODE, 'START');
    await sim.parley.turn(start.sid);
    assert.equal((await sim.client.messages.create({ from: SHORT_CODE, to: '+15551230002', body: 'welcome back' })).from, SHORT_CODE);
  });
});

describe('short codes in a Messaging Service\'s pool', () => {
  const sim = onSimulator();
  const provision = async (shortCode: string, extra: Record<string, string> = {}): Promise<string> => {
    const made = await sim.parley.api<{ sid: string }>('POST', `/2010-04-01/Accounts/${sim.parley.account.sid}/SMS/ShortCodes.json`, { ShortCode: shortCode, SmsUrl: sim.app.url, ...extra });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.sid;
  };

  test('a short code\'s country is US unless IsoCountry says another; its webhook\'s ToCountry is that country', async () => {
    await provision('22222');
    await provision('60000', { IsoCountry: 'GB' });
    const refused = await sim.parley.api<{ code: number; message: string }>('POST', `/2010-04-01/Accounts/${sim.parley.account.sid}/SMS/ShortCodes.json`, { ShortCode: '60001', IsoCountry: 'XX' });
    assert.deepEqual([refused.status, refused.body.code, refused.body.message], [400, 20001, 'IsoCountry must be a country code such as US or GB, not "XX".']);
    for (const [shortCode, country] of [['22222', 'US'], ['60000', 'GB']] as const) {
      await sim.parley.turn((await sim.parley.text(HANDSET_A, shortCode, 'hi')).sid);
      const request = sim.app.requests.at(-1)!.params;
      assert.deepEqual([request.get('To'), request.get('ToCountry'), request.get('FromCountry')], [shortCode, country, 'US']);
    }
  });

  test('ShortCodes: added by its SID, listed and fetched with its country, apart from PhoneNumbers; one service each; removed', async () => {
    const service = await sim.client.messaging.v1.services.create({ friendlyName: 'rewards' });
    const pool = sim.client.messaging.v1.services(service.sid);
    const shortCodeSid = await provision('33333');
    const number = await sim.client.incomingPhoneNumbers.create({ phoneNumber: '+15005550071' });
    const added = await pool.shortCodes.create({ shortCodeSid });
    assert.deepEqual([added.sid, added.shortCode, added.countryCode, added.serviceSid, added.accountSid], [shortCodeSid, '33333', 'US', service.sid, sim.parley.account.sid]);
    assert.equal(added.url, `${sim.parley.url}/v1/Services/${service.sid}/ShortCodes/${shortCodeSid}`);
    await pool.phoneNumbers.create({ phoneNumberSid: number.sid });
    assert.deepEqual((await pool.shortCodes.list()).map((s) => s.sid), [shortCodeSid]);
    assert.deepEqual((await pool.phoneNumbers.list()).map((n) => n.sid), [number.sid]);
    assert.equal((await pool.shortCodes(shortCodeSid).fetch()).shortCode, '33333');
    await rejects(() => pool.phoneNumbers(shortCodeSid).fetch(), 404, 20404);
    await rejects(() => pool.shortCodes(number.sid).fetch(), 404, 20404);
    // Each sub-resource takes its own kind of SID; a short code is in one service at most.
    await rejects(() => pool.phoneNumbers.create({ phoneNumberSid: shortCodeSid }), 400, 21601);
    await rejects(() => pool.shortCodes.create({ shortCodeSid: number.sid }), 400, 21601);
    const other = await sim.client.messaging.v1.services.create({ friendlyName: 'other' });
    await rejects(() => sim.client.messaging.v1.services(other.sid).shortCodes.create({ shortCodeSid }), 400, 21710);
    assert.equal(await pool.shortCodes(shortCodeSid).remove(), true);
    assert.deepEqual(await pool.shortCodes.list(), []);
    await rejects(() => pool.shortCodes(shortCodeSid).remove(), 404, 20404);
    assert.deepEqual((await pool.phoneNumbers.list()).map((n) => n.sid), [number.sid]);
  });

  test('a message without From goes from a short code of the destination\'s country, else the alpha sender outside +1, else a number', async () => {
    const service = await sim.client.messaging.v1.services.create({ friendlyName: 'loyalty' });
    const pool = sim.client.messaging.v1.services(service.sid);
    await pool.shortCodes.create({ shortCodeSid: await provision('44444') });
    const number = await sim.client.incomingPhoneNumbers.create({ phoneNumber: '+15005550072' });
    await pool.phoneNumbers.create({ phoneNumberSid: number.sid });
    await pool.alphaSenders.create({ alphaSender: 'LOYALTY' });
    const fromOf = async (to: string): Promise<string> => {
      const created = await sim.client.messages.create({ to, messagingServiceSid: service.sid, body: 'Your points: 120' });
      return (await delivered(sim.parley, sim.client, created.sid)).from;
    };
    assert.equal(await fromOf('+15558670601'), '44444');
    assert.equal(await fromOf('+447700900601'), 'LOYALTY');
    await pool.shortCodes.create({ shortCodeSid: await provision('65000', { IsoCountry: 'GB' }) });
    assert.equal(await fromOf('+447700900602'), '65000');
    assert.equal(await fromOf('+33612345678'), 'LOYALTY');

    // Only a short code for another country, and no number: no sender for that destination.
    const usOnly = await sim.client.messaging.v1.services.create({ friendlyName: 'us only' });
    await sim.client.messaging.v1.services(usOnly.sid).shortCodes.create({ shortCodeSid: await provision('55555') });
    const home = await sim.client.messages.create({ to: '+15558670602', messagingServiceSid: usOnly.sid, body: 'x' });
    assert.equal((await delivered(sim.parley, sim.client, home.sid)).from, '55555');
    await rejects(() => sim.client.messages.create({ to: '+447700900603', messagingServiceSid: usOnly.sid, body: 'x' }), 400, 21704);
  });
});

describe('a short code over SMPP', () => {
  let double: SmscDouble;
  let parley: SmppParley;
  let app: TestApp;
  before(async () => {
    double = await SmscDouble.start();
    app = await startEchoApp(() => parley.account.authToken);
    parley = await startSmppParley(double, { numbers: [PARLEY_NUMBER, SHORT_CODE] }, { carriersOnly: true });
    await double.until(() => double.bound().length === 1, 'the bind');
    const made = await parley.api('POST', `/2010-04-01/Accounts/${parley.account.sid}/SMS/ShortCodes.json`, { ShortCode: SHORT_CODE, SmsUrl: app.url });
    assert.equal(made.status, 201);
  });
  after(async () => {
    await parley.stop();
    await double.close();
    await app.close();
  });

  test('a deliver_sm to it (TON 3) runs its webhook; the reply goes from it as source_addr with TON 3 and NPI 0', async () => {
    const resp = await double.deliver({ from: HANDSET.slice(1), to: SHORT_CODE, toTon: 3, shortMessage: Buffer.from('JOIN') });
    assert.equal(resp.command_status, 0);
    await double.until(() => double.submits.some((s) => s.pdu.source_addr === SHORT_CODE), 'the reply');
    const reply = double.submits.find((s) => s.pdu.source_addr === SHORT_CODE)!;
    assert.deepEqual(
      [reply.pdu.source_addr_ton, reply.pdu.source_addr_npi, reply.pdu.destination_addr, String(reply.pdu.short_message)],
      [3, 0, HANDSET.slice(1), `signed, to ${SHORT_CODE}`],
    );
  });

  test('one no channel lists is refused with 21606 under --carriers-only', async () => {
    const other = await parley.api('POST', `/2010-04-01/Accounts/${parley.account.sid}/SMS/ShortCodes.json`, { ShortCode: '33333' });
    assert.equal(other.status, 201);
    const refused = await parley.api<{ code: number; message: string }>('POST', `/2010-04-01/Accounts/${parley.account.sid}/Messages.json`, { From: '33333', To: HANDSET, Body: 'x' });
    assert.deepEqual([refused.status, refused.body.code], [400, 21606]);
    assert.match(refused.body.message, /33333 is carried by no channel/);
  });

  test('a channel\'s numbers take short codes; two digits or nine are a usage error naming the key', () => {
    const where = { file: 'parley.yaml', path: 'channels' };
    assert.deepEqual(readChannels([entryWith(['12345', '+15550001111'])], where)[0]!.numbers, ['12345', '+15550001111']);
    for (const wrong of ['12', '123456789']) {
      assert.throws(() => readChannels([entryWith([wrong])], where),
        (e: unknown) => e instanceof ConfigError && e.message.includes(`channels[0].numbers[0]: "${wrong}" is neither an E.164 number like +15550001111, a short code like "12345" (3 to 8 digits)`));
    }
  });
});

function entryWith(numbers: string[]): Record<string, unknown> {
  return { name: 'carrier-a', type: 'smpp', host: '127.0.0.1', port: 2775, 'system-id': 'parley', password: 'secret', numbers };
}
