/**
 * A Messaging Service as its numbers' owner (issue 3): inbound messages to a number in the service
 * use the service's InboundRequestUrl (unless UseInboundWebhookOnNumber=true) and carry
 * `MessagingServiceSid`; a STOP to one sender blocks every sender of the service; a message
 * created with MessagingServiceSid and no From is `accepted`, then `queued` (with a callback).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import type { RunningParley } from '../../src/runtime/parley.js';
import { startApp, type RecordedRequest, type TestApp } from '../helpers/apps.js';
import { clientFor, rejects, startInMemoryParley } from '../helpers/twilio.js';

const [A, B] = ['+15005550051', '+15005550052'];
let parley: RunningParley;
let client: twilio.Twilio;
let app: TestApp;
let serviceSid = '';

before(async () => {
  parley = await startInMemoryParley();
  client = clientFor(parley);
  app = await startApp((_req, res) => void res.writeHead(204).end());
  const service = await client.messaging.v1.services.create({
    friendlyName: 'support', inboundRequestUrl: `${app.origin}/service-in`, statusCallback: `${app.origin}/service-status`,
  });
  serviceSid = service.sid;
  for (const phoneNumber of [A, B]) {
    const pn = await client.incomingPhoneNumbers.create({ phoneNumber, smsUrl: `${app.origin}/number-in` });
    await client.messaging.v1.services(serviceSid).phoneNumbers.create({ phoneNumberSid: pn.sid });
  }
});

after(async () => {
  await parley.stop();
  await app.close();
});

async function inboundTurn(from: string, to: string, body: string): Promise<string> {
  const message = await parley.gateway.receive({ accountSid: parley.account.sid, from, to, body, media: [] });
  await parley.gateway.events.waitFor((e) => e.type === 'turn' && e.messageSid === message.sid, 5000);
  return message.sid;
}

function requestFor(messageSid: string): RecordedRequest {
  const found = app.requests.find((r) => r.params.get('MessageSid') === messageSid && r.url.endsWith('-in'));
  assert.ok(found, `no webhook for ${messageSid}`);
  return found;
}


describe('a Messaging Service owns its numbers', () => {
  test('inbound messages use the service webhook and carry MessagingServiceSid', async () => {
    const sid = await inboundTurn('+15558670301', A, 'hello service');
    const req = requestFor(sid);
    assert.equal(req.url, '/service-in');
    assert.equal(req.params.get('MessagingServiceSid'), serviceSid);
    assert.ok(twilio.validateRequest(parley.account.authToken, String(req.headers['x-twilio-signature']), app.origin + req.url, Object.fromEntries(req.params)));
    assert.equal((await client.messages(sid).fetch()).messagingServiceSid, serviceSid);

    const updated = await client.messaging.v1.services(serviceSid).update({ useInboundWebhookOnNumber: true });
    assert.equal(updated.useInboundWebhookOnNumber, true);
    const own = requestFor(await inboundTurn('+15558670301', A, 'hello number'));
    assert.equal(own.url, '/number-in', 'UseInboundWebhookOnNumber=true defers to the number');
    assert.equal(own.params.get('MessagingServiceSid'), serviceSid);
    await client.messaging.v1.services(serviceSid).update({ useInboundWebhookOnNumber: false });
  });

  test('a STOP to one sender blocks all the service senders; START to another lifts it', async () => {
    const handset = '+15558670302';
    const stopped = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.to === handset
      && e.message.body.startsWith('You have successfully been unsubscribed'), 5000);
    await inboundTurn(handset, A, 'stop');
    await stopped;
    await rejects(() => client.messages.create({ to: handset, from: B, body: 'from B' }), 400, 21610);
    await rejects(() => client.messages.create({ to: handset, messagingServiceSid: serviceSid, body: 'via service' }), 400, 21610);
    const started = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.to === handset
      && e.message.body.startsWith('You have successfully been re-subscribed'), 5000);
    await inboundTurn(handset, B, 'START');
    await started;
    const ok = await client.messages.create({ to: handset, from: A, body: 'welcome back' });
    assert.equal(ok.status, 'queued');
  });

  test('MessagingServiceSid without From: accepted, then queued, sent, delivered callbacks', async () => {
    const created = await client.messages.create({ to: '+15558670303', messagingServiceSid: serviceSid, body: 'pooled' });
    assert.equal(created.status, 'accepted');
    assert.equal(created.from, null);
    const mine = (): RecordedRequest[] => app.requests.filter((r) => r.url === '/service-status' && r.params.get('MessageSid') === created.sid);
    if (mine().length < 3) {
      await parley.gateway.events.waitFor((e) => e.type === 'exchange' && e.exchange.messageSid === created.sid && mine().length >= 3, 5000);
    }
    assert.deepEqual(mine().map((r) => r.params.get('MessageStatus')), ['queued', 'sent', 'delivered']);
    assert.ok(mine().every((r) => r.params.get('MessagingServiceSid') === serviceSid && [A, B].includes(r.params.get('From') ?? '')));
  });
});
