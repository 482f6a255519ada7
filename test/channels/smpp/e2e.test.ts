/**
 * End to end over SMPP, through public interfaces only: `parley serve --config FILE` as a child
 * process with an `smpp` channel to an SMSC double, the example session-counter app (signatures
 * checked by the twilio package, the count kept in its cookie session) answering a handset that
 * texts over SMPP, the replies going back as submit_sm and delivered by receipts; the official
 * twilio client sending long GSM-7, UCS-2 with emoji and `€[]` texts and reading back their
 * statuses; `parley channels` showing the connection.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import twilio from 'twilio';
import { Api, freePort, GatewayProcess, newCredentials } from '../../helpers/gateway-process.js';
import { EventStream } from '../../helpers/event-stream.js';
import { SmscDouble, type SubmitRecord } from '../../helpers/smsc-double.js';
import { startSessionCounter, type RunningApp } from '../../../examples/session-counter/server.js';
import { encodeGsm7 } from '../../../src/channels/smpp/gsm7.js';
import { cleanEnv, runCli } from '../../cli/run-cli.js';
import { writeSmppConfigFile } from './fixtures.js';

const NUMBER = '+15550001111';
const ALICE = '15551230001';
const BOB = '15551230002';

let dir: string;
let double: SmscDouble;
let app: RunningApp;
let gateway: GatewayProcess;
let api: Api;
let events: EventStream;
let client: twilio.Twilio;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-smpp-e2e-'));
  double = await SmscDouble.start();
  const credentials = newCredentials();
  app = await startSessionCounter({ authToken: credentials.authToken });
  const config = join(dir, 'parley.yaml');
  writeSmppConfigFile(config, double.port, NUMBER, ['log-level: warn']);
  gateway = new GatewayProcess(await freePort(), join(dir, 'parley.db'), credentials, ['--config', config]);
  await gateway.start();
  api = new Api(gateway.url, credentials);
  await api.createNumber({ PhoneNumber: NUMBER, SmsUrl: app.smsUrl });
  events = await EventStream.open(api);
  client = twilio(credentials.accountSid, credentials.authToken);
  client.api.baseUrl = gateway.url;
});

after(async () => {
  events?.close();
  await gateway?.kill('SIGTERM');
  await app?.close();
  await double?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A handset texts Parley over SMPP; resolves with the reply's submit_sm once the app answered. */
async function say(handset: string, text: string): Promise<SubmitRecord> {
  const before = double.submits.length;
  const resp = await double.deliver({ from: handset, to: NUMBER.slice(1), shortMessage: encodeGsm7(text) });
  assert.equal(resp.command_status, 0);
  await double.until(() => double.submits.slice(before).some((s) => s.pdu.destination_addr === handset), `the reply to ${handset}`);
  return double.submits.slice(before).find((s) => s.pdu.destination_addr === handset)!;
}

test('a handset texts over SMPP, the session-counter app answers, the reply goes back over SMPP and is delivered; the count holds across turns', async () => {
  const replies: string[] = [];
  for (const [handset, text] of [[ALICE, 'hi'], [BOB, 'hi'], [ALICE, 'again'], [ALICE, 'third'], [BOB, 'again']] as const) {
    const reply = await say(handset, text);
    replies.push(`${handset}: ${String(reply.pdu.short_message)}`);
    await double.receipt({ messageId: reply.messageId, form: 'text', from: handset });
  }
  assert.deepEqual(replies, [
    `${ALICE}: Hello, thanks for the new message.`,
    `${BOB}: Hello, thanks for the new message.`,
    `${ALICE}: Hello, thanks for message number 2`,
    `${ALICE}: Hello, thanks for message number 3`,
    `${BOB}: Hello, thanks for message number 2`,
  ]);
  const fromParley = await client.messages.list({ from: NUMBER, to: `+${ALICE}` });
  assert.equal(fromParley.length, 3);
  assert.ok(fromParley.every((m) => m.status === 'delivered' && m.direction === 'outbound-reply'), JSON.stringify(fromParley.map((m) => m.status)));
  const toParley = await client.messages.list({ to: NUMBER, from: `+${ALICE}` });
  assert.deepEqual(toParley.map((m) => m.body).reverse(), ['hi', 'again', 'third']);
});

test('the twilio client sends long GSM-7, UCS-2 with emoji and €[] texts; each reads back with its segments and its final status', async () => {
  const cases = [
    { body: 'GSM-7 text long enough for three parts. '.repeat(9), segments: '3', dataCoding: 0, stat: 'DELIVRD', status: 'delivered', errorCode: null },
    { body: 'Emoji 😀 and ü, a UCS-2 text over one part '.repeat(2), segments: '2', dataCoding: 8, stat: 'DELIVRD', status: 'delivered', errorCode: null },
    { body: 'Price: 5€ [net]', segments: '1', dataCoding: 0, stat: 'UNDELIV', status: 'undelivered', errorCode: 30003 },
  ];
  for (const [i, c] of cases.entries()) {
    const to = `+1555600000${i}`;
    const created = await client.messages.create({ from: NUMBER, to, body: c.body });
    assert.equal(created.numSegments, c.segments);
    await double.until(() => double.submits.filter((s) => s.pdu.destination_addr === to.slice(1)).length === Number(c.segments), `${c.segments} parts to ${to}`);
    const parts = double.submits.filter((s) => s.pdu.destination_addr === to.slice(1));
    assert.ok(parts.every((p) => p.pdu.data_coding === c.dataCoding));
    await events.message(created.sid, ['sent', 'delivered', 'undelivered']);
    for (const part of parts) await double.receipt({ messageId: part.messageId, form: 'both', stat: c.stat, err: c.stat === 'DELIVRD' ? '000' : '027' });
    await events.message(created.sid, [c.status]);
    const read = await client.messages(created.sid).fetch();
    assert.deepEqual([read.body, read.status, read.numSegments, read.errorCode], [c.body, c.status, c.segments, c.errorCode]);
  }
});

test('parley channels shows the SMPP connection bound, with the numbers it carries', async () => {
  const env = cleanEnv({ PARLEY_URL: gateway.url, PARLEY_ACCOUNT_SID: api.credentials.accountSid, PARLEY_AUTH_TOKEN: api.credentials.authToken });
  const r = await runCli(['channels'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^carrier-a\s+smpp\s+bound\s+since \S+ \S+Z\s+waiting 0\s+in flight 0\s+\+15550001111$/m);
});

test('on SIGTERM Parley unbinds before it exits', async () => {
  const before = double.pdus.length;
  assert.equal(await gateway.kill('SIGTERM'), 0);
  assert.ok(double.pdus.slice(before).some((p) => p.pdu.command === 'unbind'), 'unbind received');
});
