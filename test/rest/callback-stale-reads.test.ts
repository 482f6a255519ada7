/**
 * The status-callback dispatcher and a store whose reads are not instant (PostgreSQL; here a store
 * whose outbox read answers with what it saw 300 ms earlier): a read that began before a callback
 * was finished must not send that callback again. Every callback arrives exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningParley } from '../../src/runtime/parley.js';
import { startApp, type TestApp } from '../helpers/apps.js';
import { clientFor, startInMemoryParley } from '../helpers/twilio.js';

const FROM = '+15005550061';
let parley: RunningParley;
let app: TestApp;

before(async () => {
  parley = await startInMemoryParley();
  const callbacks = parley.store.callbacks;
  const heads = callbacks.heads.bind(callbacks);
  // A slow database: the rows are those of the moment the read began, delivered later.
  callbacks.heads = async (limit) => {
    const rows = await heads(limit);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return rows;
  };
  app = await startApp((_req, res) => void res.writeHead(204).end());
  await clientFor(parley).incomingPhoneNumbers.create({ phoneNumber: FROM, smsUrl: `${app.origin}/sms` });
});

after(async () => {
  await parley.stop();
  await app.close();
});

test('each status callback is sent once, though the outbox reads are stale', { timeout: 30_000 }, async () => {
  const client = clientFor(parley);
  const sids: string[] = [];
  for (let i = 0; i < 3; i++) {
    sids.push((await client.messages.create({ to: `+1555867030${i}`, from: FROM, body: `m${i}`, statusCallback: `${app.origin}/status` })).sid);
  }
  const statusesOf = (sid: string): string[] => app.requests.filter((r) => r.params.get('MessageSid') === sid).map((r) => r.params.get('MessageStatus') ?? '');
  const deadline = Date.now() + 20_000;
  while (sids.some((sid) => statusesOf(sid).length < 2) && Date.now() < deadline) {
    await parley.gateway.events.waitFor((e) => e.type === 'exchange' && e.exchange.purpose === 'status-callback', 5_000).catch(() => undefined);
  }
  // Let any duplicate a stale read would cause arrive: two more reads' worth of time.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  for (const sid of sids) assert.deepEqual(statusesOf(sid), ['sent', 'delivered'], sid);
});
