/**
 * The shared store: PostgreSQL, for several Parley nodes acting as one gateway. Writes go through
 * group commit on a dedicated pipelined connection (./group-commit.ts); reads through a pool. Each
 * open store is a node (./membership.ts) and offers the Store's `cluster` capability (./cluster.ts):
 * claims on conversations with fencing tokens (the PL/pgSQL functions of ./migrations.ts), and a
 * channel to the other nodes (./notifications.ts).
 *
 * Another node may change any row at any time (a number's webhook, an account's token), and the
 * next request or turn on this node must see it: accounts are never cached, and numbers, services
 * and opt-outs are cached under a version every account read checks (./config-cache.ts).
 */
import pg from 'pg';
import { Socket } from 'node:net';
import type { QueryResultRow } from 'pg';
import type { MessageFilter, Page, Store } from '../store.js';
import type {
  AccountRecord, AlertRecord, MessagingServiceRecord, MessageRecord, NewStatusCallback, PhoneNumberRecord, TurnClaim,
  WebhookExchange,
} from '../records.js';
import { conversationId } from '../records.js';
import { sidBefore } from '../../ids/sid.js';
import { parseStatusHistory } from '../status-history.js';
import { asStoreError, clientConfig, describeUrl, poolConfig } from './connection.js';
import { PgGroupCommitter, allOf, type Tx, type WriteOptions } from './group-commit.js';
import { MIGRATIONS } from './migrations.js';
import { migrate, schemaVersionOf } from './migrator.js';
import { Membership } from './membership.js';
import { Notifications } from './notifications.js';
import { clusterMembership, fenced } from './cluster.js';
import { SQL, queryOf, type Statement } from './sql.js';
import { carrierParts, inboundParts } from './carrier.js';
import { ConfigCache } from './config-cache.js';
import {
  accountFromRow, accountUpdateValues, accountValues, conversationFromRow, conversationValues, keyFromRow, keyValues,
  messageFromRow, messageUpdateValues, messageValues, numberFromRow, numberUpdateValues, numberValues, poolEntryFromRow,
  type AccountRow, type ApiKeyRow, type ConversationRow, type MessageRow, type PhoneNumberRow, type PoolEntryRow,
} from './rows.js';
import { callbackFromRow, type CallbackRow } from '../shared-rows.js';
import { exchangeFromRow, exchangeText, type ExchangeRow } from '../exchange-text.js';

export interface PostgresStoreOptions {
  /** `postgres://USER@HOST:PORT/DATABASE` (or `postgresql://`). */
  url: string;
  /** Apply pending migrations on open (the default); `false` fails instead if the schema is behind. */
  migrate?: boolean;
  /** How long this node keeps its claims without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** Read connections (default 10). */
  poolSize?: number;
  /** Told about background failures (heartbeats, the listening connection). */
  onError?: (error: unknown, what: string) => void;
}

/**
 * A node's own undelivered message unchanged for this long is offered to it again by `undelivered`
 * (it fell out of memory after a store failure); its Delivery ignores those it still holds.
 */
const OWN_STALE_MS = 10_000;

/** Statuses an outbound message is still being delivered in: its node owns it. */
const SENDING = new Set(['accepted', 'queued', 'sending']);

interface ClaimRow { claim_token: number | null; claim_how: TurnClaim['how'] | null }

function claimOf(row: ClaimRow | undefined): TurnClaim | null {
  return row && row.claim_token !== null && row.claim_how !== null ? { token: row.claim_token, how: row.claim_how } : null;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool(poolConfig(options.url, options.poolSize ?? 10));
  // An idle pooled connection that breaks (a restart) must not crash the process; the pool drops it.
  pool.on('error', (error) => options.onError?.(error, 'an idle database connection broke'));
  const connect = async (name: string, pipeline: boolean): Promise<{ client: pg.Client; socket: Socket }> => {
    const socket = new Socket();
    const client = new pg.Client({ ...clientConfig(options.url, name), ...(pipeline ? { pipeline: true } : {}), stream: () => socket });
    client.on('error', () => undefined); // the owner reacts; see group-commit.ts and notifications.ts
    await client.connect();
    return { client, socket };
  };
  try {
    const setup = await pool.connect();
    try {
      await migrate(setup, { migrate: options.migrate ?? true });
    } finally {
      setup.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot open ${describeUrl(options.url)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const membership = new Membership(pool, {
    leaseMs: options.leaseMs ?? 30_000, ...(options.onError ? { onError: options.onError } : {}),
    send: (text) => notifications.send(text),
  });
  const config = new ConfigCache();
  const committer = new PgGroupCommitter(() => connect('parley-writer', true));
  const notifications = new Notifications(pool, {
    connect: async () => (await connect('parley-listener', false)).client, isOwn: (id) => membership.ids.has(id), nodeId: () => membership.id,
    onConfigChanged: () => config.clear(),
    onControl: (sender, text) => membership.heardControl(sender, text),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  try {
    // Listening first: a node that starts watching while this one joins may count it and wait for its answer.
    await notifications.start();
    await membership.join();
  } catch (error) {
    await membership.leave();
    await notifications.close();
    await pool.end().catch(() => undefined);
    throw asStoreError(error);
  }

  const node = (): string => membership.id;
  const write = <T>(run: (tx: Tx) => Promise<T>, writeOptions?: WriteOptions): Promise<T> => committer.write(run, writeOptions);
  const rows = async <R extends QueryResultRow>(statement: Statement, values: unknown[]): Promise<R[]> => {
    try {
      return (await pool.query<R>(queryOf(statement, values))).rows;
    } catch (error) {
      throw asStoreError(error);
    }
  };
  const one = async <R extends QueryResultRow>(statement: Statement, values: unknown[]): Promise<R | undefined> => (await rows<R>(statement, values))[0];
  const changed = (statement: Statement, values: unknown[]): Promise<number> =>
    write(async (tx) => (await tx.query(statement, values)).rowCount ?? 0);
  /** A write to cached configuration: this node's cache starts over once it committed. */
  const configWrite = <T>(run: Promise<T>): Promise<T> => run.finally(() => config.clear());
  const records = async <T>(statement: Statement, values: unknown[]): Promise<T[]> =>
    (await rows<{ record: string }>(statement, values)).map((r) => JSON.parse(r.record) as T);
  const insertExchange = (tx: Tx, x: WebhookExchange): Promise<unknown> =>
    tx.query(SQL.exchangeInsert, [x.sid, x.accountSid, x.messageSid, x.conversationId, exchangeText(x)]);
  const insertAlert = (tx: Tx, a: AlertRecord): Promise<unknown> => tx.query(SQL.alertInsert, [a.sid, a.accountSid, JSON.stringify(a)]);
  const enqueueCallback = (tx: Tx, c: NewStatusCallback): Promise<unknown> =>
    tx.query(SQL.callbackEnqueue, [c.accountSid, c.messageSid, c.conversationId, c.url, JSON.stringify(c.params), c.createdAt]);
  /** An inbound message with its pending turn: the claim row first (it orders the conversation's inserts). */
  const insertTurn = async (tx: Tx, m: MessageRecord): Promise<TurnClaim | null> => {
    const claim = tx.query<ClaimRow>(SQL.claim, [conversationId({ accountSid: m.accountSid, number: m.to, handset: m.from }), node()]);
    const insert = tx.query(SQL.messageInsert, messageValues(m, 'pending', null));
    await allOf([claim, insert]);
    return claimOf((await claim).rows[0]);
  };
  const ownerOf = (m: MessageRecord): string | null => (m.direction !== 'inbound' && SENDING.has(m.status) ? node() : null);

  const cluster = clusterMembership(membership, notifications, write, rows);

  return {
    cluster,
    accounts: {
      get: async (sid) => {
        // One row always (the version), with the account's columns null when there is no such account.
        const row = await one<Omit<AccountRow, 'sid'> & { sid: string | null; config_version: string | null }>(SQL.accountGet, [sid]);
        if (row) config.seen(row.config_version);
        return row && row.sid !== null ? accountFromRow({ ...row, sid: row.sid }) : null;
      },
      getDefault: async () => {
        const row = await one<AccountRow>(SQL.accountDefault, []);
        return row ? accountFromRow(row) : null;
      },
      insert: (a: AccountRecord) => configWrite(write(async (tx) => void await tx.query(SQL.accountInsert, accountValues(a)))),
      update: (a: AccountRecord) => configWrite(write(async (tx) => void await tx.query(SQL.accountUpdate, accountUpdateValues(a)))),
      listOwnedBy: async (owner) => (await rows<AccountRow>(SQL.accountsOwnedBy, [owner])).map(accountFromRow),
    },
    numbers: {
      insert: (n: PhoneNumberRecord) => configWrite(write(async (tx) => void await tx.query(SQL.numberInsert, numberValues(n)))),
      update: (n: PhoneNumberRecord) => configWrite(write(async (tx) => void await tx.query(SQL.numberUpdate, numberUpdateValues(n)))),
      delete: async (account, sid) => (await configWrite(changed(SQL.numberDelete, [account, sid]))) > 0,
      get: async (account, sid) => {
        const row = await one<PhoneNumberRow>(SQL.numberGet, [account, sid]);
        return row ? numberFromRow(row) : null;
      },
      findByPhoneNumber: (phone) => config.get(`number ${phone}`, async () => {
        const row = await one<PhoneNumberRow>(SQL.numberByPhone, [phone]);
        return row ? numberFromRow(row) : null;
      }),
      list: async (account, filter, page: Page) => (await rows<PhoneNumberRow>(SQL.numberList, [
        account, filter.phoneNumber ?? null, filter.friendlyName ?? null, page.afterSid ?? null, page.pageSize, filter.type ?? null,
      ])).map(numberFromRow),
    },
    messages: {
      insert: (m: MessageRecord, opts) => {
        if (opts?.startTurn) {
          return write((tx) => insertTurn(tx, m), { conversation: conversationId({ accountSid: m.accountSid, number: m.to, handset: m.from }) });
        }
        return write(async (tx) => {
          const insert = tx.query(SQL.messageInsert, messageValues(m, null, ownerOf(m)));
          const sendAt = opts?.sendAt !== undefined ? tx.query(SQL.messageSetSendAt, [m.sid, opts.sendAt]) : null;
          await allOf([insert, sendAt]);
          return null;
        });
      },
      due: async (now, limit) => (await rows<MessageRow>(SQL.messagesDue, [now, limit])).map(messageFromRow),
      get: async (account, sid) => {
        const row = await one<MessageRow>(SQL.messageGet, [sid, account]);
        return row ? messageFromRow(row) : null;
      },
      list: async (account, f: MessageFilter, page: Page) => {
        const filter = [account, f.to ?? null, f.from ?? null, f.sentAfter ?? null, f.sentBefore ?? null, f.number ?? null, f.handset ?? null,
          f.direction ?? null, f.status ?? null];
        const found = page.beforeSid !== undefined
          ? await rows<MessageRow>(SQL.messageListBefore, [...filter, page.beforeSid, page.pageSize])
          : await rows<MessageRow>(SQL.messageList, [...filter, page.afterSid ?? null, page.pageSize]);
        return found.map(messageFromRow);
      },
      thread: async (account, handset, opts) => (await rows<MessageRow>(SQL.messageThread, [account, handset, opts.number ?? null, opts.limit]))
        .map(messageFromRow).reverse(),
      repliesOf: async (account, inboundSid) => (await rows<MessageRow>(SQL.messageReplies, [inboundSid, account])).map(messageFromRow),
      setStatus: (sid, status, changes, callback, opts) => write(async (tx) => {
        const result = await tx.query<{ applied: boolean }>(SQL.messageSetStatus, [
          sid, status, changes.errorCode ?? null, changes.errorMessage ?? null, changes.dateSent ?? null, changes.at, opts?.from ?? null, node(),
          callback?.accountSid ?? null, callback?.conversationId ?? null, callback?.url ?? null,
          callback ? JSON.stringify(callback.params) : null, callback?.createdAt ?? null,
        ]);
        return result.rows[0]?.applied === true;
      }),
      update: (m, callback) => write(async (tx) => {
        await allOf([tx.query(SQL.messageUpdate, messageUpdateValues(m)), callback ? enqueueCallback(tx, callback) : null]);
      }),
      statusHistory: async (account, sid) => {
        const row = await one<{ status: string; date_created: string | number; status_history: string | null }>(SQL.messageStatusHistory, [sid, account]);
        return row ? parseStatusHistory(row.status, Number(row.date_created), row.status_history) : null;
      },
      delete: async (account, sid) => (await changed(SQL.messageDelete, [account, sid])) > 0,
      undelivered: async (limit, afterSid) => (await rows<MessageRow>(SQL.messagesTakeOver, [node(), limit, afterSid ?? null, Date.now() - OWN_STALE_MS]))
        .map(messageFromRow),
    },
    turns: {
      pending: async (limit) => (await rows<Pick<MessageRow, 'sid' | 'account_sid' | 'from_number' | 'to_number'>>(SQL.turnsPending, [limit]))
        .map((r) => ({
          messageSid: r.sid, accountSid: r.account_sid,
          conversationId: conversationId({ accountSid: r.account_sid, number: r.to_number, handset: r.from_number }),
        })),
      isDone: async (sid) => (await one<{ turn_state: string | null }>(SQL.turnState, [sid]))?.turn_state === 'done',
      complete: (o, opts) => {
        const id = o.conversation.id;
        return write(async (tx) => {
          const steps: Array<Promise<unknown>> = [];
          if (opts?.claim) steps.push(tx.query(SQL.fence, [id, node(), opts.claim.token]).catch(fenced(id)));
          for (const reply of o.replies) steps.push(tx.query(SQL.replyInsert, messageValues(reply, null, ownerOf(reply))));
          steps.push(tx.query(SQL.conversationUpsert, conversationValues(o.conversation)));
          for (const x of o.exchanges) steps.push(insertExchange(tx, x));
          for (const a of o.alerts) steps.push(insertAlert(tx, a));
          for (const c of o.callbacks ?? []) steps.push(enqueueCallback(tx, c));
          if (opts?.final !== false) steps.push(tx.query(SQL.turnFinish, [o.inboundSid, o.errorCode, o.errorMessage, o.conversation.lastActivity]));
          await allOf(steps);
        }, opts?.claim ? { conversation: id } : {});
      },
    },
    conversations: {
      get: async (id) => {
        const row = await one<ConversationRow>(SQL.conversationGet, [id]);
        return row ? conversationFromRow(row) : null;
      },
      list: async (account, limit) => (await rows<ConversationRow>(SQL.conversationList, [account, limit])).map(conversationFromRow),
      touch: (c) => write(async (tx) => void await tx.query(SQL.conversationTouch, [c.id, c.accountSid, c.number, c.handset, c.lastActivity])),
      forget: async (account, id) => (await changed(SQL.conversationForget, [account, id])) > 0,
      expire: (before) => changed(SQL.conversationsExpire, [before]),
    },
    exchanges: {
      insert: (x) => write(async (tx) => void await insertExchange(tx, x)),
      listForMessage: async (account, sid) => (await rows<ExchangeRow>(SQL.exchangesForMessage, [sid, account])).map(exchangeFromRow),
      deleteBefore: (before) => deleteInSlices(changed, SQL.exchangesDeleteBefore, sidBefore('WX', before)),
      listForConversation: async (account, id, limit) => {
        const conversation = await one<ConversationRow>(SQL.conversationGet, [id]);
        if (!conversation || conversation.account_sid !== account) return [];
        return (await rows<ExchangeRow>(SQL.exchangesForConversation, [account, id, conversation.number, conversation.handset, limit])).map(exchangeFromRow);
      },
    },
    alerts: {
      insert: (a) => write(async (tx) => void await insertAlert(tx, a)),
      get: async (account, sid) => (await records<AlertRecord>(SQL.alertGet, [account, sid]))[0] ?? null,
      deleteBefore: (before) => deleteInSlices(changed, SQL.alertsDeleteBefore, sidBefore('NO', before)),
      list: (account, page) => records<AlertRecord>(SQL.alertList, [account, page.afterSid ?? null, page.pageSize]),
    },
    keys: {
      insert: (k) => write(async (tx) => void await tx.query(SQL.keyInsert, keyValues(k))),
      update: (k) => write(async (tx) => void await tx.query(SQL.keyUpdate, [k.sid, k.accountSid, k.friendlyName, k.dateUpdated])),
      get: async (sid) => {
        const row = await one<ApiKeyRow>(SQL.keyGet, [sid]);
        return row ? keyFromRow(row) : null;
      },
      list: async (account, page) => (await rows<ApiKeyRow>(SQL.keyList, [account, page.afterSid ?? null, page.pageSize])).map(keyFromRow),
      delete: async (account, sid) => (await changed(SQL.keyDelete, [account, sid])) > 0,
    },
    optOuts: {
      add: (account, number, handset, at) => configWrite(write(async (tx) => void await tx.query(SQL.optOutAdd, [account, number, handset, at]))),
      remove: async (account, number, handset) => (await configWrite(changed(SQL.optOutRemove, [account, number, handset]))) > 0,
      has: (account, number, handset) => config.get(`opt-out ${account} ${number} ${handset}`,
        async () => (await one(SQL.optOutHas, [account, number, handset])) !== undefined),
    },
    services: {
      save: (m) => configWrite(write(async (tx) => void await tx.query(SQL.serviceUpsert, [m.sid, m.accountSid, JSON.stringify(m)]))),
      get: (account, sid) => config.get(`service ${account} ${sid}`,
        async () => (await records<MessagingServiceRecord>(SQL.serviceGet, [account, sid]))[0] ?? null),
      list: (account, page) => records<MessagingServiceRecord>(SQL.serviceList, [account, page.afterSid ?? null, page.pageSize]),
      delete: (account, sid) => configWrite(write(async (tx) => {
        const deleted = tx.query(SQL.serviceDelete, [account, sid]);
        await allOf([tx.query(SQL.serviceNumbersDeleteAll, [account, sid]), deleted]);
        return ((await deleted).rowCount ?? 0) > 0;
      })),
      addNumber: (account, service, number, at) => configWrite(write(async (tx) => void await tx.query(SQL.serviceNumberAdd, [service, number, account, at]))),
      removeNumber: async (account, service, number) => (await configWrite(changed(SQL.serviceNumberRemove, [account, service, number]))) > 0,
      numbers: async (account, service) => (await rows<PoolEntryRow>(SQL.serviceNumbers, [account, service])).map(poolEntryFromRow),
      serviceOf: (number) => config.get(`service of ${number}`, async () => (await one<{ service_sid: string }>(SQL.serviceOfNumber, [number]))?.service_sid ?? null),
    },
    callbacks: {
      enqueue: (c) => write(async (tx) => void await enqueueCallback(tx, c)),
      heads: async (limit) => (await rows<CallbackRow>(SQL.callbackHeads, [node(), limit])).map(callbackFromRow),
      retryLater: (id, attempts, nextAttemptAt, exchange) => write(async (tx) => {
        await allOf([tx.query(SQL.callbackRetry, [id, attempts, nextAttemptAt]), insertExchange(tx, exchange)]);
      }),
      finish: (id, exchange, alert) => write(async (tx) => {
        await allOf([tx.query(SQL.callbackFinish, [id]), exchange ? insertExchange(tx, exchange) : null, alert ? insertAlert(tx, alert) : null]);
      }),
    },
    carrierParts: carrierParts(write, rows),
    inboundParts: inboundParts(write, rows, insertTurn),
    schemaVersion: async () => {
      const client = await pool.connect().catch((error: unknown) => {
        throw asStoreError(error);
      });
      try {
        return { current: await schemaVersionOf(client), latest: MIGRATIONS.length };
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await one(SQL.ping, []); // its caller (readiness) bounds the wait
    },
    queueDepths: async () => {
      const row = await one<{ turns: string; outbound: string; callbacks: string }>(SQL.queueDepths, []);
      return { turns: Number(row?.turns ?? 0), outbound: Number(row?.outbound ?? 0), callbacks: Number(row?.callbacks ?? 0) };
    },
    close: async () => {
      await committer.close();
      await membership.leave();
      await notifications.close();
      await pool.end().catch(() => undefined);
    },
  };
}

/** Runs a sliced DELETE until nothing is left, one slice per transaction. */
async function deleteInSlices(changed: (statement: Statement, values: unknown[]) => Promise<number>, statement: Statement, bound: string): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await changed(statement, [bound]);
    total += deleted;
    if (deleted === 0) return total;
  }
}

/** A database's schema version, without migrating it or joining as a node (`parley db status`). */
export async function postgresSchemaVersion(url: string): Promise<{ current: number; latest: number }> {
  const client = new pg.Client(clientConfig(url, 'parley-db'));
  try {
    await client.connect();
    return { current: await schemaVersionOf(client), latest: MIGRATIONS.length };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Brings a database to the latest schema, under the migration lock (`parley db migrate`). */
export async function migratePostgres(url: string): Promise<number> {
  const client = new pg.Client(clientConfig(url, 'parley-db'));
  try {
    await client.connect();
    return await migrate(client, { migrate: true });
  } finally {
    await client.end().catch(() => undefined);
  }
}
