/**
 * GET /metrics: the default account's Basic credentials or 401; the contract's series with their
 * labels and types, plus the library's process metrics; every counter moved by exactly what the
 * traffic did (scraped before and after, parsed); `promtool check metrics` accepts it; queue
 * depths follow a backlog; each Parley in a process has its own registry; the alert rules that
 * docs/deploying.md suggests are valid (`promtool check rules`) and name only series that exist.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestParley, type TestParley } from '../reliability/in-process.js';
import { startCounterApp, startScriptedApp, twiml, type RunningApp } from '../reliability/apps.js';
import { parseExposition, promtoolCheck, valueOf, type Family } from '../helpers/prometheus.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GatewayEvent } from '../../src/events/bus.js';
import { basicAuth } from '../helpers/basic-auth.js';

const OK_NUMBER = '+15005550801';
const FAILING_NUMBER = '+15005550802';
const HELD_NUMBER = '+15005550803';
let gw: TestParley;
let counter: RunningApp;
let scripted: RunningApp;
const held: Array<() => void> = [];
const arrivals: Array<() => void> = [];

before(async () => {
  gw = await startTestParley({ logLevel: 'silent' });
  counter = await startCounterApp();
  scripted = await startScriptedApp({
    '/fail': (_req, res) => res.writeHead(500).end('broken'),
    '/held': (_req, res) => {
      held.push(() => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml('released')));
      for (const wake of arrivals.splice(0)) wake();
    },
  });
  await gw.api.createNumber({ PhoneNumber: OK_NUMBER, SmsUrl: `${counter.url}/sms` });
  await gw.api.createNumber({ PhoneNumber: FAILING_NUMBER, SmsUrl: `${scripted.url}/fail` });
  await gw.api.createNumber({ PhoneNumber: HELD_NUMBER, SmsUrl: `${scripted.url}/held` });
});

after(async () => {
  for (const release of held.splice(0)) release();
  await gw.stop();
  await counter.close();
  await scripted.close();
});

async function scrape(parleyUrl = gw.parley.url, auth = basicAuth(gw.credentials.accountSid, gw.credentials.authToken)): Promise<{ text: string; families: Map<string, Family> }> {
  const res = await fetch(`${parleyUrl}/metrics`, { headers: { authorization: auth } });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4; charset=utf-8$/);
  const text = await res.text();
  return { text, families: parseExposition(text) };
}

/** Resolves once `count` events have matched (subscribed before the traffic starts). */
function eventsMatching(match: (e: GatewayEvent) => boolean, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => reject(new Error(`${seen} of ${count} events`)), 20_000);
    const off = gw.parley.gateway.events.subscribe((e) => {
      if (match(e) && ++seen === count) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

test('without the default account\'s credentials: 401 in Twilio\'s JSON, with the Basic challenge', async () => {
  const sub = await gw.api.request('POST', '/2010-04-01/Accounts.json', { FriendlyName: 'sub' });
  assert.equal(sub.status, 201);
  for (const auth of [undefined, basicAuth(gw.credentials.accountSid, 'f'.repeat(32)), basicAuth(String(sub.json.sid), String(sub.json.auth_token))]) {
    const res = await fetch(`${gw.parley.url}/metrics`, auth ? { headers: { authorization: auth } } : {});
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Twilio API"');
    assert.equal(((await res.json()) as { code: number }).code, 20003);
  }
});

test('the contract\'s series, their types and labels, and the process metrics', async () => {
  const { families } = await scrape();
  const types: Array<[string, string, string[]]> = [
    ['parley_messages_received_total', 'counter', ['channel']], ['parley_messages_sent_total', 'counter', ['channel']],
    ['parley_message_status_total', 'counter', ['status']], ['parley_turns_total', 'counter', ['outcome']],
    ['parley_turn_duration_seconds', 'histogram', ['le']], ['parley_webhook_duration_seconds', 'histogram', ['le']],
    ['parley_queue_depth', 'gauge', ['queue']], ['parley_channel_up', 'gauge', ['channel']],
    ['parley_errors_total', 'counter', ['code']],
    ['parley_config_last_reload_successful', 'gauge', []], ['parley_config_last_reload_success_timestamp_seconds', 'gauge', []],
  ];
  for (const [name, type, labels] of types) {
    const family = families.get(name);
    assert.ok(family, `${name} is exposed`);
    assert.equal(family.type, type, name);
    assert.ok(family.help.length > 10, `${name} has a help text`);
    for (const s of family.samples.filter((x) => x.name.endsWith('_bucket') || !name.endsWith('_seconds'))) {
      assert.deepEqual(Object.keys(s.labels).sort(), labels, `${s.name} labels`);
    }
  }
  assert.deepEqual(families.get('parley_turns_total')!.samples.map((s) => s.labels.outcome).sort(), ['error', 'ok']);
  assert.deepEqual(families.get('parley_queue_depth')!.samples.map((s) => s.labels.queue).sort(), ['callbacks', 'outbound', 'turns']);
  assert.equal(valueOf(families, 'parley_channel_up', { channel: 'simulator' }), 1);
  assert.equal(valueOf(families, 'parley_config_last_reload_successful'), 1, 'no reload asked: the configuration read at start is in force');
  assert.ok(valueOf(families, 'parley_config_last_reload_success_timestamp_seconds') * 1000 <= Date.now(), 'read at start');
  assert.equal(valueOf(families, 'parley_messages_received_total', { channel: 'simulator' }), 0);
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_version_info']) {
    assert.ok(families.has(name), `${name} (the library's default metrics)`);
  }
});

test('every counter moves by what the traffic did, and promtool accepts the result', async () => {
  const before = (await scrape()).families;
  // 5 turns the counter app answers, 2 the failing app answers 500 (11200), 1 to a switched-off
  // handset (a reply, then undelivered with 30003), and one message created through the API.
  const settled = eventsMatching((e) => e.type === 'message' && e.message.direction !== 'inbound'
    && (e.message.status === 'delivered' || e.message.status === 'undelivered'), 7);
  const off = await gw.api.request('POST', `/simulator/handsets/${encodeURIComponent('+15558880009')}`, { Reachable: 'false' });
  assert.equal(off.status, 200);
  const sids: string[] = [];
  for (const [from, to] of [['+15558880001', OK_NUMBER], ['+15558880001', OK_NUMBER], ['+15558880001', OK_NUMBER], ['+15558880002', OK_NUMBER],
    ['+15558880002', OK_NUMBER], ['+15558880003', FAILING_NUMBER], ['+15558880003', FAILING_NUMBER], ['+15558880009', OK_NUMBER]] as const) {
    const res = await gw.api.send(from, to, 'hi');
    assert.equal(res.status, 201);
    sids.push(String(res.json.sid));
  }
  const created = await gw.api.request('POST', `/2010-04-01/Accounts/${gw.credentials.accountSid}/Messages.json`, { From: OK_NUMBER, To: '+15558880004', Body: 'hello' });
  assert.equal(created.status, 201);
  for (const sid of sids) assert.equal((await gw.api.turn(sid, '10s')).turn.status, 'done');
  await settled;

  const { text, families: afterwards } = await scrape();
  const moved = (name: string, labels: Record<string, string> = {}): number => {
    const was = (() => {
      try {
        return valueOf(before, name, labels);
      } catch {
        return 0; // a label value seen for the first time
      }
    })();
    return valueOf(afterwards, name, labels) - was;
  };
  assert.equal(moved('parley_messages_received_total', { channel: 'simulator' }), 8);
  assert.equal(moved('parley_messages_sent_total', { channel: 'simulator' }), 7, '6 replies and the API message');
  assert.equal(moved('parley_turns_total', { outcome: 'ok' }), 6);
  assert.equal(moved('parley_turns_total', { outcome: 'error' }), 2);
  const statuses = { received: 8, queued: 7, sent: 7, delivered: 6, undelivered: 1, failed: 0 };
  for (const [status, n] of Object.entries(statuses)) assert.equal(moved('parley_message_status_total', { status }), n, status);
  assert.equal(moved('parley_errors_total', { code: '11200' }), 2);
  assert.equal(moved('parley_errors_total', { code: '30003' }), 1);
  assert.equal(moved('parley_turn_duration_seconds_count'), 8);
  assert.equal(moved('parley_turn_duration_seconds_bucket', { le: '+Inf' }), 8);
  assert.ok(moved('parley_turn_duration_seconds_sum') > 0);
  assert.equal(moved('parley_webhook_duration_seconds_count'), 8, 'one answered request per turn');
  for (const queue of ['turns', 'outbound', 'callbacks']) assert.equal(valueOf(afterwards, 'parley_queue_depth', { queue }), 0, queue);

  const check = await promtoolCheck(text);
  assert.equal(check.code, 0, `promtool check metrics:\n${check.output}`);
});

test('parley_queue_depth{queue="turns"} counts a backlog the store holds, and empties with it', async () => {
  const arrived = new Promise<void>((resolve) => arrivals.push(resolve));
  const sids: string[] = [];
  for (let i = 0; i < 3; i++) sids.push(String((await gw.api.send('+15558880005', HELD_NUMBER, `m${i}`)).json.sid));
  await arrived; // the first turn is running, the other two wait behind it (one conversation)
  assert.equal(valueOf((await scrape()).families, 'parley_queue_depth', { queue: 'turns' }), 3);
  for (let i = 0; i < 3; i++) {
    const next = new Promise<void>((resolve) => arrivals.push(resolve));
    held.shift()!();
    if (i < 2) await next;
  }
  for (const sid of sids) assert.equal((await gw.api.turn(sid, '10s')).turn.status, 'done');
  assert.equal(valueOf((await scrape()).families, 'parley_queue_depth', { queue: 'turns' }), 0);
});

test('each Parley in a process has its own registry', async () => {
  const other = await startTestParley({ logLevel: 'silent' });
  try {
    const { families } = await scrape(other.parley.url, basicAuth(other.credentials.accountSid, other.credentials.authToken));
    assert.equal(valueOf(families, 'parley_messages_received_total', { channel: 'simulator' }), 0);
    const mine = (await scrape()).families;
    assert.ok(valueOf(mine, 'parley_messages_received_total', { channel: 'simulator' }) >= 8);
    assert.ok(families.has('process_cpu_seconds_total'));
  } finally {
    await other.stop();
  }
});

test('the alert rules in docs/deploying.md pass promtool check rules and use only exposed series', async () => {
  const docs = readFileSync(new URL('../../../docs/deploying.md', import.meta.url), 'utf8');
  const rules = /```yaml\n(groups:[\s\S]*?)```/.exec(docs)?.[1];
  assert.ok(rules, 'docs/deploying.md has a rules block');
  const dir = mkdtempSync(join(tmpdir(), 'parley-rules-'));
  try {
    writeFileSync(join(dir, 'rules.yml'), rules);
    const { stdout } = await promisify(execFile)('promtool', ['check', 'rules', join(dir, 'rules.yml')]);
    assert.match(stdout, /SUCCESS: \d+ rules found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { families } = await scrape();
  // Exposed only by nodes sharing a PostgreSQL database (test/cluster/status-page.test.ts scrapes it); a gateway alone has none.
  const clusterOnly = new Set(['parley_cluster_nodes']);
  for (const name of clusterOnly) assert.equal(families.has(name), false, `${name} is not exposed by a gateway alone`);
  for (const name of new Set(rules.match(/parley_[a-z_]+/g) ?? [])) {
    assert.ok(families.has(name) || families.has(name.replace(/_bucket$/, '')) || clusterOnly.has(name), `${name} is exposed`);
  }
});
