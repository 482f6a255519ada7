/**
 * `node dist/bench/store-engines.js [--turns=20000] [--concurrency=64] [--rounds=3]`: the write path of
 * a turn through the Store interface, on SQLite (a file, as shipped) and on PostgreSQL (a fresh
 * database on the local server), run alternately so that a busy machine skews them alike.
 *
 * Each turn writes what the gateway writes, one write after the other as the gateway awaits them:
 * the inbound message (with its pending turn and, on PostgreSQL, the conversation's claim), the
 * turn's outcome (reply, conversation and jar, one webhook exchange record of about 1.9 KB, the
 * inbound marked done; fenced by the claim), on PostgreSQL the claim's release (`nextTurns`), then
 * the reply's `sent` and `delivered`. `--concurrency` turns run at once (each on its own
 * conversation), so group commit batches what is in flight, as under load.
 *
 * Reports turns/s and writes/s, and the CPU per write of this process and of the PostgreSQL
 * server (every `postgres` process on the machine). Bounded: `--turns` per run, at most 60 s each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/stores/registry.js';
import type { Store } from '../src/stores/store.js';
import { conversationId, type MessageRecord } from '../src/stores/records.js';
import { newMessage } from '../src/messages/message.js';
import { newSid } from '../src/ids/sid.js';
import { createBenchDatabase, postgresCpuMs } from './lib/postgres.js';
import { positiveIntFlag } from './lib/args.js';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const NUMBER = '+14440000001';
const EXCHANGE_BODY = 'x'.repeat(1700);
const JAR = JSON.stringify([{ key: 'parley.sid', value: `s%3A${'y'.repeat(60)}`, domain: '127.0.0.1', path: '/', hostOnly: true }]);
const TIME_LIMIT_MS = 60_000;

interface Sample {
  turnsPerSecond: number;
  writesPerSecond: number;
  /** CPU microseconds per write: this process, and the PostgreSQL server. */
  clientUs: number;
  serverUs: number;
}

/** One turn's writes, as the gateway makes them; resolves with how many writes it made. */
async function turn(store: Store, n: number, clock: () => number): Promise<number> {
  const handset = `+1555${String(n).padStart(7, '0')}`;
  const at = clock();
  const inbound = newMessage({ accountSid: ACCOUNT, direction: 'inbound', from: handset, to: NUMBER, body: 'hello there', status: 'received', at, dateSent: at });
  const claim = await store.messages.insert(inbound, { startTurn: true });
  const reply: MessageRecord = newMessage({
    accountSid: ACCOUNT, direction: 'outbound-reply', from: NUMBER, to: handset, body: 'Hello, thanks for the new message.', status: 'queued',
    at: clock(), inboundSid: inbound.sid, replySeq: 0,
  });
  const id = conversationId({ accountSid: ACCOUNT, number: NUMBER, handset });
  const exchangeAt = clock();
  await store.turns.complete({
    inboundSid: inbound.sid, errorCode: null, errorMessage: null, replies: [reply], alerts: [],
    conversation: { id, accountSid: ACCOUNT, number: NUMBER, handset, lastActivity: exchangeAt, cookies: JAR },
    exchanges: [{
      sid: newSid('WX', exchangeAt), accountSid: ACCOUNT, messageSid: inbound.sid, conversationId: id, purpose: 'sms', seq: 0, startedAt: exchangeAt,
      request: { method: 'POST', url: 'http://127.0.0.1:9/sms', headers: {}, params: [['Body', 'hello there']], signedString: '', signature: '' },
      response: { status: 200, headers: {}, body: EXCHANGE_BODY, durationMs: 1 }, errorCode: null, errorMessage: null, jarBefore: [], jarAfter: [], steps: [],
    }],
  }, { claim: claim ?? undefined });
  let writes = 2;
  if (store.cluster && claim) {
    await store.cluster.nextTurns(id, claim, 100); // nothing left: releases the conversation
    writes++;
  }
  await store.messages.setStatus(reply.sid, 'sent', { at: clock(), dateSent: clock() }, undefined, { from: ['queued'] });
  await store.messages.setStatus(reply.sid, 'delivered', { at: clock() }, undefined, { from: ['sent'] });
  return writes + 2;
}

async function measure(open: () => Promise<{ store: Store; close: () => Promise<void> }>, turns: number, concurrency: number): Promise<Sample> {
  const { store, close } = await open();
  let clock = Date.now();
  const tick = (): number => ++clock;
  try {
    await store.accounts.insert({ sid: ACCOUNT, authToken: 'x'.repeat(32), friendlyName: 'bench', status: 'active', ownerAccountSid: null, dateCreated: clock, dateUpdated: clock });
    let next = 0;
    const run = async (count: number, deadline: number): Promise<number> => {
      let writes = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < count && Date.now() < deadline) {
          const made = await turn(store, next++, tick);
          writes += made;
        }
      }));
      return writes;
    };
    await run(Math.min(2000, turns), Date.now() + TIME_LIMIT_MS); // warm-up: JIT, caches, prepared statements
    const warm = next;
    const cpu0 = process.cpuUsage();
    const server0 = postgresCpuMs();
    const t0 = performance.now();
    const writes = await run(warm + turns, Date.now() + TIME_LIMIT_MS);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const server = postgresCpuMs() - server0;
    const done = next - warm;
    return {
      turnsPerSecond: done / seconds, writesPerSecond: writes / seconds,
      clientUs: (cpu.user + cpu.system) / writes, serverUs: (server * 1000) / writes,
    };
  } finally {
    await close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const ENGINES: Array<{ name: string; open: () => Promise<{ store: Store; close: () => Promise<void> }> }> = [
  {
    name: 'SQLite (file, WAL)',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'parley-store-engines-'));
      const store = await openStore(join(dir, 'store.db'));
      return { store, close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      } };
    },
  },
  {
    name: 'PostgreSQL (local server, one node)',
    open: async () => {
      const db = await createBenchDatabase();
      const store = await openStore(db.url);
      return { store, close: async () => {
        await store.close();
        await db.drop();
      } };
    },
  },
];

const turns = positiveIntFlag('turns', 20_000);
const concurrency = positiveIntFlag('concurrency', 64);
const rounds = positiveIntFlag('rounds', 3);
const samples = ENGINES.map(() => [] as Sample[]);
for (let round = 0; round < rounds; round++) {
  for (const [i, engine] of ENGINES.entries()) samples[i]!.push(await measure(engine.open, turns, concurrency));
}
console.log(`store write path through the Store interface: ${turns} turns per run, ${concurrency} at once, ${rounds} rounds (median; all samples in brackets)`);
for (const [i, engine] of ENGINES.entries()) {
  const s = samples[i]!;
  const pick = (f: (x: Sample) => number): string => `${median(s.map(f)).toFixed(0)} [${s.map((x) => f(x).toFixed(0)).join(', ')}]`;
  console.log(`  ${engine.name}: ${pick((x) => x.turnsPerSecond)} turns/s, ${pick((x) => x.writesPerSecond)} writes/s; `
    + `CPU per write: Parley ${pick((x) => x.clientUs)} µs, PostgreSQL server ${pick((x) => x.serverUs)} µs`);
}
process.exit(0);
