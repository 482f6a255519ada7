/**
 * Twilio's Smart Encoding through twilio-node: a Messaging Service has it on unless `SmartEncoding`
 * turns it off, `SmartEncoded` on a create decides for one message, and the stored body, the
 * segment count and what the handset receives are the replaced text. TwiML replies from a number
 * in a service get it too; a number in no service keeps its text as written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import type { RunningParley } from '../../src/runtime/parley.js';
import { clientFor, startInMemoryParley } from '../helpers/twilio.js';
import { escapeXml, startApp, twiml, type TestApp } from '../helpers/apps.js';
import { basicAuth } from '../helpers/basic-auth.js';

// 99 characters with a typographic apostrophe, quotes, an ellipsis and a dash: UCS-2, 2 segments
// as written; GSM-7, 1 segment once they are replaced.
const TYPOGRAPHIC = `Don’t forget: “Parley” opens at 9 — bring your badge… and a ${'x'.repeat(39)}`;
const REPLACED = `Don't forget: "Parley" opens at 9 - bring your badge... and a ${'x'.repeat(39)}`;

let parley: RunningParley;
let client: twilio.Twilio;
let app: TestApp;
let serviceSid: string;
const SERVICE_NUMBER = '+15005550031';
const LONE_NUMBER = '+15005550032';

before(async () => {
  parley = await startInMemoryParley();
  client = clientFor(parley);
  app = await startApp((_req, res) => twiml(res, `<Response><Message>${escapeXml(TYPOGRAPHIC)}</Message></Response>`));
  const service = await client.messaging.v1.services.create({ friendlyName: 'smart', inboundRequestUrl: `${app.origin}/in` });
  serviceSid = service.sid;
  const inService = await client.incomingPhoneNumbers.create({ phoneNumber: SERVICE_NUMBER });
  await client.messaging.v1.services(serviceSid).phoneNumbers.create({ phoneNumberSid: inService.sid });
  await client.incomingPhoneNumbers.create({ phoneNumber: LONE_NUMBER, smsUrl: `${app.origin}/in` });
});

after(async () => {
  await app.close();
  await parley.stop();
});

/** Creates a message and reads it back once the simulator has it: body and segments as stored. */
async function sent(params: Parameters<twilio.Twilio['messages']['create']>[0]): Promise<{ body: string; numSegments: string }> {
  const created = await client.messages.create(params);
  const fetched = await client.messages(created.sid).fetch();
  return { body: fetched.body, numSegments: fetched.numSegments };
}

describe('Smart Encoding', () => {
  test('as written it is UCS-2 in 2 segments', async () => {
    assert.deepEqual(await sent({ to: '+15558670401', from: LONE_NUMBER, body: TYPOGRAPHIC }), { body: TYPOGRAPHIC, numSegments: '2' });
  });

  test('a Messaging Service has it on: the look-alikes replaced, 1 segment, and the handset receives that text', async () => {
    assert.equal((await client.messaging.v1.services(serviceSid).fetch()).smartEncoding, true);
    const handset = '+15558670402';
    assert.deepEqual(await sent({ to: handset, messagingServiceSid: serviceSid, body: TYPOGRAPHIC }), { body: REPLACED, numSegments: '1' });
    const thread = await client.messages.list({ to: handset });
    assert.deepEqual(thread.map((m) => m.body), [REPLACED]);
  });

  test('SmartEncoded decides for one message: false keeps the text through a service, true replaces it without one', async () => {
    assert.deepEqual(await sent({ to: '+15558670403', messagingServiceSid: serviceSid, body: TYPOGRAPHIC, smartEncoded: false }), { body: TYPOGRAPHIC, numSegments: '2' });
    assert.deepEqual(await sent({ to: '+15558670403', from: LONE_NUMBER, body: TYPOGRAPHIC, smartEncoded: true }), { body: REPLACED, numSegments: '1' });
  });

  test('SmartEncoding=false on the service turns it off for its messages; true turns it on again', async () => {
    const off = await client.messaging.v1.services(serviceSid).update({ smartEncoding: false });
    assert.equal(off.smartEncoding, false);
    assert.equal((await client.messaging.v1.services(serviceSid).update({ friendlyName: 'renamed' })).smartEncoding, false, 'an update that does not name it keeps it');
    assert.deepEqual(await sent({ to: '+15558670404', messagingServiceSid: serviceSid, body: TYPOGRAPHIC }), { body: TYPOGRAPHIC, numSegments: '2' });
    assert.equal((await client.messaging.v1.services(serviceSid).update({ smartEncoding: true })).smartEncoding, true);
  });

  test('a TwiML reply from a number in a service is replaced; from a number in none it is not', async () => {
    for (const [number, expected] of [[SERVICE_NUMBER, REPLACED], [LONE_NUMBER, TYPOGRAPHIC]] as const) {
      // Listening before the message comes, so the reply cannot come first.
      const reply = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.direction === 'outbound-reply' && e.message.from === number, 5000);
      await parley.gateway.receive({ accountSid: parley.account.sid, from: '+15558670405', to: number, body: 'hi', media: [] });
      const stored = (await reply) as { message: { body: string; numSegments: number } };
      assert.deepEqual([stored.message.body, stored.message.numSegments], [expected, expected === REPLACED ? 1 : 2], number);
    }
  });

  test('a body within 1600 characters that the replacements would take past them is sent as written', async () => {
    const near = `${'a'.repeat(1598)}½`;
    const asWritten = await sent({ to: '+15558670407', from: LONE_NUMBER, body: near, smartEncoded: true });
    assert.equal(asWritten.body, near, '1,599 characters, not 1,601');
    const within = `${'a'.repeat(1597)}½`;
    assert.equal((await sent({ to: '+15558670407', from: LONE_NUMBER, body: within, smartEncoded: true })).body, `${'a'.repeat(1597)}1/2`, 'exactly 1,600 after: replaced');
  });

  test('a value that is not a boolean is refused with 20001, naming the parameter', async () => {
    const res = await fetch(`${parley.url}/2010-04-01/Accounts/${parley.account.sid}/Messages.json`, {
      method: 'POST',
      headers: { authorization: basicAuth(parley.account.sid, parley.account.authToken), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: '+15558670406', From: LONE_NUMBER, Body: 'x', SmartEncoded: 'maybe' }).toString(),
    });
    assert.equal(res.status, 400);
    const body = await res.json() as { code: number; message: string; more_info: string; status: number };
    assert.deepEqual([body.code, body.status, body.message], [20001, 400, "SmartEncoded must be true or false, not 'maybe'."]);
    assert.equal(body.more_info, 'https://www.twilio.com/docs/errors/20001');
  });
});
