/**
 * `node dist/bench/store-writes.js [--turns=20000] [--batch=5] [--rounds=3]`: the SQLite store's
 * write path alone, in one process, without HTTP: the CPU a turn's writes cost, for the store as
 * shipped and for variants, run alternately so that a busy machine skews them alike.
 *
 * Each turn writes what the gateway writes: the inbound message (with its pending turn), then the
 * turn's outcome (reply, conversation and its jar, one webhook exchange record of about 1.9 KB, the
 * inbound marked done), then the reply's `sent` and `delivered`. Transactions mix the phases of
 * consecutive turns, `--batch` turns per commit, as group commit does at saturation (about 20
 * writes per commit, finding 10 in bench/README.md). The statements and migrations are the store's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { configureConnection } from '../src/stores/sqlite/connection.js';
import { applyMigrations } from '../src/stores/sqlite/migrations.js';
import { prepareStatements, statusChangeValues } from '../src/stores/sqlite/sql.js';
import { insertChained, insertReplyAhead } from '../src/stores/sqlite/chain.js';
import { newMessage } from '../src/messages/message.js';
import type { MessageRecord } from '../src/stores/records.js';
import { positiveIntFlag } from './lib/args.js';

interface Variant {
  name: string;
  /** Run after the store's own set-up and migrations. */
  adjust?: (db: Database.Database) => void;
  exchanges: boolean;
  oneStatusWrite?: boolean;
  /** Replaces the store's status change with this statement (by position: status, error code, error message, date sent, time, sid). */
  setStatusSql?: string;
}

const VARIANTS: Variant[] = [
  { name: 'as shipped', exchanges: true },
  {
    name: 'before round 3 (SQLite defaults: checkpoint every 1,000 frames, 2 MiB cache; exchanges indexed by conversation)',
    exchanges: true,
    adjust: (db) => {
      db.pragma('wal_autocheckpoint = 1000');
      db.pragma('cache_size = -2000');
      db.exec('CREATE INDEX exchanges_conversation ON exchanges (conversation_id, sid)');
    },
  },
  { name: 'as shipped, without exchange records (an upper bound for leaner ones)', exchanges: false },
  { name: 'as shipped, one status write per reply (sent and delivered together)', exchanges: true, oneStatusWrite: true },
  {
    name: 'before migration 9 (a status change without appending to the status history)',
    exchanges: true,
    setStatusSql: `UPDATE messages SET status = ?, error_code = COALESCE(?, error_code),
      error_message = COALESCE(?, error_message), date_sent = COALESCE(?, date_sent), date_updated = ? WHERE sid = ?`,
  },
];

const ACCOUNT = `AC${'a'.repeat(32)}`;
const HANDSETS = 1000;
const NUMBERS = 10;
const EXCHANGE_RECORD = JSON.stringify({ record: 'x'.repeat(1850) });
const JAR = JSON.stringify([{ key: 'parley.sid', value: `s%3A${'y'.repeat(60)}`, domain: '127.0.0.1', path: '/', hostOnly: true }]);

interface Turn {
  inbound: MessageRecord;
  reply: MessageRecord;
  conversationId: string;
  number: string;
  handset: string;
}

/** CPU microseconds per turn for one variant on a fresh database file. */
function measure(variant: Variant, turns: number, batch: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'parley-store-writes-'));
  const db = new Database(join(dir, 'store.db'));
  try {
    configureConnection(db, join(dir, 'store.db'));
    applyMigrations(db);
    variant.adjust?.(db);
    const st = prepareStatements(db);
    const replaced = variant.setStatusSql ? db.prepare(variant.setStatusSql) : null;
    const setStatus = (sid: string, status: string, dateSent: number | undefined, at: number): void => {
      if (replaced) replaced.run(status, null, null, dateSent ?? null, at, sid);
      else st.messageSetStatus.run(statusChangeValues(sid, status, dateSent === undefined ? { at } : { dateSent, at }));
    };
    const begin = db.prepare('BEGIN IMMEDIATE');
    const commit = db.prepare('COMMIT');
    let clock = Date.now();
    let n = 0;
    const pipeline: Turn[][] = [];

    const newTurns = (): Turn[] => Array.from({ length: batch }, () => {
      n++;
      const handset = `+1555${String((n * 7919) % HANDSETS).padStart(7, '0')}`;
      const number = `+1444${String(n % NUMBERS).padStart(7, '0')}`;
      const at = ++clock;
      const inbound = newMessage({ accountSid: ACCOUNT, direction: 'inbound', from: handset, to: number, body: 'hello there', status: 'received', at, media: [], messagingServiceSid: null, dateSent: at });
      const reply = newMessage({
        accountSid: ACCOUNT, direction: 'outbound-reply', from: number, to: handset, body: 'Hello, thanks for the new message.',
        status: 'queued', at, media: [], messagingServiceSid: null, statusCallback: null, inboundSid: inbound.sid, replySeq: 0,
      });
      return { inbound, reply, conversationId: `${ACCOUNT}:${number}:${handset}`, number, handset };
    });

    // One commit: new inbound messages, the previous batch's outcomes, then its replies' statuses.
    const commitOnce = (): void => {
      pipeline.unshift(newTurns());
      if (pipeline.length > 4) pipeline.pop();
      const [received, answered, sent, delivered] = pipeline;
      begin.run();
      for (const t of received ?? []) insertChained(st, st.messageInsert, t.inbound, 'pending');
      for (const t of answered ?? []) {
        // As a turn's outcome stores its one reply: first, made the latest by the upsert (finding 100).
        st.conversationUpsert.run(t.conversationId, ACCOUNT, t.number, t.handset, clock, JAR, insertReplyAhead(st, t.reply, t.conversationId));
        if (variant.exchanges) st.exchangeInsert.run(`WX${t.inbound.sid.slice(2)}`, ACCOUNT, t.inbound.sid, t.conversationId, EXCHANGE_RECORD);
        st.turnFinish.run(null, null, null, clock, t.inbound.sid);
      }
      if (!variant.oneStatusWrite) for (const t of sent ?? []) setStatus(t.reply.sid, 'sent', clock, clock);
      for (const t of delivered ?? []) setStatus(t.reply.sid, 'delivered', undefined, clock);
      commit.run();
    };

    for (let i = 0; i < 2000 / batch; i++) commitOnce(); // warm-up: JIT, page cache, a first checkpoint
    const before = process.cpuUsage();
    for (let i = 0; i < turns / batch; i++) commitOnce();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / turns;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const turns = positiveIntFlag('turns', 20_000);
const batch = positiveIntFlag('batch', 5);
const rounds = positiveIntFlag('rounds', 3);
const samples = VARIANTS.map(() => [] as number[]);
for (let round = 0; round < rounds; round++) {
  VARIANTS.forEach((variant, i) => samples[i]!.push(measure(variant, turns, batch)));
}
const shipped = median(samples[0]!);
console.log(`store write path: ${turns} turns per run, ${batch} turns per commit, ${rounds} rounds (median; all samples in brackets)`);
VARIANTS.forEach((variant, i) => {
  const m = median(samples[i]!);
  const all = samples[i]!.map((s) => s.toFixed(0)).join(', ');
  console.log(`  ${m.toFixed(1).padStart(6)} µs CPU per turn  ${(m / shipped).toFixed(2)}× shipped  ${variant.name}  [${all}]`);
});
