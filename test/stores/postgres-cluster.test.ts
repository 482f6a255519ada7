/**
 * The PostgreSQL store as several nodes see it: two stores open on one database are two nodes.
 * Claims on conversations (one holder, commit order, release), fencing of a node whose lease was
 * taken over, takeover of a dead node's deliveries and status callbacks, a node that finds its
 * lease ran out, the broadcast channel, the relay of events (to nobody from a node alone, and only
 * what the other nodes' observers want), what each node learns of those observers, and migrations
 * of nodes started together. Time is
 * controlled by backdating a node's heartbeat in SQL, never by waiting for a lease to run out.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { once, EventEmitter } from 'node:events';
import pg from 'pg';
import { openPostgresStore } from '../../src/stores/postgres/index.js';
import { EventBus } from '../../src/events/bus.js';
import { relayEvents } from '../../src/events/relay.js';
import type { Store, ClusterMembership } from '../../src/stores/store.js';
import type { MessageRecord, TurnClaim } from '../../src/stores/records.js';
import { LeaseLostError } from '../../src/stores/errors.js';
import { MIGRATIONS } from '../../src/stores/postgres/migrations.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { ACCOUNT, OTHER_HANDSET, callbackFor, conversationOf, inbound, outbound, outcomeOf, phoneNumber, replyTo } from './contract/fixtures.js';

let db: TestDatabase;
let a: Store;
let b: Store;

before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

function cluster(store: Store): ClusterMembership {
  assert.ok(store.cluster, 'a PostgreSQL store is a cluster member');
  return store.cluster;
}

/** Makes a node dead in the database's eyes: its heartbeat an hour old. */
async function backdate(store: Store): Promise<void> {
  await db.sql("UPDATE nodes SET heartbeat = heartbeat - interval '1 hour' WHERE id = $1", [cluster(store).nodeId]);
}

const conv = (m: MessageRecord): string => conversationOf(m, null).id;

describe('two nodes on one database', () => {
  beforeEach(async () => {
    await db.truncate();
    [a, b] = await Promise.all([openPostgresStore({ url: db.url }), openPostgresStore({ url: db.url })]);
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  test('one node holds a conversation; the others\' turns wait for it, in commit order; an idle conversation is released', async () => {
    const [t1, t2, t3] = [inbound('one'), inbound('two'), inbound('three')];
    const first = await a.messages.insert(t1, { startTurn: true });
    assert.deepEqual(first, { token: 1, how: 'acquired' });
    assert.deepEqual(await a.messages.insert(t2, { startTurn: true }), { token: 1, how: 'held' });
    assert.equal(await b.messages.insert(t3, { startTurn: true }), null, 'a live node holds it: B does not run it');
    assert.equal(await b.messages.insert(inbound('elsewhere', { from: OTHER_HANDSET }), { startTurn: true }).then((c) => c?.how), 'acquired',
      'another conversation is free for B');

    await a.turns.complete(outcomeOf(t1, { replies: [replyTo(t1, 0, 'r1')] }), { claim: first! });
    const next = await cluster(a).nextTurns(conv(t1), first!, 10);
    assert.deepEqual(next.map((t) => t.messageSid), [t2.sid, t3.sid], "B's turn is there, after A's earlier one");
    for (const turn of next) await a.turns.complete(outcomeOf(turn.messageSid === t2.sid ? t2 : t3), { claim: turn.claim! });
    assert.deepEqual(await cluster(a).nextTurns(conv(t1), first!, 10), [], 'nothing left: released');
    assert.deepEqual(await b.messages.insert(inbound('four'), { startTurn: true }), { token: 2, how: 'acquired' }, 'released: the next insert takes it');
  });

  test('a node whose conversation was taken over cannot commit its turn; the new holder runs it once', async () => {
    const t1 = inbound('slow turn');
    const claim = (await a.messages.insert(t1, { startTurn: true }))!;
    assert.deepEqual(await cluster(b).claimConversations(10), [], 'A is alive: nothing to take');
    await backdate(a);
    const taken = await cluster(b).claimConversations(10);
    assert.deepEqual(taken, [{ conversationId: conv(t1), claim: { token: 2, how: 'taken' } }]);

    const late = outcomeOf(t1, { replies: [replyTo(t1, 0, 'from A, too late')], conversation: conversationOf(t1, '[{"key":"a"}]') });
    await assert.rejects(a.turns.complete(late, { claim }), LeaseLostError);
    await assert.rejects(a.turns.complete(late, { final: false, claim }), LeaseLostError, 'a checkpoint is fenced too');
    await assert.rejects(cluster(a).nextTurns(conv(t1), claim, 10), LeaseLostError);
    assert.equal(await a.turns.isDone(t1.sid), false);
    assert.deepEqual(await a.messages.repliesOf(ACCOUNT, t1.sid), [], 'nothing of the refused commit was stored');

    const turns = await cluster(b).nextTurns(conv(t1), taken[0]!.claim, 10);
    assert.deepEqual(turns.map((t) => t.messageSid), [t1.sid]);
    await b.turns.complete(outcomeOf(t1, { replies: [replyTo(t1, 0, 'from B')] }), { claim: turns[0]!.claim! });
    assert.deepEqual((await a.messages.repliesOf(ACCOUNT, t1.sid)).map((m) => m.body), ['from B']);
  });

  test("an insert takes a dead node's conversation, and says so (its earlier turns run first)", async () => {
    const t1 = inbound('left by A');
    await a.messages.insert(t1, { startTurn: true });
    await backdate(a);
    const claim = await b.messages.insert(inbound('to B'), { startTurn: true });
    assert.deepEqual(claim, { token: 2, how: 'taken' });
    assert.deepEqual((await cluster(b).nextTurns(conv(t1), claim!, 10)).length, 2);
  });

  test("a live node's deliveries and status callbacks stay its own; a dead node's are taken over", async () => {
    const m = outbound('queued on A', { statusCallback: 'http://127.0.0.1:9/status' });
    await a.messages.insert(m);
    assert.equal(await a.messages.setStatus(m.sid, 'sent', { at: Date.now() }, callbackFor(m, 'sent')), true);
    const other = outbound('queued on A too');
    await a.messages.insert(other);
    assert.deepEqual(await b.messages.undelivered(10), [], "A is delivering it");
    assert.deepEqual((await a.callbacks.heads(10)).map((h) => h.messageSid), [m.sid], 'A claims the head');
    assert.deepEqual(await b.callbacks.heads(10), [], 'B does not see a head A claimed');

    await backdate(a);
    assert.deepEqual((await b.messages.undelivered(10)).map((x) => x.body), ['queued on A too'], "A's undelivered message, taken over");
    assert.deepEqual(await b.messages.undelivered(10), [], 'taken once');
    assert.deepEqual((await b.callbacks.heads(10)).map((h) => h.messageSid), [m.sid], "A's head, taken over");
  });

  test('the broadcast reaches the other node, not the sender', async () => {
    const events = new EventEmitter();
    cluster(a).onBroadcast((p) => events.emit('a', p));
    cluster(b).onBroadcast((p) => events.emit('b', p));
    const atB = once(events, 'b');
    cluster(a).broadcast('hello from A');
    assert.deepEqual(await atB, ['hello from A']);
    const atA = once(events, 'a');
    cluster(b).broadcast('and back');
    assert.deepEqual(await atA, ['and back']);
  });

  test("a number changed through one node is read by the other's next request (which starts with its account)", async () => {
    const n = phoneNumber('+15005550006');
    await a.numbers.insert(n);
    await a.accounts.get(ACCOUNT);
    assert.equal((await a.numbers.findByPhoneNumber(n.phoneNumber))?.smsUrl, n.smsUrl, 'A has it cached now');
    const version = async (): Promise<number> => Number((await db.sql<{ version: string }>('SELECT version FROM parley_config'))[0]?.version);
    const before = await version();
    assert.ok(Number.isSafeInteger(before), 'the configuration version row is there (the migrations made it; truncation keeps it)');
    await b.numbers.update({ ...n, smsUrl: 'http://127.0.0.1:9/moved' });
    assert.equal(await version(), before + 1, "B's change moved the version A's next account read sees (NOTIFY is only a hint)");
    await a.accounts.get(ACCOUNT); // a request or a turn on A reads its account first: the version moved
    assert.equal((await a.numbers.findByPhoneNumber(n.phoneNumber))?.smsUrl, 'http://127.0.0.1:9/moved');
    await b.optOuts.add(ACCOUNT, n.phoneNumber, OTHER_HANDSET, Date.now());
    await a.accounts.get(ACCOUNT);
    assert.equal(await a.optOuts.has(ACCOUNT, n.phoneNumber, OTHER_HANDSET), true, 'an opt-out made on B counts on A');
  });
});

test('a node that finds its lease ran out drops its claims and joins again under a new id', async () => {
  await db.truncate();
  const node = await openPostgresStore({ url: db.url, leaseMs: 3000 });
  try {
    const first = cluster(node).nodeId;
    const t1 = inbound('held before the lease ran out');
    const claim: TurnClaim = (await node.messages.insert(t1, { startTurn: true }))!;
    const lost = new Promise<void>((resolve) => cluster(node).onLeaseLost(resolve));
    await backdate(node);
    await lost; // the next heartbeat (every lease/3) finds the lease gone
    assert.notEqual(cluster(node).nodeId, first);
    const rows = await db.sql<{ id: string }>('SELECT id FROM nodes');
    assert.deepEqual(rows.map((r) => r.id), [cluster(node).nodeId], 'the old row is gone, the new one registered');
    await assert.rejects(node.turns.complete(outcomeOf(t1), { claim }), LeaseLostError, 'the old claim is no good');
    const again = await cluster(node).claimConversations(10);
    assert.deepEqual(again.map((c) => [c.conversationId, c.claim.how]), [[conv(t1), 'taken']], 'its leftovers are taken over at once');
  } finally {
    await node.close();
  }
});

/** Resolves once `condition` holds, checking every 20 ms; fails after `ms`. */
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const turn = (sid: string) => ({ type: 'turn' as const, accountSid: ACCOUNT, messageSid: sid, conversationId: 'c', errorCode: null, durationMs: 1 });

/** What reaches the database's channel, seen by a plain listener: relayed events only (no announcement, no control text). */
async function channelPayloads(url: string): Promise<{ events: string[]; end: () => Promise<void> }> {
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  const events: string[] = [];
  listener.on('notification', (n) => {
    // "<node id> <payload>"; an announcement has no payload, a control text starts with "!".
    const space = n.payload?.indexOf(' ') ?? -1;
    if (space >= 0 && n.payload![space + 1] !== '!') events.push(n.payload!);
  });
  await listener.query('LISTEN parley_events');
  return { events, end: () => listener.end() };
}

describe("the relay of events between nodes, and what each node's observers want", () => {
  let fresh: TestDatabase;
  let stores: Store[] = [];
  let stops: Array<() => void> = [];
  beforeEach(async () => {
    fresh = await createTestDatabase();
    stores = [];
    stops = [];
  });
  afterEach(async () => {
    for (const stop of stops) stop();
    await Promise.all(stores.map((s) => s.close()));
    await fresh.drop();
  });
  const open = async (leaseMs?: number): Promise<Store> => {
    const store = await openPostgresStore({ url: fresh.url, ...(leaseMs ? { leaseMs } : {}) });
    stores.push(store);
    return store;
  };
  /** A node's bus with the relay running, and the ids of the turns its every-node observers heard. */
  const relayed = (store: Store): { bus: EventBus; heard: string[] } => {
    const bus = new EventBus();
    const heard: string[] = [];
    bus.subscribe((e) => {
      if (e.type === 'turn') heard.push(e.messageSid);
    }, { everyNode: true });
    stops.push(relayEvents(bus, cluster(store), store, (error) => assert.fail(String(error))));
    return { bus, heard };
  };

  test("relays its events to nobody; with a second node, only what that node's observers want, from the moment they are told", async () => {
    const first = await open();
    const bus = new EventBus();
    const errors: unknown[] = [];
    const stop = relayEvents(bus, cluster(first), first, (error) => errors.push(error));
    const payloads = await channelPayloads(fresh.url);
    try {
      bus.emit(turn('SM-alone'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(payloads.events.length, 0, 'a node alone sends nothing');

      const second = await open();
      const heard = new EventBus();
      const heardEvents: string[] = [];
      heard.subscribe((e) => heardEvents.push(e.type === 'turn' ? e.messageSid : e.type), { everyNode: true });
      const stopSecond = relayEvents(heard, cluster(second), second, (error) => errors.push(error));
      try {
        bus.emit(turn('SM-unwatched'));
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(payloads.events.length, 0, 'a second node whose observers want nothing is sent nothing');

        // Resolves once the first node has answered: what it emits next is relayed, without a pause.
        await heard.observe({ events: new Set(['turn']), statuses: null });
        bus.emit({ type: 'message', message: inbound('not wanted') });
        bus.emit(turn('SM-watched'));
        await until(() => heardEvents.includes('SM-watched'), 2000, "the event at the second node's observer");
        assert.ok(payloads.events.some((p) => p.includes('SM-watched')), 'sent through the database');
        assert.ok(!payloads.events.some((p) => p.includes('SM-alone') || p.includes('SM-unwatched')), 'nothing emitted before was sent');
        assert.ok(!payloads.events.some((p) => p.includes('not wanted')), 'a message event, which no observer wants, was not sent');
        assert.deepEqual(heardEvents, ['SM-watched']);
        assert.deepEqual(errors, []);
      } finally {
        stopSecond();
      }
    } finally {
      stop();
      await payloads.end();
    }
  });
  test('a node that joins while another watches reads it as it joins, and relays to it from its first event', async () => {
    const watcher = await open();
    const { bus: watcherBus, heard } = relayed(watcher);
    await watcherBus.observe({ events: null, statuses: null });
    const joiner = await open();
    assert.deepEqual(cluster(joiner).watchers(), ['*|*'], "read from the watcher's row when joining");
    const { bus } = relayed(joiner);
    bus.emit(turn('SM-first'));
    await until(() => heard.includes('SM-first'), 2000, "the joiner's first event at the watcher");
  });

  test('a node that stops watching is heard at once; one that leaves is counted out at the next heartbeat', async () => {
    const LEASE_MS = 900; // a heartbeat every 300 ms
    const first = await open(LEASE_MS);
    const second = await open(LEASE_MS);
    await cluster(second).watch('turn|');
    assert.deepEqual(cluster(first).watchers(), ['turn|'], 'answered before watch resolved');
    await cluster(second).watch('');
    await until(() => cluster(first).watchers().length === 0, 250, 'the second node watching nothing');
    await cluster(second).watch('message|delivered');
    assert.deepEqual(cluster(first).watchers(), ['message|delivered']);
    await second.close();
    stores = [first];
    await until(() => cluster(first).watchers().length === 0, 3 * LEASE_MS, 'a heartbeat after the watcher left');
  });

  test('a node of an earlier version, which never tells what it watches, is sent everything and not waited for', async () => {
    const LEASE_MS = 900;
    const first = await open(LEASE_MS);
    // Its row as an earlier version writes it: none of the columns of schema 2.
    await fresh.sql("INSERT INTO nodes (id, lease_ms, heartbeat, started_at, pid, host) VALUES ('older', 30000, now(), now(), 1, 'elsewhere')");
    await until(() => cluster(first).watchers().length === 1, 3 * LEASE_MS, "a heartbeat reading the older node's row");
    assert.deepEqual(cluster(first).watchers(), ['*|*']);
    const second = await open();
    assert.deepEqual(cluster(second).watchers(), ['*|*'], 'read as it joined');
    const t0 = performance.now();
    await cluster(second).watch('turn|');
    assert.ok(performance.now() - t0 < 1500, `waited for the first node only, not the older one (${Math.round(performance.now() - t0)} ms)`);
    assert.deepEqual(cluster(first).watchers(), ['*|*', 'turn|']);
  });

  test('a telling that failed is told again at the next heartbeat', async () => {
    const LEASE_MS = 900;
    const first = await open(LEASE_MS);
    const second = await open(LEASE_MS);
    await fresh.sql('ALTER TABLE nodes RENAME COLUMN watching TO watching_gone');
    try {
      await cluster(second).watch('turn|'); // resolves: the failure is reported, not thrown
      assert.deepEqual(cluster(first).watchers(), []);
    } finally {
      await fresh.sql('ALTER TABLE nodes RENAME COLUMN watching_gone TO watching');
    }
    await until(() => cluster(first).watchers().length === 1, 3 * LEASE_MS, "the second node's next heartbeat telling again");
    assert.deepEqual(await fresh.sql('SELECT watching FROM nodes WHERE id = $1', [cluster(second).nodeId]), [{ watching: 'turn|' }]);
  });

  test("a watcher's row is read at a heartbeat; once its lease runs out unrenewed (it died), it is relayed to no more", async () => {
    const LEASE_MS = 900;
    const first = await open(LEASE_MS);
    assert.deepEqual(cluster(first).watchers(), []);
    // A node that never announced anything, and never renews: alive for 1.5 s from now, then dead.
    await fresh.sql(`INSERT INTO nodes (id, lease_ms, heartbeat, started_at, pid, host, watching, tells_interest)
      VALUES ('silent', 1500, now(), now(), 1, 'elsewhere', 'turn|', true)`);
    await until(() => cluster(first).watchers().length === 1, 3 * LEASE_MS, 'a heartbeat reading the row');
    await until(() => cluster(first).watchers().length === 0, 1500 + 3 * LEASE_MS, "a heartbeat after the silent node's lease ran out");
  });
});

test('nodes started together on an empty database migrate it once', async () => {
  const fresh = await createTestDatabase();
  try {
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url: fresh.url })));
    for (const s of stores) assert.deepEqual(await s.schemaVersion(), { current: MIGRATIONS.length, latest: MIGRATIONS.length });
    assert.deepEqual(await fresh.sql('SELECT version FROM parley_schema ORDER BY version'), MIGRATIONS.map((_, i) => ({ version: i + 1 })));
    await Promise.all(stores.map((s) => s.close()));
    assert.deepEqual(await fresh.sql('SELECT id FROM nodes'), [], 'a clean close removes the node');
  } finally {
    await fresh.drop();
  }
});

test('a database newer than this Parley is refused', async () => {
  const fresh = await createTestDatabase();
  try {
    const store = await openPostgresStore({ url: fresh.url });
    await store.close();
    await fresh.sql('INSERT INTO parley_schema (version) VALUES ($1)', [MIGRATIONS.length + 1]);
    await assert.rejects(openPostgresStore({ url: fresh.url }), /newer than this Parley/);
  } finally {
    await fresh.drop();
  }
});

