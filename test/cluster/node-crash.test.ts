/**
 * Three `parley serve` nodes on one PostgreSQL database, a few thousand messages from many
 * handsets to a counter app that keeps its whole session in the cookie, each message posted to a
 * node chosen at random. Nodes are SIGKILLed mid-flight: two are restarted, one never comes back,
 * so its unfinished turns, deliveries and callbacks must be taken over by the others once its
 * lease (3 s here) runs out.
 *
 * Asserted at the end, as for one node (test/reliability/crash.test.ts): every stored inbound
 * message (acknowledged or not) has exactly one reply and a done turn, and each handset's replies,
 * in the order its messages were committed, count 1..k with no gap and no repeat, whichever nodes
 * accepted them and ran them, and every reply was handed to the channel (the dead node's too). A turn run twice (a node died mid-turn) sent the same request: the
 * same I-Twilio-Idempotency-Token and the same cookie.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allHandedOver, startCluster, type Cluster } from '../helpers/cluster.js';
import { checkCounters, checkRepeats } from '../helpers/counter-checks.js';
import { startCounterApp, type RunningApp } from '../reliability/apps.js';

const HANDSETS = 40;
const PER_HANDSET = Number(process.env.PARLEY_CLUSTER_CRASH_PER_HANDSET ?? 40); // 1,600 messages in all
const NUMBER = '+15005550100';

let cluster: Cluster;
let app: RunningApp;

before(async () => {
  app = await startCounterApp();
  cluster = await startCluster(3, { lease: '3s' });
  await cluster.apis[0]!.createNumber({ PhoneNumber: NUMBER, SmsUrl: `${app.url}/sms` });
});

after(async () => {
  await cluster?.stop();
  await app?.close();
});

test('SIGKILL of nodes during a few thousand messages posted to random nodes loses no turn and duplicates no reply', { timeout: 280_000 }, async () => {
  const total = HANDSETS * PER_HANDSET;
  // Kill points: node 0 and node 1 come back at once; node 2 is killed for good.
  const plan = [{ at: 0.2, node: 0, restart: true }, { at: 0.45, node: 2, restart: false }, { at: 0.7, node: 1, restart: true }];
  const accepted = new Map<string, string[]>();
  let acceptedCount = 0;
  let refused = 0;
  const reasons = new Map<number, number>(); // HTTP status (0: no answer) -> how many
  let next = 0;
  const restarts: Array<Promise<void>> = [];

  const maybeKill = (): void => {
    const step = plan[next];
    if (!step || acceptedCount < total * step.at) return;
    next++;
    restarts.push((async () => {
      await new Promise((r) => setTimeout(r, Math.random() * 30)); // a random moment, with posts and turns in flight
      await cluster.kill(step.node, 'SIGKILL');
      if (step.restart) await cluster.restart(step.node);
    })());
  };

  const handset = async (h: number): Promise<void> => {
    const from = `+1555${String(h + 1).padStart(7, '0')}`;
    const sids: string[] = [];
    accepted.set(from, sids);
    for (let i = 0; i < PER_HANDSET; i++) {
      try {
        const res = await cluster.anyLive().send(from, NUMBER, `message ${i + 1}`);
        if (res.status === 201) {
          sids.push(String(res.json.sid));
          acceptedCount++;
          maybeKill();
        } else {
          refused++; // 503 while a node closes or its database connection breaks: not accepted
          reasons.set(res.status, (reasons.get(res.status) ?? 0) + 1);
        }
      } catch {
        refused++; // connection reset by a kill: not acknowledged
        reasons.set(0, (reasons.get(0) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: HANDSETS }, (_, h) => handset(h)));
  await Promise.all(restarts);
  assert.equal(next, plan.length, 'every planned kill happened');
  assert.ok(!cluster.isUp(2), 'node 2 stayed dead');
  assert.ok(acceptedCount > total * 0.9, `most messages were accepted (${acceptedCount} of ${total}, ${refused} not: ${JSON.stringify([...reasons])})`);

  const checked = await checkCounters([cluster.apis[0]!, cluster.apis[1]!], accepted, NUMBER); // the two live nodes answer for everything
  assert.ok(checked >= acceptedCount);
  // Every reply was handed to the channel, the dead node's too (taken over after its lease). Not
  // every one is `delivered`: a node killed between a reply's `sent` and its simulated handset's
  // receipt takes that receipt with it (the simulated network lives in its process; a carrier
  // sends a lost receipt again, to any node's bind).
  await allHandedOver(cluster.db);

  const repeats = checkRepeats(app.received);
  console.log(`cluster crash test: ${acceptedCount} accepted, ${refused} refused during kills, ${repeats} webhook requests repeated after a kill`);
});
