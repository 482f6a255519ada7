/**
 * Messaging Services through twilio-node (`client.messaging.v1.services`, its messaging domain
 * pointed at Parley): create, list, fetch, update, delete, the PhoneNumbers sender pool, and
 * `MessagingServiceSid` on message create picking a sticky sender from the pool, geomatched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import type { RunningParley } from '../../src/runtime/parley.js';
import { clientFor, delivered as deliveredMessage, rejects, startInMemoryParley } from '../helpers/twilio.js';

let parley: RunningParley;
let client: twilio.Twilio;


const delivered = (sid: string): ReturnType<typeof deliveredMessage> => deliveredMessage(parley, client, sid);

before(async () => {
  parley = await startInMemoryParley();
  client = clientFor(parley);
});

after(async () => {
  await parley.stop();
});

describe('Messaging Services', () => {
  test('CRUD, sender pool, sticky sender on create', async () => {
    const service = await client.messaging.v1.services.create({ friendlyName: 'alerts', statusCallback: 'https://app.example/status' });
    assert.match(service.sid, /^MG[0-9a-f]{32}$/);
    assert.equal(service.friendlyName, 'alerts');
    assert.equal(service.url, `${parley.url}/v1/Services/${service.sid}`);

    await rejects(() => client.messages.create({ to: '+15558675310', messagingServiceSid: service.sid, body: 'x' }), 400, 21704);
    await rejects(() => client.messages.create({ to: '+15558675310', messagingServiceSid: 'MG' + '0'.repeat(32), body: 'x' }), 400, 21705);

    const numbers = [];
    for (const phoneNumber of ['+15005550020', '+15005550021', '+15005550022']) {
      const pn = await client.incomingPhoneNumbers.create({ phoneNumber });
      numbers.push(pn.phoneNumber);
      const entry = await client.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: pn.sid });
      assert.equal(entry.serviceSid, service.sid);
    }
    const pool = await client.messaging.v1.services(service.sid).phoneNumbers.list({ pageSize: 2 });
    assert.deepEqual(pool.map((p) => p.phoneNumber).sort(), numbers.sort());

    const created = await client.messages.create({ to: '+15558675310', messagingServiceSid: service.sid, body: 'one' });
    // Twilio answers `accepted` with no sender yet; the message is then queued from a pool number.
    assert.equal(created.status, 'accepted');
    assert.equal(created.from, null);
    const first = await delivered(created.sid);
    const second = await delivered((await client.messages.create({ to: '+15558675310', messagingServiceSid: service.sid, body: 'two' })).sid);
    assert.ok(numbers.includes(first.from));
    assert.equal(second.from, first.from, 'the same handset keeps its sender');
    assert.equal(first.messagingServiceSid, service.sid);

    const updated = await client.messaging.v1.services(service.sid).update({ friendlyName: 'renamed', inboundRequestUrl: 'https://app.example/in' });
    assert.equal(updated.friendlyName, 'renamed');
    assert.equal(updated.inboundRequestUrl, 'https://app.example/in');
    const listed = await client.messaging.v1.services.list();
    assert.deepEqual(listed.map((s) => s.sid), [service.sid]);
    assert.equal((await client.messaging.v1.services(service.sid).fetch()).friendlyName, 'renamed');
    assert.equal(await client.messaging.v1.services(service.sid).remove(), true);
    await rejects(() => client.messaging.v1.services(service.sid).fetch(), 404, 20404);
  });

  test('a pool\'s numbers are geomatched: the destination\'s area code, else its country, else a US number, else any', async () => {
    const service = await client.messaging.v1.services.create({ friendlyName: 'geo', stickySender: false });
    const add = async (phoneNumber: string): Promise<void> => {
      const number = await client.incomingPhoneNumbers.create({ phoneNumber });
      await client.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: number.sid });
    };
    for (const phoneNumber of ['+14155550101', '+12125550101', '+447700900101', '+61491570101']) await add(phoneNumber);
    const fromOf = async (to: string): Promise<string> => (await delivered((await client.messages.create({ to, messagingServiceSid: service.sid, body: 'x' })).sid)).from;
    // Not sticky: a random choice among the candidates, so five sends each show the tier holds.
    for (let i = 0; i < 5; i++) {
      assert.equal(await fromOf('+14155550199'), '+14155550101', 'the same area code');
      assert.equal(await fromOf('+447700900199'), '+447700900101', 'the same country');
      assert.ok(['+14155550101', '+12125550101'].includes(await fromOf('+33612345678')), 'no French number: a US one');
    }
    assert.ok(['+14155550101', '+12125550101'].includes(await fromOf('+13105550199')), 'no 310 number: one of the country');
  });
});
