/**
 * An SMPP carrier with several nodes on one PostgreSQL database: each node binds its own connection
 * to the SMSC, and a delivery receipt that arrives on one node's bind settles the message another
 * node sent, even when it arrives before that node recorded the SMSC's answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SmscDouble } from '../helpers/smsc-double.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { writeSmppConfigFile } from '../channels/smpp/fixtures.js';
import type { Api } from '../helpers/gateway-process.js';

const NUMBER = '+15550001111';
let dir: string;
let double: SmscDouble;
let cluster: Cluster;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-smpp-nodes-'));
  double = await SmscDouble.start();
  const config = join(dir, 'parley.yaml');
  writeSmppConfigFile(config, double.port, NUMBER);
  cluster = await startCluster(2, { extraArgs: ['--config', config] });
  await double.until(() => double.bound().length === 2, 'both nodes bound');
  await cluster.apis[0]!.createNumber({ PhoneNumber: NUMBER, SmsUrl: 'http://127.0.0.1:9/none' });
});

after(async () => {
  await cluster?.stop();
  await double?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function create(api: Api, to: string, body: string): Promise<string> {
  const res = await api.request('POST', `/2010-04-01/Accounts/${api.credentials.accountSid}/Messages.json`, { From: NUMBER, To: to, Body: body });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return String(res.json.sid);
}

async function statusOf(api: Api, sid: string): Promise<string> {
  const res = await api.request('GET', `/2010-04-01/Accounts/${api.credentials.accountSid}/Messages/${sid}.json`);
  return String(res.json.status);
}

/** Polls a node's REST API until the message has `status` (another node's commit: no event to wait on here). */
async function until(api: Api, sid: string, status: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await statusOf(api, sid) === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${sid} did not become ${status} (it is ${await statusOf(api, sid)})`);
}

function otherSession(submitSession: number): number {
  const other = double.bound().find((s) => s.id !== submitSession);
  assert.ok(other, 'a second bound session');
  return other.id;
}

test('a receipt on one node\'s bind settles the message another node sent', async () => {
  const sid = await create(cluster.apis[0]!, '+15551230001', 'sent by one node');
  await double.until(() => double.submits.some((s) => String(s.pdu.short_message) === 'sent by one node'), 'the submit');
  const submit = double.submits.find((s) => String(s.pdu.short_message) === 'sent by one node')!;
  await until(cluster.apis[0]!, sid, 'sent');
  const other = double.bound().find((s) => s.id === otherSession(submit.session))!;
  const resp = await double.receipt({ messageId: submit.messageId, form: 'tlv', from: '15551230001', to: NUMBER.slice(1) }, other.session);
  assert.equal(resp.command_status, 0);
  await until(cluster.apis[1]!, sid, 'delivered');
  assert.equal(await statusOf(cluster.apis[0]!, sid), 'delivered');
});

test('a receipt that reaches another node before the sender recorded the SMSC\'s answer is kept, then applied', async () => {
  double.onSubmit = (s) => (String(s.pdu.short_message) === 'early receipt' ? { hold: true } : {});
  const sid = await create(cluster.apis[0]!, '+15551230002', 'early receipt');
  await double.until(() => double.held.length === 1, 'the held submit');
  const submit = double.held[0]!;
  const other = double.bound().find((s) => s.id === otherSession(submit.session))!;
  // The SMSC's id is decided, the receipt for it goes out on the other bind, then the answer.
  await double.receipt({ messageId: submit.messageId, form: 'text', from: '15551230002', to: NUMBER.slice(1) }, other.session);
  assert.equal(await statusOf(cluster.apis[1]!, sid), 'queued', 'nothing to settle yet');
  submit.answer();
  double.onSubmit = () => ({});
  await until(cluster.apis[1]!, sid, 'delivered');
  const history = await cluster.db.sql<{ status_history: string }>('SELECT status_history FROM messages WHERE sid = $1', [sid]);
  assert.deepEqual(history[0]!.status_history.split(',').map((h) => h.split(':')[0]), ['queued', 'sent', 'delivered']);
});
