/**
 * Lease take-over and fencing, with time controlled by the test: node A is frozen (SIGSTOP) while
 * its turn's webhook request is held by the app; its heartbeat is backdated in SQL, so node B
 * takes the conversation over at its next poll and runs the turn again: the same request (same
 * I-Twilio-Idempotency-Token, same cookie). Then A is thawed and its held request answered: A's
 * commit is refused, it joins again under a new id, and the turn has exactly B's reply. The jar
 * is B's too: the conversation's next turn, on A, sends B's cookie.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ServerResponse } from 'node:http';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startScriptedApp, twiml, type ReceivedRequest, type RunningApp } from '../reliability/apps.js';

const NUMBER = '+15005550100';
const HANDSET = '+15550000001';

let cluster: Cluster;
let app: RunningApp;
const held: Array<{ res: ServerResponse; request: ReceivedRequest }> = [];
let arrived: (() => void) | null = null;
/** Answer every request at once from now on. */
let holding = true;

before(async () => {
  app = await startScriptedApp({
    '/sms': (_req, res) => {
      const request = app.received[app.received.length - 1]!;
      if (holding) {
        held.push({ res, request });
        arrived?.();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml(`later, with ${request.headers.cookie ?? 'no cookie'}`));
    },
  });
  cluster = await startCluster(2, { lease: '3s' });
  await cluster.apis[0]!.createNumber({ PhoneNumber: NUMBER, SmsUrl: `${app.url}/sms` });
});

after(async () => {
  for (const h of held) h.res.destroy();
  await cluster?.stop();
  await app?.close();
});

function nextRequest(): Promise<void> {
  return new Promise((resolve) => (arrived = resolve));
}

function answer(h: { res: ServerResponse }, label: string): void {
  h.res.writeHead(200, { 'content-type': 'text/xml', 'set-cookie': `run=${label}; Path=/` }).end(twiml(`reply from ${label}`));
}

test('a node frozen mid-turn loses the conversation to another node and cannot commit over its work', { timeout: 120_000 }, async () => {
  const [a, b] = [cluster.apis[0]!, cluster.apis[1]!];
  const nodeA = cluster.nodes[0]!;
  const first = nextRequest();
  const accepted = await a.send(HANDSET, NUMBER, 'hello');
  assert.equal(accepted.status, 201);
  const sid = String(accepted.json.sid);
  await first; // A's turn is waiting for the app
  nodeA.child!.kill('SIGSTOP');
  const second = nextRequest();
  await cluster.backdate(0); // A's lease has run out, as far as the database knows
  await second; // B's poll took the conversation over and runs the turn again
  assert.equal(held.length, 2);
  const [fromA, fromB] = [held[0]!, held[1]!];
  for (const header of ['i-twilio-idempotency-token', 'cookie']) {
    assert.equal(fromB.request.headers[header], fromA.request.headers[header], `the re-run sends the same ${header}`);
  }
  assert.equal(fromB.request.params.get('MessageSid'), sid);
  answer(fromB, 'B');
  const view = await b.turn(sid);
  assert.deepEqual([view.turn.status, view.replies.map((r) => r.body)], ['done', ['reply from B']]);

  // A wakes up: its request is answered, its commit must be refused, and it joins again.
  const refused = new Promise<void>((resolve) => {
    const check = (): void => {
      if (!nodeA.output.includes('lost its lease') || !nodeA.output.includes("turn's commit was refused")) return;
      nodeA.child!.stdout!.off('data', check);
      nodeA.child!.stderr!.off('data', check);
      resolve();
    };
    nodeA.child!.stdout!.on('data', check);
    nodeA.child!.stderr!.on('data', check);
  });
  nodeA.child!.kill('SIGCONT');
  answer(fromA, 'A');
  await refused;
  holding = false;

  const after = await a.turn(sid);
  assert.deepEqual(after.replies.map((r) => r.body), ['reply from B'], "A's late commit stored nothing");
  const thread = await a.request('GET', `/simulator/handsets/${encodeURIComponent(HANDSET)}/messages`);
  assert.equal((thread.json.messages as unknown[]).length, 2, 'one inbound message, one reply');

  // The jar is the one B committed: the next turn (on A, under its new id) sends B's cookie.
  const next = await a.send(HANDSET, NUMBER, 'again');
  const nextView = await a.turn(String(next.json.sid));
  assert.deepEqual(nextView.replies.map((r) => r.body), ['later, with run=B']);
});
