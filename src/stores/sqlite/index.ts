/**
 * The embedded store: one SQLite file in WAL mode (or `:memory:`), written through group commit.
 * better-sqlite3 is synchronous; its calls stay inside this adapter behind the promise-based Store.
 */
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Store, MessageFilter, Page } from '../store.js';
import type {
  AccountRecord, AlertRecord, MessagingServiceRecord, ConversationRecord, MessageRecord, MessageStatus, NewStatusCallback, PhoneNumberRecord,
  TurnClaim, TurnOutcome, WebhookExchange,
} from '../records.js';
import { conversationId } from '../records.js';
import { sidBefore } from '../../ids/sid.js';
import { BackgroundCheckpointer } from './checkpointer.js';
import { configureConnection } from './connection.js';
import { loadWalCoalescing } from './wal-coalescing.js';
import { GroupCommitter } from './group-commit.js';
import { MIGRATIONS, applyMigrations } from './migrations.js';
import { prepareStatements, statusChangeValues } from './sql.js';
import { carrierParts, inboundParts } from './carrier.js';
import { RecentParts } from './recent-parts.js';
import { sqliteOptOuts } from './opt-outs.js';
import { callbackFromRow, type CallbackRow } from '../shared-rows.js';
import { chainOf, deleteChained, insertChained, insertReplyAhead } from './chain.js';
import { exchangeFromRow, exchangeText, type ExchangeRow } from '../exchange-text.js';
import {
  accountFromRow, accountToRow, conversationFromRow, keyFromRow, keyToRow, type ApiKeyRow, messageFromRow, messageToRow, numberFromRow, numberToRow,
  poolEntryFromRow, statusHistoryFromRow, type AccountRow, type ConversationRow, type MessageRow, type PhoneNumberRow,
  type PoolEntryRow, type StatusHistoryRow,
} from './rows.js';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. */
  path: string;
  /** Apply pending migrations on open (the default); `false` fails instead if the schema is behind. */
  migrate?: boolean;
  /** The least time between two commits' starts, so writes of a steady stream share one (./group-commit.ts); 0 by default. */
  commitDelayMs?: number;
  /**
   * How many recorded parts not yet settled are kept in memory for their receipts (./recent-parts.ts);
   * 20,000 by default (seconds of traffic at full rate). 0 reads every receipt's part from the table.
   */
  recentParts?: number;
}

const RECENT_PARTS = 20_000;

/** One process owns a SQLite file: it holds every conversation, always under the same claim. */
const ALWAYS_HELD: TurnClaim = Object.freeze({ token: 0, how: 'held' });

export function openSqliteStore(options: SqliteStoreOptions): Store {
  loadWalCoalescing(); // before the connection opens: SQLite picks a connection's VFS then
  const db = new Database(options.path);
  configureConnection(db, options.path);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version < MIGRATIONS.length) {
    if (options.migrate === false) {
      db.close();
      throw new Error(`the database is at schema version ${version}, this Parley needs ${MIGRATIONS.length}: run "parley db migrate"`);
    }
    migrate(db);
  }
  if (version > MIGRATIONS.length) {
    // An older Parley after a rollback: it would write rows the newer schema does not expect.
    db.close();
    throw new Error(`the database is at schema version ${version}, newer than this Parley knows (${MIGRATIONS.length}): run the Parley that migrated it, or restore the backup taken before the upgrade (parley db restore)`);
  }
  const st = prepareStatements(db);
  // The file this connection opened: if it is deleted, moved or replaced, SQLite keeps writing to
  // the open inode, which nothing will ever read again. `ping` reports that (readiness).
  const opened = options.path === ':memory:' ? null : statSync(options.path);
  const committer = new GroupCommitter(db, options.commitDelayMs ?? 0);
  const checkpointer = options.path === ':memory:' ? null : new BackgroundCheckpointer(db, options.path, committer);
  const write = <T>(run: () => T): Promise<T> => committer.write(run);
  const recentParts = new RecentParts(options.recentParts ?? RECENT_PARTS);
  committer.onRollback(() => recentParts.clear());
  const read = <T>(run: () => T): Promise<T> => {
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(error);
    }
  };

  // Accounts and numbers are read on every request and every turn and change rarely: this
  // adapter is their only writer, so it can keep them in memory and drop an entry on each write.
  const accountCache = new Map<string, AccountRecord | null>();
  const numberCache = new Map<string, PhoneNumberRecord | null>();
  const serviceOfCache = new Map<string, string | null>();

  const insertExchange = (x: WebhookExchange): void => {
    st.exchangeInsert.run(x.sid, x.accountSid, x.messageSid, x.conversationId, exchangeText(x));
  };
  const insertAlert = (a: AlertRecord): void => {
    st.alertInsert.run(a.sid, a.accountSid, JSON.stringify(a));
  };
  const insertCallback = (c: NewStatusCallback | undefined): void => {
    if (!c) return;
    st.callbackInsert.run({
      account_sid: c.accountSid, message_sid: c.messageSid, conversation_id: c.conversationId, url: c.url,
      params: JSON.stringify(c.params), created_at: c.createdAt,
    });
  };
  /** `latest`: the seq of a reply written ahead of this upsert (chain.ts), which becomes the conversation's latest message. */
  const upsertConversation = (c: ConversationRecord, latest: number | null = null): void => {
    st.conversationUpsert.run(c.id, c.accountSid, c.number, c.handset, c.lastActivity, c.cookies, latest);
  };

  return {
    accounts: {
      get: (sid) => read(() => cached(accountCache, sid, () => {
        const row = st.accountGet.get(sid) as AccountRow | undefined;
        return row ? accountFromRow(row) : null;
      })),
      getDefault: () => read(() => {
        const row = st.accountDefault.get() as AccountRow | undefined;
        return row ? accountFromRow(row) : null;
      }),
      insert: (a: AccountRecord) => write(() => {
        accountCache.delete(a.sid);
        st.accountInsert.run(accountToRow(a));
      }),
      update: (a: AccountRecord) => write(() => {
        accountCache.delete(a.sid);
        st.accountUpdate.run(accountToRow(a));
      }),
      listOwnedBy: (owner) => read(() => (st.accountsOwnedBy.all(owner) as AccountRow[]).map(accountFromRow)),
    },
    numbers: {
      insert: (n: PhoneNumberRecord) => write(() => {
        numberCache.delete(n.phoneNumber);
        st.numberInsert.run(numberToRow(n));
      }),
      update: (n: PhoneNumberRecord) => write(() => {
        numberCache.delete(n.phoneNumber);
        st.numberUpdate.run(numberToRow(n));
      }),
      delete: (account, sid) => write(() => {
        numberCache.clear();
        serviceOfCache.delete(sid);
        return st.numberDelete.run(account, sid).changes > 0;
      }),
      get: (account, sid) => read(() => {
        const row = st.numberGet.get(account, sid) as PhoneNumberRow | undefined;
        return row ? numberFromRow(row) : null;
      }),
      findByPhoneNumber: (phone) => read(() => cached(numberCache, phone, () => {
        const row = st.numberByPhone.get(phone) as PhoneNumberRow | undefined;
        return row ? numberFromRow(row) : null;
      })),
      list: (account, filter, page: Page) => read(() => (st.numberList.all({
        account, phone: filter.phoneNumber ?? null, name: filter.friendlyName ?? null, type: filter.type ?? null, after: page.afterSid ?? null, limit: page.pageSize,
      }) as PhoneNumberRow[]).map(numberFromRow)),
    },
    messages: {
      insert: (m: MessageRecord, opts) => write(() => {
        insertChained(st, st.messageInsert, m, opts?.startTurn ? 'pending' : null);
        if (opts?.sendAt !== undefined) st.messageSetSendAt.run(opts.sendAt, m.sid);
        return opts?.startTurn ? ALWAYS_HELD : null;
      }),
      due: (now, limit) => read(() => (st.messagesDue.all(now, limit) as MessageRow[]).map(messageFromRow)),
      get: (account, sid) => read(() => {
        const row = st.messageGet.get(sid, account) as MessageRow | undefined;
        return row ? messageFromRow(row) : null;
      }),
      list: (account, f: MessageFilter, page: Page) => read(() => {
        const args = {
          account, to: f.to ?? null, from: f.from ?? null, sentAfter: f.sentAfter ?? null, sentBefore: f.sentBefore ?? null,
          number: f.number ?? null, handset: f.handset ?? null, direction: f.direction ?? null, status: f.status ?? null, limit: page.pageSize,
        };
        const rows = page.beforeSid !== undefined
          ? st.messageListBefore.all({ ...args, before: page.beforeSid })
          : st.messageList.all({ ...args, after: page.afterSid ?? null });
        return (rows as MessageRow[]).map(messageFromRow);
      }),
      thread: (account, handset, opts) => read(() => (st.messageThread.all({
        account, handset, number: opts.number ?? null, limit: opts.limit,
      }) as MessageRow[]).map(messageFromRow).reverse()),
      repliesOf: (account, inboundSid) => read(() => (st.messageReplies.all(inboundSid, account) as MessageRow[]).map(messageFromRow)),
      setStatus: (sid, status: MessageStatus, changes, callback, options) => write(() => {
        const values = statusChangeValues(sid, status, changes);
        const applied = (options?.from ? st.messageSetStatusFrom.run(values, `,${options.from.join(',')},`) : st.messageSetStatus.run(values)).changes > 0;
        if (applied) insertCallback(callback);
        return applied;
      }),
      update: (m, callback) => write(() => {
        st.messageUpdate.run(messageToRow(m, null));
        insertCallback(callback);
      }),
      statusHistory: (account, sid) => read(() => {
        const row = st.messageStatusHistory.get(sid, account) as StatusHistoryRow | undefined;
        return row ? statusHistoryFromRow(row) : null;
      }),
      delete: (account, sid) => write(() => deleteChained(st, account, sid)),
      undelivered: (limit, afterSid) => read(() => (st.messagesUndelivered.all({ limit, after: afterSid ?? null }) as MessageRow[]).map(messageFromRow)),
    },
    turns: {
      pending: (limit) => read(() => (st.turnsPending.all(limit) as Array<Pick<MessageRow, 'sid' | 'account_sid' | 'from_number' | 'to_number'>>)
        .map((r) => ({
          messageSid: r.sid, accountSid: r.account_sid,
          conversationId: conversationId({ accountSid: r.account_sid, number: r.to_number, handset: r.from_number }),
        }))),
      isDone: (sid) => read(() => (st.turnState.get(sid) as { turn_state: string | null } | undefined)?.turn_state === 'done'),
      complete: (o: TurnOutcome, options) => write(() => {
        const only = o.replies.length === 1 ? o.replies[0]! : null;
        if (only && chainOf(only) === o.conversation.id) {
          // A turn's one reply in its own conversation, as most are: written first, and made the
          // conversation's latest by the upsert that follows.
          upsertConversation(o.conversation, insertReplyAhead(st, only, o.conversation.id));
        } else {
          upsertConversation(o.conversation); // first, so that even a first turn's replies join its chain
          for (const reply of o.replies) insertChained(st, st.replyInsert, reply, null);
        }
        o.exchanges.forEach(insertExchange);
        o.alerts.forEach(insertAlert);
        o.callbacks?.forEach(insertCallback);
        if (options?.final === false) return;
        st.turnFinish.run(o.errorCode, o.errorCode, o.errorMessage, o.conversation.lastActivity, o.inboundSid);
      }),
    },
    conversations: {
      get: (id) => read(() => {
        const row = st.conversationGet.get(id) as ConversationRow | undefined;
        return row ? conversationFromRow(row) : null;
      }),
      list: (account, limit) => read(() => (st.conversationList.all(account, limit) as ConversationRow[]).map(conversationFromRow)),
      touch: (c) => write(() => void st.conversationTouch.run({
        id: c.id, account_sid: c.accountSid, number: c.number, handset: c.handset, last_activity: c.lastActivity,
      })),
      forget: (account, id) => write(() => st.conversationForget.run(account, id).changes > 0),
      expire: (before) => write(() => st.conversationsExpire.run(before).changes),
    },
    exchanges: {
      insert: (x) => write(() => insertExchange(x)),
      listForMessage: (account, sid) => read(() => (st.exchangesForMessage.all(sid, account) as ExchangeRow[]).map(exchangeFromRow)),
      deleteBefore: (before) => deleteInSlices(write, st.exchangesDeleteBefore, sidBefore('WX', before)),
      listForConversation: (account, id, limit) => read(() => {
        const conversation = st.conversationGet.get(id) as ConversationRow | undefined;
        if (!conversation || conversation.account_sid !== account) return [];
        const rows = st.exchangesForConversation.all({ account, id, number: conversation.number, handset: conversation.handset, limit });
        return (rows as ExchangeRow[]).map(exchangeFromRow);
      }),
    },
    alerts: {
      insert: (a) => write(() => insertAlert(a)),
      get: (account, sid) => read(() => {
        const row = st.alertGet.get(account, sid) as { record: string } | undefined;
        return row ? (JSON.parse(row.record) as AlertRecord) : null;
      }),
      deleteBefore: (before) => deleteInSlices(write, st.alertsDeleteBefore, sidBefore('NO', before)),
      list: (account, page) => read(() => (st.alertList.all({ account, after: page.afterSid ?? null, limit: page.pageSize }) as Array<{ record: string }>)
        .map((r) => JSON.parse(r.record) as AlertRecord)),
    },
    keys: {
      insert: (k) => write(() => void st.keyInsert.run(keyToRow(k))),
      update: (k) => write(() => void st.keyUpdate.run(keyToRow(k))),
      get: (sid) => read(() => {
        const row = st.keyGet.get(sid) as ApiKeyRow | undefined;
        return row ? keyFromRow(row) : null;
      }),
      list: (account, page) => read(() => (st.keyList.all({ account, after: page.afterSid ?? null, limit: page.pageSize }) as ApiKeyRow[])
        .map(keyFromRow)),
      delete: (account, sid) => write(() => st.keyDelete.run(account, sid).changes > 0),
    },
    optOuts: sqliteOptOuts(st, write, read),
    services: {
      save: (m) => write(() => void st.serviceUpsert.run(m.sid, m.accountSid, JSON.stringify(m))),
      get: (account, sid) => read(() => {
        const row = st.serviceGet.get(account, sid) as { record: string } | undefined;
        return row ? (JSON.parse(row.record) as MessagingServiceRecord) : null;
      }),
      list: (account, page) => read(() => (st.serviceList.all({ account, after: page.afterSid ?? null, limit: page.pageSize }) as Array<{ record: string }>)
        .map((r) => JSON.parse(r.record) as MessagingServiceRecord)),
      delete: (account, sid) => write(() => {
        serviceOfCache.clear();
        st.serviceNumbersDeleteAll.run(account, sid);
        return st.serviceDelete.run(account, sid).changes > 0;
      }),
      addNumber: (account, service, number, at) => write(() => {
        serviceOfCache.delete(number);
        st.serviceNumberAdd.run(service, number, account, at);
      }),
      removeNumber: (account, service, number) => write(() => {
        serviceOfCache.delete(number);
        return st.serviceNumberRemove.run(account, service, number).changes > 0;
      }),
      numbers: (account, service) => read(() => (st.serviceNumbers.all(account, service) as PoolEntryRow[]).map(poolEntryFromRow)),
      serviceOf: (number) => read(() => cached(serviceOfCache, number,
        () => (st.serviceOfNumber.get(number) as { service_sid: string } | undefined)?.service_sid ?? null)),
    },
    callbacks: {
      enqueue: (c) => write(() => insertCallback(c)),
      heads: (limit) => read(() => (st.callbackHeads.all(limit) as CallbackRow[]).map(callbackFromRow)),
      retryLater: (id, attempts, nextAttemptAt, exchange) => write(() => {
        st.callbackRetry.run(attempts, nextAttemptAt, id);
        insertExchange(exchange);
      }),
      finish: (id, exchange, alert) => write(() => {
        const done = st.callbackDelete.get(id) as { message_sid: string } | undefined;
        if (done) st.callbackPromote.run(done.message_sid); // its next callback is the head now
        if (exchange) insertExchange(exchange);
        if (alert) insertAlert(alert);
      }),
    },
    carrierParts: carrierParts(st, write, read, recentParts),
    inboundParts: inboundParts(st, write, read),
    schemaVersion: () => read(() => ({ current: db.pragma('user_version', { simple: true }) as number, latest: MIGRATIONS.length })),
    ping: async () => {
      if (!db.open) throw new Error('the store is closed');
      db.pragma('user_version', { simple: true });
      if (!opened) return;
      const now = await stat(options.path).catch(() => null);
      if (!now || now.ino !== opened.ino || now.dev !== opened.dev) {
        throw new Error(`the database file is no longer at ${options.path} (deleted, moved or replaced)`);
      }
    },
    queueDepths: () => read(() => ({
      turns: (st.depthTurns.get() as { n: number }).n,
      outbound: (st.depthOutbound.get() as { n: number }).n,
      callbacks: (st.depthCallbacks.get() as { n: number }).n,
    })),
    close: async () => {
      await checkpointer?.stop();
      committer.flush();
      db.close();
    },
  };
}

/** Runs a sliced DELETE until nothing is left, one slice per transaction. */
async function deleteInSlices(write: <T>(run: () => T) => Promise<T>, statement: Statement, bound: string): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await write(() => statement.run(bound).changes);
    total += deleted;
    if (deleted === 0) return total;
  }
}

const CACHE_LIMIT = 10_000;

function cached<T>(cache: Map<string, T | null>, key: string, load: () => T | null): T | null {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = load();
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * Applies the pending migrations in one transaction that takes the write lock first (IMMEDIATE)
 * and reads the version under it: two processes started together on one file wait for each other
 * (busy_timeout), and the second finds the work done instead of running it again.
 */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const from = db.pragma('user_version', { simple: true }) as number;
    applyMigrations(db, MIGRATIONS.length, from);
    if (from < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** Reads a database's schema version without migrating it (for `parley db status`). */
export function sqliteSchemaVersion(path: string): { current: number; latest: number } {
  const db = new Database(path, { fileMustExist: true });
  try {
    return { current: db.pragma('user_version', { simple: true }) as number, latest: MIGRATIONS.length };
  } finally {
    db.close();
  }
}
