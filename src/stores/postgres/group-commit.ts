/**
 * Group commit for PostgreSQL: the writes queued while the previous batch was committing run in one
 * transaction on a dedicated, pipelined connection, and each caller's promise resolves only after
 * the COMMIT is confirmed. One commit (one WAL flush) per batch instead of one per write.
 *
 * Pipelining: a write normally issues all its statements at once (it does not wait for one result
 * before sending the next statement), so the whole batch (BEGIN, every write, COMMIT) goes out
 * without waiting for answers in between. A write that needs a result before its next statement is
 * marked `serial`: everything queued before it is answered first, and it runs alone in the stream.
 *
 * Failures: if a statement fails, the transaction is rolled back and every write of the batch runs
 * again in a transaction of its own, so a failing write rejects only its own promise (as the SQLite
 * committer does). If the connection breaks, the outcome of the batch is unknown: every write of it
 * rejects with StoreUnavailableError (not acknowledged) and the next batch opens a new connection.
 *
 * Lock order: writes that lock a conversation's claim row name it (`conversation`); when a batch
 * has several, they go first, ordered by conversation id, so two nodes' batches always take claim
 * row locks in the same order and cannot deadlock on them. Reordering is safe: a caller awaits each
 * write before queueing the next, so no write depends on another of the same batch.
 */
import type pg from 'pg';
import type { Socket } from 'node:net';
import type { QueryResult, QueryResultRow } from 'pg';
import { queryOf, type Statement } from './sql.js';
import { StoreUnavailableError } from '../errors.js';
import { isUnavailable } from './connection.js';

/** A batch's transaction, as a write sees it. */
export interface Tx {
  /** Sends a statement now; its result arrives later (pipelined). */
  query<R extends QueryResultRow = QueryResultRow>(statement: Statement, values?: unknown[]): Promise<QueryResult<R>>;
}

export interface WriteOptions {
  /** The write waits for a result before sending its next statement: run it alone in the stream. */
  serial?: boolean;
  /** The conversation whose claim row the write locks (for the batch's lock order). */
  conversation?: string;
}

/** A write through the group committer, as the store's parts are given it. */
export type Write = <T>(run: (tx: Tx) => Promise<T>, options?: WriteOptions) => Promise<T>;

interface PendingWrite {
  run: (tx: Tx) => Promise<unknown>;
  serial: boolean;
  conversation: string | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { kind: 'committed'; values: unknown[] } | { kind: 'failed'; errors: unknown[] } | { kind: 'broken'; cause: unknown };

/** At most this many writes in one transaction; the rest go in the next. */
const MAX_BATCH = 2000;

export class PgGroupCommitter {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private flushing: Promise<void> | null = null;
  private client: pg.Client | null = null;
  private socket: Socket | null = null;
  private closed = false;
  /** Commits made (for the write-path benchmark: writes per commit). */
  commits = 0;

  /**
   * `connect` opens the writer connection, with the socket under it: the committer corks it while it
   * sends a batch, so the batch's statements leave in one write instead of one system call each.
   */
  constructor(private readonly connect: () => Promise<{ client: pg.Client; socket: Socket }>) {}

  write<T>(run: (tx: Tx) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError(new Error('the store is closed')));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        run, serial: options.serial ?? false, conversation: options.conversation, resolve: resolve as (value: unknown) => void, reject,
      });
      this.schedule();
    });
  }

  /** Commits what is queued, then closes the connection. */
  async close(): Promise<void> {
    while (this.flushing || this.queue.length > 0) {
      if (!this.flushing) this.startFlush();
      await this.flushing;
    }
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** One batch at a time: what queues meanwhile goes in the next one. */
  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.flushing) this.startFlush();
    });
  }

  private startFlush(): void {
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async flush(): Promise<void> {
    const batch = lockOrder(this.queue.splice(0, MAX_BATCH));
    if (batch.length === 0) return;
    let client: pg.Client;
    let socket: Socket;
    try {
      ({ client, socket } = await this.connection());
    } catch (error) {
      const unavailable = new StoreUnavailableError(error);
      for (const w of batch) w.reject(unavailable);
      return;
    }
    const outcome = await transaction(client, socket, batch);
    if (outcome.kind === 'committed') {
      this.commits++;
      batch.forEach((w, i) => w.resolve(outcome.values[i]));
      return;
    }
    if (outcome.kind === 'broken') {
      this.drop(client);
      const unavailable = new StoreUnavailableError(outcome.cause);
      for (const w of batch) w.reject(unavailable);
      return;
    }
    if (batch.length === 1) {
      batch[0]!.reject(outcome.errors[0]);
      return;
    }
    // Find the culprit: each write alone, so the others still commit.
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!;
      const alone = await transaction(client, socket, [w]);
      if (alone.kind === 'committed') {
        this.commits++;
        w.resolve(alone.values[0]);
      } else if (alone.kind === 'failed') {
        w.reject(alone.errors[0]);
      } else {
        this.drop(client);
        const unavailable = new StoreUnavailableError(alone.cause);
        for (const rest of batch.slice(i)) rest.reject(unavailable);
        return;
      }
    }
  }

  private async connection(): Promise<{ client: pg.Client; socket: Socket }> {
    if (this.client && this.socket) return { client: this.client, socket: this.socket };
    const { client, socket } = await this.connect();
    // A broken socket must not crash the process: the next batch sees the failure and reconnects.
    client.on('error', () => this.drop(client));
    this.client = client;
    this.socket = socket;
    return { client, socket };
  }

  private drop(client: pg.Client): void {
    if (this.client === client) {
      this.client = null;
      this.socket = null;
    }
    client.end().catch(() => undefined);
  }
}

/** Claim-locking writes first, by conversation id (stable), when there are several. */
function lockOrder(batch: PendingWrite[]): PendingWrite[] {
  let locking = 0;
  for (const w of batch) if (w.conversation !== undefined) locking++;
  if (locking < 2) return batch;
  const claims = batch.filter((w) => w.conversation !== undefined);
  claims.sort((a, b) => (a.conversation! < b.conversation! ? -1 : a.conversation! > b.conversation! ? 1 : 0));
  return [...claims, ...batch.filter((w) => w.conversation === undefined)];
}

/** Runs the writes in one transaction; tells whether it committed, failed (rolled back) or broke. */
async function transaction(client: pg.Client, socket: Socket, writes: PendingWrite[]): Promise<Outcome> {
  let open = true;
  const tx: Tx = {
    query: <R extends QueryResultRow>(statement: Statement, values: unknown[] = []) => {
      // A pipelined write must send every statement before the batch's COMMIT goes out.
      if (!open) return Promise.reject(new Error(`statement ${statement.name} sent after its batch closed: mark the write serial`));
      return client.query<R>(queryOf(statement, values));
    },
  };
  socket.cork(); // everything sent until the next uncork leaves in one write
  const begin = client.query('BEGIN');
  const results: Array<Promise<unknown>> = [];
  let aborted = false;
  for (const w of writes) {
    if (w.serial) {
      // Its statements depend on results: everything before it must be answered first.
      socket.uncork();
      const before = await Promise.allSettled([begin, ...results]);
      if (before.some((r) => r.status === 'rejected')) {
        aborted = true;
        socket.cork();
        break;
      }
      const result = invoke(w.run, tx);
      results.push(result);
      await result.catch(() => undefined);
      socket.cork();
      continue;
    }
    results.push(invoke(w.run, tx));
  }
  const end = client.query(aborted ? 'ROLLBACK' : 'COMMIT');
  open = false;
  socket.uncork();
  const settled = await Promise.allSettled([begin, ...results, end]);
  const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  const broken = errors.find(isUnavailable);
  if (broken !== undefined) return { kind: 'broken', cause: broken };
  const committed = settled[settled.length - 1]!;
  if (errors.length === 0 && !aborted && committed.status === 'fulfilled' && (committed.value as QueryResult).command === 'COMMIT') {
    return { kind: 'committed', values: settled.slice(1, -1).map((r) => (r as PromiseFulfilledResult<unknown>).value) };
  }
  // The first error of each write is its own (later statements only report the aborted transaction).
  const perWrite = settled.slice(1, -1).map((r) => (r.status === 'rejected' ? r.reason : undefined));
  const first = errors[0] ?? new Error('the transaction was rolled back');
  return { kind: 'failed', errors: writes.map((_, i) => perWrite[i] ?? first) };
}

/**
 * Awaits a write's statements and rejects with the first failure in statement order: a failed
 * statement makes the ones after it fail too (the transaction is aborted), and the first is the
 * cause worth reporting. (Promise.all would report whichever failure settled first.)
 */
export async function allOf(steps: ReadonlyArray<Promise<unknown> | null>): Promise<unknown[]> {
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value);
}

function invoke(run: (tx: Tx) => Promise<unknown>, tx: Tx): Promise<unknown> {
  try {
    return run(tx);
  } catch (error) {
    return Promise.reject(error);
  }
}
