/**
 * How a turn runs TwiML and handles failing apps, table-driven through the public interface:
 * each case is an app script and the replies / error code the turn must end with.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import twilio from 'twilio';
import { startTestParley, type TestParley } from '../helpers/parley.js';
import { startApp, twiml, type RecordedRequest, type TestApp } from '../helpers/apps.js';

let parley: TestParley;
let app: TestApp;
let script: (req: RecordedRequest, res: ServerResponse) => void = (_r, res) => twiml(res, '<Response/>');

before(async () => {
  parley = await startTestParley();
  app = await startApp((req, res) => script(req, res));
});
after(async () => {
  await app.close();
  await parley.stop();
});

const send = (res: ServerResponse, status: number, type: string | null, body: string): void => {
  res.writeHead(status, type ? { 'content-type': type } : {});
  res.end(body);
};

interface Case {
  name: string;
  app: (req: RecordedRequest, res: ServerResponse) => void;
  replies: string[];
  error?: number;
  fallback?: boolean;
}

const helper = new twilio.twiml.MessagingResponse();
helper.message('from the helper');
helper.message({ to: '+15557654321' }, 'to someone else');

const CASES: Case[] = [
  { name: 'one <Message>', app: (_r, res) => twiml(res, '<Response><Message>hi</Message></Response>'), replies: ['hi'] },
  { name: 'twilio-node MessagingResponse output', app: (_r, res) => twiml(res, helper.toString()), replies: ['from the helper', 'to someone else'] },
  { name: 'direct text plus <Body> and <Media>', app: (_r, res) => twiml(res, '<Response><Message>a <Body>b</Body><Media>https://x.test/a.png</Media></Message></Response>'), replies: ['a b'] },
  { name: 'legacy <Sms>', app: (_r, res) => twiml(res, '<Response><Sms>old</Sms></Response>'), replies: ['old'] },
  { name: 'digits stay text', app: (_r, res) => twiml(res, '<Response><Message>007</Message></Response>'), replies: ['007'] },
  { name: 'text/plain is sent back as one reply', app: (_r, res) => send(res, 200, 'text/plain', 'plain answer'), replies: ['plain answer'] },
  { name: 'text/html is parsed as TwiML', app: (_r, res) => send(res, 200, 'text/html; charset=utf-8', '<Response><Message>html</Message></Response>'), replies: ['html'] },
  { name: 'empty <Response/> sends nothing', app: (_r, res) => twiml(res, '<Response/>'), replies: [] },
  { name: '204 sends nothing, no error', app: (_r, res) => send(res, 204, null, ''), replies: [] },
  { name: 'empty 200 sends nothing', app: (_r, res) => send(res, 200, 'text/xml', ''), replies: [] },
  {
    name: '<Redirect> fetches more TwiML with the same parameters',
    app: (req, res) => (req.url.startsWith('/next')
      ? twiml(res, `<Response><Message>after redirect ${req.params.get('Body')}</Message></Response>`)
      : twiml(res, '<Response><Message>first</Message><Redirect method="GET">/next</Redirect><Message>never</Message></Response>')),
    replies: ['first', 'after redirect ping'],
  },
  {
    name: '<Message action> requests the action once the reply is sent; its TwiML takes over',
    app: (req, res) => (req.url.startsWith('/action')
      ? twiml(res, `<Response><Message>status was ${req.params.get('MessageStatus')}</Message></Response>`)
      : twiml(res, '<Response><Message action="/action">one</Message><Message>unreachable</Message></Response>')),
    replies: ['one', 'status was sent'],
  },
  { name: 'more than 10 messages: 10 are sent', app: (_r, res) => twiml(res, `<Response>${'<Message>m</Message>'.repeat(12)}</Response>`), replies: Array(10).fill('m') as string[] },
  { name: 'malformed XML → 12100', app: (_r, res) => twiml(res, '<Response><Message>oops</Response>'), replies: [], error: 12100 },
  { name: 'wrong root → 12102', app: (_r, res) => twiml(res, '<Reply><Message>x</Message></Reply>'), replies: [], error: 12102 },
  { name: 'wrong content type → 12300', app: (_r, res) => send(res, 200, 'application/json', '{"message":"hi"}'), replies: [], error: 12300 },
  { name: 'HTTP 500 → 11200', app: (_r, res) => send(res, 500, 'text/plain', 'boom'), replies: [], error: 11200 },
  {
    name: 'HTTP 500 then SmsFallbackUrl answers with ErrorCode and ErrorUrl',
    app: (req, res) => (req.url.startsWith('/fallback')
      ? twiml(res, `<Response><Message>fallback ${req.params.get('ErrorCode')} ${req.params.get('ErrorUrl')?.endsWith('/sms') ? 'ok' : 'bad'}</Message></Response>`)
      : send(res, 500, 'text/plain', 'boom')),
    replies: ['fallback 11200 ok'], error: 11200, fallback: true,
  },
];

let n = 0;
for (const c of CASES) {
  test(`TwiML: ${c.name}`, async () => {
    const number = `+1500556${String(1000 + n++)}`;
    await parley.createNumber(number, `${app.origin}/sms`, c.fallback ? { SmsFallbackUrl: `${app.origin}/fallback` } : {});
    script = c.app;
    const { sid } = await parley.text('+15551239999', number, 'ping');
    const view = await parley.turn(sid);
    assert.deepEqual(view.replies.map((r) => r.body), c.replies);
    for (const reply of view.replies) {
      assert.equal(reply.direction, 'outbound-reply');
      assert.equal(reply.status, 'delivered');
    }
    assert.equal(view.turn.error_code, c.error ?? null);
    if (c.error) {
      const alerts = await parley.api<{ alerts: Array<{ error_code: string; resource_sid: string }> }>('GET', '/v1/Alerts');
      assert.ok(alerts.body.alerts.some((a) => a.error_code === String(c.error) && a.resource_sid === sid), 'the error is in the error log');
    }
  });
}

test('a webhook that cannot be reached → 11205, recorded, and other conversations go on', async () => {
  const closed = await startApp(() => undefined);
  const deadUrl = closed.url;
  await closed.close();
  await parley.createNumber('+15005557001', deadUrl);
  await parley.createNumber('+15005557002', `${app.origin}/sms`);
  script = (_r, res) => twiml(res, '<Response><Message>alive</Message></Response>');
  const dead = await parley.text('+15551230077', '+15005557001', 'hello?');
  const alive = await parley.text('+15551230077', '+15005557002', 'hello');
  assert.deepEqual((await parley.turn(alive.sid)).replies.map((r) => r.body), ['alive']);
  const view = await parley.turn(dead.sid);
  assert.equal(view.turn.error_code, 11205);
  assert.equal(view.replies.length, 0);
  const fetched = await parley.api<{ error_code: number | null }>('GET', `/2010-04-01/Accounts/${parley.account.sid}/Messages/${dead.sid}.json`);
  assert.equal(fetched.body.error_code, 11205);
});

test('GET webhooks carry the parameters in the query string, signed over the full URL', async () => {
  await parley.createNumber('+15005557003', `${app.origin}/sms?x=1`, { SmsMethod: 'GET' });
  let valid = false;
  script = (req, res) => {
    valid = twilio.validateRequest(parley.account.authToken, String(req.headers['x-twilio-signature']), `${app.origin}${req.url}`, {});
    twiml(res, `<Response><Message>${req.method} ${req.params.get('Body')} ${req.params.get('x')}</Message></Response>`);
  };
  const { sid } = await parley.text('+15551230078', '+15005557003', 'q');
  assert.deepEqual((await parley.turn(sid)).replies.map((r) => r.body), ['GET q 1']);
  assert.ok(valid, 'the official validator accepts the GET signature');
});

test('threads and message lists keep arrival order across SM and MM messages', async () => {
  await parley.createNumber('+15005557004', `${app.origin}/sms`);
  script = (_r, res) => twiml(res, '<Response/>');
  const handset = '+15551230079';
  const first = await parley.api<{ sid: string }>('POST', '/simulator/messages', { From: handset, To: '+15005557004', Body: 'picture', MediaUrl: 'https://x.test/cat.png' });
  const second = await parley.text(handset, '+15005557004', 'words');
  assert.match(first.body.sid, /^MM/);
  assert.match(second.sid, /^SM/);
  const thread = await parley.api<{ messages: Array<{ sid: string }> }>('GET', `/simulator/handsets/${encodeURIComponent(handset)}/messages`);
  assert.deepEqual(thread.body.messages.map((m) => m.sid), [first.body.sid, second.sid]);
  const list = await parley.api<{ messages: Array<{ sid: string }> }>('GET', `/2010-04-01/Accounts/${parley.account.sid}/Messages.json?From=${encodeURIComponent(handset)}`);
  assert.deepEqual(list.body.messages.map((m) => m.sid), [second.sid, first.body.sid], 'newest first');
});
