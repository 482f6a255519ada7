/**
 * Seeds stored conversations in bulk, straight into the SQLite file while the gateway is stopped:
 * for each one, a conversation row with a live cookie jar (activity within the last hour, so the
 * jar has not expired) and one finished turn of history (the inbound message and its delivered
 * reply). This is the only bench code that knows the schema (`src/stores/sqlite/migrations.ts`);
 * everything else goes through Parley's HTTP interface.
 */
import Database from 'better-sqlite3';
import { CookieJar } from 'tough-cookie';
import { REPLY_TEXT } from '../apps/minimal-app.js';

export interface SeedOptions {
  db: string;
  accountSid: string;
  /** Conversation h pairs handset `handsetNumber(h)` with `numbers[h % numbers.length]`. */
  numbers: readonly string[];
  handsetNumber: (h: number) => string;
  /** Seeds conversations h in [from, to). */
  from: number;
  to: number;
  /** The app URL the jar's cookie belongs to. */
  appUrl: string;
  now: number;
}

const BATCH = 20_000;
/** A fixed hex tag ends every seeded SID, so seeded rows never collide with the gateway's. */
const SEED_TAG = 'beefbeefbeef';

export function seedConversations(o: SeedOptions): void {
  if (o.to <= o.from) return;
  const db = new Database(o.db);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF'); // a bench fixture: a crash while seeding just means seeding again
    db.pragma('cache_size = -262144'); // 256 MiB, so index inserts stay in memory
    // A gateway from before migration 13 (another build, PARLEY_BENCH_MAIN) keeps no chains: the
    // chain's columns are then left out.
    const chained = (db.prepare("SELECT count(*) AS n FROM pragma_table_info('messages') WHERE name = 'prev_seq'").get() as { n: number }).n > 0;
    const insertConversation = db.prepare(`INSERT INTO conversations (id, account_sid, number, handset, last_activity, cookies
      ${chained ? ', last_message_seq' : ''}) VALUES (?, ?, ?, ?, ?, ?${chained ? ', ?' : ''})`);
    const insertMessage = db.prepare(`INSERT INTO messages (sid, account_sid, direction, from_number, to_number, body, status,
      num_segments, media, error_code, error_message, messaging_service_sid, status_callback, status_callback_method,
      inbound_sid, reply_seq, turn_state, date_created, date_updated, date_sent${chained ? ', prev_seq' : ''})
      VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, NULL, NULL, NULL, NULL, 'POST', ?, ?, ?, ?, ?, ?${chained ? ', ?' : ''})`);
    /** The values, and the chain's last when the schema has it. */
    const withChain = (values: unknown[], chain: unknown): unknown[] => (chained ? [...values, chain] : values);
    const jarTemplate = cookieJarTemplate(o.appUrl, o.now);
    const span = o.to - o.from;
    // The middle digits are the conversation's number and the message's place in it, unique across
    // calls: each call spreads its own SIDs' times over the last hour, so a counter restarted per call
    // met an earlier call's SID (same millisecond, same count) now and then.
    const sid = (ms: number, h: number, reply: 0 | 1): string =>
      `SM${ms.toString(16).padStart(12, '0')}${(h * 2 + reply).toString(16).padStart(8, '0')}${SEED_TAG}`;
    const batch = db.transaction((start: number, end: number) => {
      for (let h = start; h < end; h++) {
        const number = o.numbers[h % o.numbers.length]!;
        const handset = o.handsetNumber(h);
        // Spread over the last hour, oldest first, so SIDs (time-ordered) are inserted in order.
        const at = o.now - 3_600_000 + Math.floor(((h - o.from) * 3_000_000) / span);
        const inbound = sid(at, h, 0);
        // As Parley stores a new handset's first turn (src/stores/sqlite/chain.ts): the inbound message
        // before its conversation exists (no chain), the reply first in the conversation's chain.
        insertMessage.run(withChain([inbound, o.accountSid, 'inbound', handset, number, 'hello', 'received', null, null, 'done', at, at, at], null));
        const reply = insertMessage.run(withChain([sid(at + 5, h, 1), o.accountSid, 'outbound-reply', number, handset, REPLY_TEXT, 'delivered',
          inbound, 0, null, at + 5, at + 10, at + 10], 0));
        insertConversation.run(withChain([`${o.accountSid}:${number}:${handset}`, o.accountSid, number, handset, at + 10,
          jarTemplate.replace('SEEDVALUE', `s${h}`)], reply.lastInsertRowid));
      }
    });
    for (let start = o.from; start < o.to; start += BATCH) batch(start, Math.min(o.to, start + BATCH));
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** A jar holding one session cookie from the app, serialized as the store keeps jars. */
function cookieJarTemplate(appUrl: string, now: number): string {
  const jar = new CookieJar();
  jar.setCookieSync('sid=SEEDVALUE; Path=/; HttpOnly', appUrl, { now: new Date(now) });
  return JSON.stringify(jar.getCookiesSync(appUrl).map((c) => c.toJSON()));
}
