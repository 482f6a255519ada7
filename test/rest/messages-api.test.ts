/**
 * The Messages API through the official twilio-node client, pointed at a real Parley only by
 * `client.api.baseUrl`: create (and every validation error as a RestException), list across
 * pages, fetch, media, redact, cancel, delete. Every JSON body is checked against Twilio's
 * OpenAPI schema.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import type { RunningParley } from '../../src/runtime/parley.js';
import { assertValid, listValidator, validatorFor } from '../helpers/openapi.js';
import { clientFor, rejects, startInMemoryParley } from '../helpers/twilio.js';

const FROM = '+15005550006';
const TO = '+15558675310';
const validate = {
  message: validatorFor('api.v2010.account.message'),
  media: validatorFor('api.v2010.account.message.media'),
  list: listValidator('/2010-04-01/Accounts/{AccountSid}/Messages.json'),
  mediaList: listValidator('/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json'),
};

let parley: RunningParley;
let client: twilio.Twilio;

/** The body of the last response twilio-node received, as JSON. */
function lastBody(): unknown {
  const body = client.httpClient.lastResponse?.body as unknown;
  return typeof body === 'string' ? JSON.parse(body) : body;
}


before(async () => {
  parley = await startInMemoryParley();
  client = clientFor(parley);
  await client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});

after(async () => {
  await parley.stop();
});

describe('Messages API with twilio-node', () => {
  test('create sends through the channel and counts as conversation activity', async () => {
    const body = 'Hello from the API €';
    const wait = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.body === body && e.message.status === 'delivered', 5000);
    const message = await client.messages.create({ to: TO, from: FROM, body });
    assertValid(validate.message, lastBody());
    assert.equal(message.status, 'queued');
    assert.equal(message.direction, 'outbound-api');
    assert.equal(message.numSegments, '1');
    assert.match(message.sid, /^SM[0-9a-f]{32}$/);
    await wait;
    const fetched = await client.messages(message.sid).fetch();
    assertValid(validate.message, lastBody());
    assert.equal(fetched.status, 'delivered');
    assert.ok(fetched.dateSent instanceof Date);
    const conversation = await parley.store.conversations.get(`${parley.account.sid}:${FROM}:${TO}`);
    assert.ok(conversation, 'the conversation was touched');
    const thread = await parley.store.messages.thread(parley.account.sid, TO, { number: FROM, limit: 10 });
    assert.ok(thread.some((m) => m.sid === message.sid), 'the handset thread has it');
  });

  test('media: MM sid, Media sub-resource', async () => {
    const message = await client.messages.create({ to: TO, from: FROM, mediaUrl: ['https://cdn.example/cat.jpg', 'https://cdn.example/b.png'] });
    assertValid(validate.message, lastBody());
    assert.match(message.sid, /^MM/);
    assert.equal(message.numMedia, '2');
    const media = await client.messages(message.sid).media.list();
    assertValid(validate.mediaList, lastBody());
    assert.deepEqual(media.map((m) => m.contentType), ['image/jpeg', 'image/png']);
    const one = await client.messages(message.sid).media(media[0]!.sid).fetch();
    assertValid(validate.media, lastBody());
    assert.equal(one.parentSid, message.sid);
  });

  test('list follows pages with pageSize, page() and each()', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) sids.push((await client.messages.create({ to: '+15558675311', from: FROM, body: `page test ${i}` })).sid);
    const all = await client.messages.list({ to: '+15558675311', pageSize: 2 });
    assert.deepEqual(all.map((m) => m.sid), [...sids].reverse());
    const first = await client.messages.page({ to: '+15558675311', pageSize: 2 });
    assertValid(validate.list, lastBody());
    assert.equal(first.instances.length, 2);
    const second = await first.nextPage();
    assertValid(validate.list, lastBody());
    assert.deepEqual(second?.instances.map((m) => m.sid), [sids[2], sids[1]]);
    const back = await second?.previousPage();
    assert.deepEqual(back?.instances.map((m) => m.sid), [sids[4], sids[3]]);
    const seen: string[] = [];
    await client.messages.each({ to: '+15558675311', pageSize: 2 }, (m) => void seen.push(m.sid));
    assert.equal(seen.length, 5);
    const limited = await client.messages.list({ to: '+15558675311', limit: 3, pageSize: 2 });
    assert.equal(limited.length, 3);
  });

  test('redact a finished message, then delete it', async () => {
    // Waiting from before the create, as the first test does: the simulator may deliver it before
    // the create's answer has been read (the gateway runs in this process).
    const finished = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.body === 'secret' && e.message.status === 'delivered', 5000);
    const created = await client.messages.create({ to: TO, from: FROM, body: 'secret' });
    await finished;
    const redacted = await client.messages(created.sid).update({ body: '' });
    assertValid(validate.message, lastBody());
    assert.equal(redacted.body, '');
    assert.equal(await client.messages(created.sid).remove(), true);
    await rejects(() => client.messages(created.sid).fetch(), 404, 20404);
  });

  test('schedule and cancel', async () => {
    const sendAt = new Date(Date.now() + 3600_000);
    const scheduled = await client.messages.create({ to: TO, from: FROM, body: 'later', sendAt, scheduleType: 'fixed' });
    assertValid(validate.message, lastBody());
    assert.equal(scheduled.status, 'scheduled');
    await rejects(() => client.messages(scheduled.sid).remove(), 400, 20009);
    await rejects(() => client.messages(scheduled.sid).update({ body: '' }), 400, 20009);
    const canceled = await client.messages(scheduled.sid).update({ status: 'canceled' });
    assertValid(validate.message, lastBody());
    assert.equal(canceled.status, 'canceled');
    await rejects(() => client.messages(scheduled.sid).update({ status: 'canceled' }), 400, 20001);
  });

  const errors: Array<[string, Record<string, unknown>, number]> = [
    ['missing From', { to: TO, body: 'x' }, 21603],
    ['missing Body and MediaUrl', { to: TO, from: FROM }, 21602],
    ['invalid To', { to: '+1234', from: FROM, body: 'x' }, 21211],
    ['invalid From', { to: TO, from: 'not a number!', body: 'x' }, 21212],
    ['From not owned', { to: TO, from: '+15005550007', body: 'x' }, 21606],
    ['To is the From number itself', { to: FROM, from: FROM, body: 'x' }, 21211],
    ['body over 1600', { to: TO, from: FROM, body: 'a'.repeat(1601) }, 21617],
    ['bad media URL', { to: TO, from: FROM, mediaUrl: ['ftp://x/y.png'] }, 21620],
    ['11 media', { to: TO, from: FROM, mediaUrl: Array.from({ length: 11 }, (_, i) => `https://cdn.example/${i}.png`) }, 21623],
    ['ValidityPeriod 0', { to: TO, from: FROM, body: 'x', validityPeriod: 0 }, 21624],
    ['ValidityPeriod 36001', { to: TO, from: FROM, body: 'x', validityPeriod: 36001 }, 21624],
    ['bad StatusCallback', { to: TO, from: FROM, body: 'x', statusCallback: 'nope' }, 21609],
  ];
  for (const [name, params, code] of errors) {
    test(`create error ${code}: ${name}`, async () => {
      await rejects(() => client.messages.create(params as unknown as Parameters<typeof client.messages.create>[0]), 400, code);
    });
  }

  test('create error 21604: missing To (twilio-node refuses to send it, so over plain HTTP)', async () => {
    const res = await fetch(`${parley.url}/2010-04-01/Accounts/${parley.account.sid}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`${parley.account.sid}:${parley.account.authToken}`).toString('base64'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ From: FROM, Body: 'x' }).toString(),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      code: 21604, message: "A 'To' phone number is required.", more_info: 'https://www.twilio.com/docs/errors/21604', status: 400,
    });
  });

  test('unknown message and bad credentials', async () => {
    await rejects(() => client.messages('SM' + '0'.repeat(32)).fetch(), 404, 20404);
    const stranger = twilio(parley.account.sid, 'f'.repeat(32));
    stranger.api.baseUrl = parley.url;
    await rejects(() => stranger.messages.list(), 401, 20003);
  });
});
