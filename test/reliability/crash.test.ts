/**
 * Crash test: thousands of messages from many handsets while `parley serve` is killed with SIGKILL
 * several times and restarted on the same database file. The webhook app keeps its whole session
 * in the cookie, so the count it answers is exactly what Parley's cookie jar remembers: a lost
 * jar update shows up as a repeated number, a lost turn as a gap, a duplicated reply as a repeat.
 *
 * Asserted at the end: every accepted (201) inbound message is stored and its turn is done with
 * exactly one reply, and per handset the replies, in the order the messages arrived, are 1..k.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, GatewayProcess, freePort, newCredentials } from '../helpers/gateway-process.js';
import { startCounterApp, type RunningApp } from './apps.js';
import { checkCounters, checkRepeats } from '../helpers/counter-checks.js';

const HANDSETS = 50;
const PER_HANDSET = Number(process.env.PARLEY_CRASH_PER_HANDSET ?? 40); // 2,000 messages in all
const KILLS = 3;
const NUMBER = '+15005550100';

let dir: string;
let app: RunningApp;
let gateway: GatewayProcess;
let api: Api;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-crash-'));
  app = await startCounterApp();
  const credentials = newCredentials();
  gateway = new GatewayProcess(await freePort(), join(dir, 'crash.db'), credentials);
  api = new Api(gateway.url, credentials);
  await gateway.start();
  await api.createNumber({ PhoneNumber: NUMBER, SmsUrl: `${app.url}/sms` });
});

after(async () => {
  await gateway?.kill('SIGKILL');
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGKILL during a few thousand in-flight messages loses no turn and duplicates no reply', { timeout: 200_000 }, async () => {
  const total = HANDSETS * PER_HANDSET;
  // Kill points: after a random number of accepted messages, spread over the run.
  const killAt = Array.from({ length: KILLS }, (_, i) => Math.floor(total * (0.1 + 0.25 * i + Math.random() * 0.2))).sort((a, b) => a - b);
  const accepted = new Map<string, string[]>(); // handset -> accepted sids, in order
  let acceptedCount = 0;
  let rejected = 0;
  let up: Promise<void> = Promise.resolve();
  let kills = 0;

  const maybeKill = (): void => {
    if (kills >= KILLS || acceptedCount < killAt[kills]!) return;
    kills++;
    // A random moment: somewhere in the next 0-30 ms, while turns and posts are in flight.
    up = (async () => {
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      await gateway.kill('SIGKILL');
      await gateway.start();
    })();
  };

  const handset = async (h: number): Promise<void> => {
    const from = `+1555${String(h + 1).padStart(7, '0')}`;
    const sids: string[] = [];
    accepted.set(from, sids);
    for (let i = 0; i < PER_HANDSET; i++) {
      await up;
      try {
        const res = await api.send(from, NUMBER, `message ${i + 1}`);
        if (res.status === 201) {
          sids.push(String(res.json.sid));
          acceptedCount++;
          maybeKill();
        } else {
          rejected++; // 503 while closing: not accepted, so nothing is promised about it
        }
      } catch {
        rejected++; // connection reset by the kill: not acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: HANDSETS }, (_, h) => handset(h)));
  await up;
  assert.equal(kills, KILLS, 'the gateway was killed the planned number of times');
  assert.ok(acceptedCount > total * 0.9, `most messages were accepted (${acceptedCount} of ${total}, ${rejected} not)`);

  // Every stored inbound message (acknowledged or not) must end with exactly one reply; the
  // replies of a handset, in arrival order, must count 1..k; a request the app saw twice repeats
  // the same message with the same token and cookie.
  const checked = await checkCounters([api], accepted, NUMBER);
  assert.ok(checked >= acceptedCount);
  const repeats = checkRepeats(app.received);
  console.log(`crash test: ${acceptedCount} accepted, ${rejected} refused during kills, ${repeats} webhook requests repeated after a kill`);
});
