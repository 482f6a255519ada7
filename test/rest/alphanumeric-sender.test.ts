/**
 * Alphanumeric sender IDs in `From` (`ACME`), as Twilio takes them: through twilio-node on the
 * simulator, over SMPP (TON 5) from a channel that lists the ID in its `numbers`, and refused where
 * no channel carries it (`--carriers-only`) or where it is not one (21212). A Messaging Service's
 * alpha sender (`AlphaSenders`, one a service) sends its messages outside +1, its pool inside; its
 * `DestinationAlphaSenders` send to their own country.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import type { RunningParley } from '../../src/runtime/parley.js';
import { readChannels } from '../../src/config/channels.js';
import { ConfigError } from '../../src/config/fields.js';
import { clientFor, delivered, rejects, startInMemoryParley } from '../helpers/twilio.js';
import { SmscDouble } from '../helpers/smsc-double.js';
import { HANDSET, smppConfig, startSmppParley, type SmppParley } from '../channels/smpp/fixtures.js';

const UK_HANDSET = '+447700900123';

// One Parley on the simulator, for the two groups that use it.
let parley: RunningParley;
let client: twilio.Twilio;
before(async () => {
  parley = await startInMemoryParley();
  client = clientFor(parley);
});
after(() => parley.stop());

describe('an alphanumeric From on the simulator', () => {
  test('is sent as given, without a Parley number, and is delivered to the handset; the log filters by it', async () => {
    // Listening before the message is made, so its delivery cannot come first.
    const delivery = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.from === 'ACME Bank' && e.message.status === 'delivered', 5000);
    const created = await client.messages.create({ from: 'ACME Bank', to: UK_HANDSET, body: 'Your code is 123456' });
    assert.equal(created.from, 'ACME Bank');
    assert.equal(created.status, 'queued');
    await delivery;
    const delivered = await client.messages(created.sid).fetch();
    assert.deepEqual([delivered.status, delivered.numSegments], ['delivered', '1']);
    const listed = await client.messages.list({ from: 'ACME Bank' });
    assert.deepEqual(listed.map((m) => m.sid), [created.sid]);
  });

  test('Twilio\'s characters are taken; what is not a sender ID is refused with 21212: too long, other characters, no letter', async () => {
    for (const from of ['ACME-BANK', 'A+B_C&D 1']) {
      assert.equal((await client.messages.create({ from, to: UK_HANDSET, body: 'x' })).from, from);
    }
    for (const from of ['ACMEBANKLTD1', 'ACME.BANK', 'ACME@1', '123456789']) {
      await rejects(() => client.messages.create({ from, to: UK_HANDSET, body: 'x' }), 400, 21212);
    }
  });
});

describe('a Messaging Service\'s alpha sender', () => {
  test('one a service: created, listed, fetched; a second refused until it is deleted; not a sender ID refused', async () => {
    const service = await client.messaging.v1.services.create({ friendlyName: 'otp' });
    const alphaSenders = client.messaging.v1.services(service.sid).alphaSenders;
    const made = await alphaSenders.create({ alphaSender: 'ACME' });
    assert.match(made.sid, /^AI[0-9a-f]{32}$/);
    assert.deepEqual([made.alphaSender, made.serviceSid, made.accountSid, made.capabilities], ['ACME', service.sid, parley.account.sid, ['SMS']]);
    assert.equal(made.url, `${parley.url}/v1/Services/${service.sid}/AlphaSenders/${made.sid}`);
    assert.deepEqual((await alphaSenders.list()).map((a) => a.sid), [made.sid]);
    assert.equal((await alphaSenders(made.sid).fetch()).alphaSender, 'ACME');
    await rejects(() => alphaSenders.create({ alphaSender: 'OTHER' }), 400, 20001);
    await rejects(() => alphaSenders.create({ alphaSender: 'ACME.BANK' }), 400, 20001);
    assert.equal(await alphaSenders(made.sid).remove(), true);
    assert.deepEqual(await alphaSenders.list(), []);
    await rejects(() => alphaSenders(made.sid).fetch(), 404, 20404);
    assert.equal((await alphaSenders.create({ alphaSender: 'OTHER' })).alphaSender, 'OTHER');
  });

  test('messages through the service go from it outside +1, and from the pool to +1 numbers', async () => {
    const service = await client.messaging.v1.services.create({ friendlyName: 'alerts' });
    const number = await client.incomingPhoneNumbers.create({ phoneNumber: '+15005550041' });
    await client.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: number.sid });
    await client.messaging.v1.services(service.sid).alphaSenders.create({ alphaSender: 'ACME' });
    const abroad = await client.messages.create({ to: UK_HANDSET, messagingServiceSid: service.sid, body: 'Your code is 654321' });
    const home = await client.messages.create({ to: '+15558670501', messagingServiceSid: service.sid, body: 'Your code is 654321' });
    assert.equal((await delivered(parley, client, abroad.sid)).from, 'ACME');
    assert.equal((await delivered(parley, client, home.sid)).from, '+15005550041');
  });
});

describe('a Messaging Service\'s alpha senders by destination country', () => {
  test('one for each country and one for every other: created, listed (by country too), fetched; a second for a country refused; deleted', async () => {
    const service = await client.messaging.v1.services.create({ friendlyName: 'travel' });
    const senders = client.messaging.v1.services(service.sid).destinationAlphaSenders;
    const uk = await senders.create({ alphaSender: 'ACME UK', isoCountryCode: 'GB' });
    const everywhere = await senders.create({ alphaSender: 'ACME' });
    assert.match(uk.sid, /^AI[0-9a-f]{32}$/);
    assert.deepEqual([uk.alphaSender, uk.isoCountryCode, uk.serviceSid, uk.capabilities], ['ACME UK', 'GB', service.sid, ['SMS']]);
    assert.equal(uk.url, `${parley.url}/v1/Services/${service.sid}/DestinationAlphaSenders/${uk.sid}`);
    assert.equal(everywhere.isoCountryCode, '', 'Twilio\'s empty string for the one of every country');
    assert.deepEqual((await senders.list()).map((a) => a.sid), [uk.sid, everywhere.sid]);
    assert.deepEqual((await senders.list({ isoCountryCode: 'GB' })).map((a) => a.sid), [uk.sid]);
    assert.equal((await senders(uk.sid).fetch()).alphaSender, 'ACME UK');
    await rejects(() => senders.create({ alphaSender: 'OTHER', isoCountryCode: 'GB' }), 400, 20001);
    await rejects(() => senders.create({ alphaSender: 'OTHER' }), 400, 20001);
    await rejects(() => senders.create({ alphaSender: 'OTHER', isoCountryCode: 'XX' }), 400, 20001);
    await rejects(() => senders.create({ alphaSender: 'ACME.UK', isoCountryCode: 'FR' }), 400, 20001);
    assert.equal(await senders(uk.sid).remove(), true);
    await rejects(() => senders(uk.sid).fetch(), 404, 20404);
    await rejects(() => senders(uk.sid).remove(), 404, 20404);
    assert.deepEqual((await senders.list()).map((a) => a.sid), [everywhere.sid]);
  });

  test('a message goes from its country\'s alpha sender, else from the one for every country outside +1, else from the pool', async () => {
    const service = await client.messaging.v1.services.create({ friendlyName: 'bookings' });
    const number = await client.incomingPhoneNumbers.create({ phoneNumber: '+15005550042' });
    await client.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: number.sid });
    const senders = client.messaging.v1.services(service.sid).destinationAlphaSenders;
    await senders.create({ alphaSender: 'ACME UK', isoCountryCode: 'GB' });
    const fromOf = async (to: string): Promise<string> => {
      const created = await client.messages.create({ to, messagingServiceSid: service.sid, body: 'Your booking is confirmed' });
      return (await delivered(parley, client, created.sid)).from;
    };
    assert.equal(await fromOf(UK_HANDSET), 'ACME UK');
    assert.equal(await fromOf('+33612345678'), '+15005550042', 'no alpha sender for France or every country yet');
    await senders.create({ alphaSender: 'ACME' });
    assert.equal(await fromOf('+33612345678'), 'ACME');
    assert.equal(await fromOf(UK_HANDSET), 'ACME UK');
    assert.equal(await fromOf('+15558670502'), '+15005550042', '+1 carriers refuse alphanumeric senders');
  });
});

describe('an alphanumeric From over SMPP', () => {
  let double: SmscDouble;
  let parley: SmppParley;
  before(async () => {
    double = await SmscDouble.start();
    parley = await startSmppParley(double, { numbers: ['+15550001111', 'ACME'] }, { carriersOnly: true });
    await double.until(() => double.bound().length === 1, 'the bind');
  });
  after(async () => {
    await parley.stop();
    await double.close();
  });

  test('goes on the channel that lists it, as source_addr with TON 5 and NPI 0', async () => {
    const sent = await parley.create('from a brand', { From: 'ACME', To: HANDSET });
    await parley.status(sent.sid, ['sent']);
    const [submit] = double.submits;
    assert.deepEqual([submit!.pdu.source_addr, submit!.pdu.source_addr_ton, submit!.pdu.source_addr_npi], ['ACME', 5, 0]);
  });

  test('one no channel lists is refused with 21606 under --carriers-only, naming the sender ID', async () => {
    const refused = await parley.api<{ code: number; message: string }>('POST', `/2010-04-01/Accounts/${parley.account.sid}/Messages.json`, { From: 'OTHER', To: HANDSET, Body: 'x' });
    assert.equal(refused.status, 400);
    assert.deepEqual([refused.body.code, refused.body.message], [21606, "The alphanumeric sender ID OTHER is carried by no channel (Parley runs with --carriers-only); add it to a channel's numbers."]);
  });
});

test('a channel\'s numbers take sender IDs; anything else is a usage error naming the key', () => {
  assert.deepEqual(smppConfig(2775, { numbers: ['ACME', 'My Shop'] }).numbers, ['ACME', 'My Shop']);
  assert.throws(() => readChannels([{ ...entryWith(['ACME.1']) }], { file: 'parley.yaml', path: 'channels' }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('channels[0].numbers[0]: "ACME.1" is neither an E.164 number like +15550001111, a short code like "12345" (3 to 8 digits), an alphanumeric sender ID like "ACME"'));
});

function entryWith(numbers: string[]): Record<string, unknown> {
  return { name: 'carrier-a', type: 'smpp', host: '127.0.0.1', port: 2775, 'system-id': 'parley', password: 'secret', numbers };
}
