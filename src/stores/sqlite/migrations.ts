/** Versioned schema for the SQLite store. Append a migration; never edit one that has shipped. */
import type { Database } from 'better-sqlite3';

/** SQL run as it is, or, for what SQL alone cannot do here, a function given the connection. */
export type Migration = string | ((db: Database) => void);

/** Runs one migration on `db`, inside the caller's transaction. */
export function applyMigration(db: Database, migration: Migration): void {
  if (typeof migration === 'string') db.exec(migration);
  else migration(db);
}

/** Runs the migrations after version `from` up to version `upTo` (all of them by default), in order. */
export function applyMigrations(db: Database, upTo = MIGRATIONS.length, from = 0): void {
  for (let v = from; v < upTo; v++) applyMigration(db, MIGRATIONS[v]!);
}

export const MIGRATIONS: readonly Migration[] = [
  /* 1: the conversation loop */ `
  CREATE TABLE accounts (
    sid TEXT PRIMARY KEY,
    auth_token TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    status TEXT NOT NULL,
    owner_account_sid TEXT,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
  );
  CREATE TABLE phone_numbers (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    phone_number TEXT NOT NULL UNIQUE,
    friendly_name TEXT NOT NULL,
    sms_url TEXT NOT NULL,
    sms_method TEXT NOT NULL,
    sms_fallback_url TEXT NOT NULL,
    sms_fallback_method TEXT NOT NULL,
    status_callback TEXT NOT NULL,
    status_callback_method TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
  );
  CREATE INDEX phone_numbers_account ON phone_numbers (account_sid, sid);
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    account_sid TEXT NOT NULL,
    direction TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    num_segments INTEGER NOT NULL,
    media TEXT,
    error_code INTEGER,
    error_message TEXT,
    messaging_service_sid TEXT,
    status_callback TEXT,
    status_callback_method TEXT NOT NULL,
    inbound_sid TEXT,
    reply_seq INTEGER,
    turn_state TEXT,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL,
    date_sent INTEGER
  );
  CREATE UNIQUE INDEX messages_reply_once ON messages (inbound_sid, reply_seq) WHERE inbound_sid IS NOT NULL;
  CREATE INDEX messages_account_sid ON messages (account_sid, sid);
  CREATE INDEX messages_account_to ON messages (account_sid, to_number, sid);
  CREATE INDEX messages_account_from ON messages (account_sid, from_number, sid);
  CREATE INDEX messages_pending_turns ON messages (seq) WHERE turn_state = 'pending';
  CREATE INDEX messages_undelivered ON messages (seq) WHERE status IN ('queued', 'sending') AND direction <> 'inbound';
  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    number TEXT NOT NULL,
    handset TEXT NOT NULL,
    last_activity INTEGER NOT NULL,
    cookies TEXT
  );
  CREATE INDEX conversations_account ON conversations (account_sid, last_activity);
  CREATE INDEX conversations_with_cookies ON conversations (last_activity) WHERE cookies IS NOT NULL;
  CREATE TABLE exchanges (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    message_sid TEXT NOT NULL,
    conversation_id TEXT,
    record TEXT NOT NULL
  );
  CREATE INDEX exchanges_message ON exchanges (message_sid, sid);
  CREATE INDEX exchanges_conversation ON exchanges (conversation_id, sid);
  CREATE TABLE alerts (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX alerts_account ON alerts (account_sid, sid);
  `,
  /* 2: the REST API: API keys, opt-outs, scheduled messages */ `
  CREATE TABLE api_keys (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    secret TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
  );
  CREATE INDEX api_keys_account ON api_keys (account_sid, sid);
  CREATE TABLE opt_outs (
    account_sid TEXT NOT NULL,
    number TEXT NOT NULL,
    handset TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    PRIMARY KEY (account_sid, number, handset)
  );
  ALTER TABLE messages ADD COLUMN send_at INTEGER;
  CREATE INDEX messages_scheduled ON messages (send_at) WHERE status = 'scheduled';
  `,
  /* 3: Messaging Services and their sender pools */ `
  CREATE TABLE messaging_services (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    record TEXT NOT NULL
  );
  CREATE INDEX messaging_services_account ON messaging_services (account_sid, sid);
  CREATE TABLE service_numbers (
    service_sid TEXT NOT NULL,
    number_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    PRIMARY KEY (service_sid, number_sid)
  );
  CREATE UNIQUE INDEX service_numbers_number ON service_numbers (number_sid);
  `,
  /* 4: the status-callback outbox (durable, retried); accepted messages are resumed too */ `
  CREATE TABLE status_callbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_sid TEXT NOT NULL,
    message_sid TEXT NOT NULL,
    conversation_id TEXT,
    url TEXT NOT NULL,
    params TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL
  );
  CREATE INDEX status_callbacks_message ON status_callbacks (message_sid, id);
  DROP INDEX messages_undelivered;
  CREATE INDEX messages_undelivered ON messages (seq) WHERE status IN ('accepted', 'queued', 'sending') AND direction <> 'inbound';
  `,
  /* 5: leaner message indexes: lists and threads order by seq (the rowid, implicit in every index), so the
     SID in these keys only made each entry 34 bytes larger and each insert land at a scattered place */ `
  DROP INDEX messages_account_sid;
  DROP INDEX messages_account_to;
  DROP INDEX messages_account_from;
  CREATE INDEX messages_account ON messages (account_sid);
  CREATE INDEX messages_account_to_number ON messages (account_sid, to_number);
  CREATE INDEX messages_account_from_number ON messages (account_sid, from_number);
  `,
  /* 6: no exchanges index keyed by conversation: each turn inserted into it at a scattered place (one
     more page written per turn); a conversation's exchanges are found through its messages instead */ `
  DROP INDEX exchanges_conversation;
  `,
  /* 7: ValidityPeriod is enforced: an outbound message not handed to its channel by then fails with 30036 */ `
  ALTER TABLE messages ADD COLUMN valid_until INTEGER;
  `,
  /* 8: the outbox marks each message's oldest callback as its head, so finding the due heads reads an
     index instead of grouping every waiting callback (which took 13 ms with 100,000 waiting) */ `
  ALTER TABLE status_callbacks ADD COLUMN head INTEGER NOT NULL DEFAULT 0;
  UPDATE status_callbacks SET head = 1 WHERE id IN (SELECT MIN(id) FROM status_callbacks GROUP BY message_sid);
  CREATE INDEX status_callbacks_due ON status_callbacks (next_attempt_at, id) WHERE head = 1;
  `,
  /* 9: carriers (SMPP): the parts the SMSC accepted and their receipts, receipts that arrived before their part,
     and the parts of long inbound messages until their group is complete */ `
  CREATE TABLE carrier_parts (
    message_sid TEXT NOT NULL,
    part_index INTEGER NOT NULL,
    account_sid TEXT NOT NULL,
    channel TEXT NOT NULL,
    total INTEGER NOT NULL,
    smsc_id TEXT NOT NULL,
    receipt_key TEXT NOT NULL,
    state TEXT NOT NULL,
    error_code INTEGER,
    submitted_at INTEGER NOT NULL,
    done_at INTEGER,
    PRIMARY KEY (message_sid, part_index)
  );
  CREATE INDEX carrier_parts_smsc_id ON carrier_parts (channel, smsc_id);
  CREATE INDEX carrier_parts_receipt_key ON carrier_parts (channel, receipt_key);
  CREATE TABLE unmatched_receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    smsc_id TEXT,
    receipt_key TEXT NOT NULL,
    state TEXT NOT NULL,
    error_code INTEGER,
    received_at INTEGER NOT NULL
  );
  CREATE INDEX unmatched_receipts_key ON unmatched_receipts (channel, receipt_key);
  CREATE INDEX unmatched_receipts_smsc_id ON unmatched_receipts (channel, smsc_id);
  CREATE TABLE inbound_parts (
    channel TEXT NOT NULL,
    group_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    total INTEGER NOT NULL,
    account_sid TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    payload BLOB NOT NULL,
    data_coding INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (channel, group_key, seq)
  );
  CREATE INDEX inbound_parts_received ON inbound_parts (channel, received_at);
  `,
  /* 10: each message's status history ("queued:ms,sent:ms,..."), appended by the UPDATE that changes the
     status, so a status change stays one statement on one row; NULL until the first change */ `
  ALTER TABLE messages ADD COLUMN status_history TEXT;
  `,
  /* 11: the undelivered index's condition without IN: SQLite checks a partial index's condition on every
     insert and status change, and an IN list is checked through a temporary B-tree built for the purpose
     (about 1 µs a message); the same test written with OR is a few comparisons. Queries that read the
     index must spell its condition the same way (sql.ts, UNDELIVERED) */ `
  DROP INDEX messages_undelivered;
  CREATE INDEX messages_undelivered ON messages (seq)
    WHERE (status = 'accepted' OR status = 'queued' OR status = 'sending') AND direction <> 'inbound';
  `,
  /* 12: a message's entries by its handset and by its Parley number instead of by To and by From, so an
     inbound message and its reply (To and From swapped) share their handset's leaf: a turn dirties one
     scattered page of these indexes, not two, and a large store keeps fewer pages in its cache
     (bench/README.md, finding 49). The handset is From when inbound, To otherwise. Queries spell the
     expressions exactly as here so the planner uses the indexes (sql.ts, HANDSET and NUMBER) */ `
  DROP INDEX messages_account_to_number;
  DROP INDEX messages_account_from_number;
  CREATE INDEX messages_by_handset ON messages (account_sid, (CASE WHEN direction = 'inbound' THEN from_number ELSE to_number END));
  CREATE INDEX messages_by_number ON messages (account_sid, (CASE WHEN direction = 'inbound' THEN to_number ELSE from_number END));
  `,
  /* 13: a conversation's messages as a chain instead of by handset: each message written while its
     conversation exists keeps the seq of the conversation's message before it (0 for the first) and
     the conversation keeps its latest. A turn then writes the conversation's row, which it writes
     anyway, and no leaf of an index by handset, a page scattered over the whole index that a large
     store had to read from disk on most turns (bench/README.md, findings 52 and 59). Messages without
     a conversation (prev_seq NULL: every message stored before this migration, an API message to a
     new handset) stay in messages_by_handset, now partial. Conversations are found by handset for a
     handset's thread; their number and handset never change, so turns never write that index */ `
  ALTER TABLE messages ADD COLUMN prev_seq INTEGER;
  ALTER TABLE conversations ADD COLUMN last_message_seq INTEGER;
  DROP INDEX messages_by_handset;
  CREATE INDEX messages_by_handset ON messages (account_sid, (CASE WHEN direction = 'inbound' THEN from_number ELSE to_number END))
    WHERE prev_seq IS NULL;
  CREATE INDEX conversations_by_handset ON conversations (account_sid, handset);
  `,
  /* 14: messages' seq without AUTOINCREMENT. With it, every message insert read and rewrote messages'
     row in sqlite_sequence, and each commit wrote that table's page to the WAL: one frame of the
     twelve or so a commit writes when a turn commits alone (bench/README.md, finding 118). Without
     it a new seq is still one more than the largest stored, so the order of seqs stays the order of
     inserts; only the seq of a latest message deleted may be given again, and nothing keeps a
     deleted message's seq (its chain is mended before it goes, chain.ts). status_callbacks keeps
     its AUTOINCREMENT: a callback's id makes its idempotency token, which must never repeat. */
  dropMessagesAutoincrement,
  /* 15: a short code's country, which its digits do not say (NULL for numbers) */ `
  ALTER TABLE phone_numbers ADD COLUMN iso_country TEXT;
  `,
];

/**
 * A rowid table is stored the same with or without AUTOINCREMENT: the keyword lives only in the
 * schema's text. So the text is edited in place, as SQLite documents for changes that leave the
 * stored content as it is ("Making Other Kinds Of Table Schema Changes", lang_altertable.html),
 * instead of copying every message and rebuilding every index of a new table, as long as copying
 * the store on a large one.
 */
function dropMessagesAutoincrement(db: Database): void {
  const version = db.pragma('schema_version', { simple: true }) as number;
  db.unsafeMode(true); // better-sqlite3 runs SQLite in defensive mode, which refuses writable_schema
  try {
    db.pragma('writable_schema = ON');
    const edited = db.prepare(`UPDATE sqlite_schema SET sql = replace(sql, 'seq INTEGER PRIMARY KEY AUTOINCREMENT,', 'seq INTEGER PRIMARY KEY,')
      WHERE type = 'table' AND name = 'messages' AND sql LIKE '%seq INTEGER PRIMARY KEY AUTOINCREMENT,%'`).run().changes;
    if (edited !== 1) throw new Error('migration 14: the messages table is not as migration 1 created it');
    db.pragma(`schema_version = ${version + 1}`); // every connection, this one too, reads the schema again
  } finally {
    db.pragma('writable_schema = OFF');
    db.unsafeMode(false);
  }
  // The first statement after the new schema_version reads the schema again: text that did not parse
  // would throw here and roll the migration back with the rest of the transaction.
  db.exec("DELETE FROM sqlite_sequence WHERE name = 'messages'");
}
