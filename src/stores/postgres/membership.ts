/**
 * This process as a node of the gateway: a row in `nodes` with a heartbeat in database time,
 * renewed every lease/3. A node whose heartbeat is older than its lease is dead, and other nodes
 * take its conversations, deliveries and status callbacks over.
 *
 * A node must stop trusting its claims before others can take them (River's term-scoped lease is
 * the model): the renewal only succeeds while the lease still runs, and when it could not renew
 * for (lease - margin) by its own monotonic clock, or the database says its lease ran out, it
 * tells its listeners to drop what they hold in memory, and joins again under a new id (the old
 * row is deleted, so its leftovers are taken over at once, by any node, this one included).
 * Commits stay fenced in the database either way; this only stops a node that lost its lease
 * from starting more work on the strength of it.
 *
 * It also knows whether it is alone: joining and every renewal count the other nodes alive, and a
 * word from another node over the broadcast channel (its announcement when it joins, or anything
 * it broadcasts) proves it alive for a lease. A node alone broadcasts its events to nobody
 * (events/relay.ts), which on one node was a sixth of a turn's CPU (bench/README.md, finding 121).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { SQL, queryOf } from './sql.js';

export interface MembershipOptions {
  leaseMs: number;
  /** Told about heartbeat failures (a log line). */
  onError?: (error: unknown, what: string) => void;
}

/** What joining and renewing return besides the id: how many other nodes are alive. */
interface OthersRow { others: number }

function newNodeId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class Membership {
  /** Every id this process has had: payloads from them are its own. */
  readonly ids = new Set<string>();
  private current = newNodeId();
  private timer: NodeJS.Timeout | null = null;
  /** performance.now() of the last renewal the database confirmed. */
  private renewedAt = 0;
  /** Set once this node stopped trusting its claims; it joins again as soon as it can. */
  private lost = false;
  private beating: Promise<void> | null = null;
  private readonly listeners = new Set<() => void>();
  private stopped = false;
  /** performance.now() until which another node is known to be alive, and when one was last heard from. */
  private othersAliveUntil = 0;
  private heardAt = -1;

  constructor(private readonly pool: pg.Pool, private readonly options: MembershipOptions) {
    this.ids.add(this.current);
  }

  get id(): string {
    return this.current;
  }

  /** Whether no other node is known to be alive: the last count found none, and none was heard from since. */
  get alone(): boolean {
    return performance.now() >= this.othersAliveUntil;
  }

  /** Another node was heard from over the broadcast channel: it is alive for at least a lease. */
  heardFromOther(): void {
    this.heardAt = performance.now();
    this.othersAliveUntil = Math.max(this.othersAliveUntil, this.heardAt + this.options.leaseMs);
  }

  /** Registers the node and starts the heartbeat. */
  async join(): Promise<void> {
    await this.register(this.current);
    this.renewedAt = performance.now();
    const every = Math.max(50, Math.floor(this.options.leaseMs / 3));
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
  }

  onLeaseLost(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the heartbeat and deletes the node's row: its leftovers are taken over at once. */
  async leave(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.beating;
    await this.pool.query(queryOf(SQL.nodeLeave, [this.current])).catch(() => undefined);
  }

  /** One heartbeat (also called by tests through the timer). */
  private beat(): Promise<void> {
    this.beating ??= this.renew().finally(() => {
      this.beating = null;
    });
    return this.beating;
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    const margin = Math.min(5000, this.options.leaseMs / 6);
    if (!this.lost && performance.now() - this.renewedAt > this.options.leaseMs - margin) {
      // Cut off from the database for nearly a lease: stop now, before others may take our work.
      this.lost = true;
      this.tellLost();
    }
    try {
      if (this.lost) {
        await this.rejoin();
        return;
      }
      const askedAt = performance.now();
      const renewed = await this.pool.query<OthersRow>(queryOf(SQL.nodeRenew, [this.current]));
      if (renewed.rowCount === 1) {
        this.renewedAt = performance.now();
        this.counted(renewed, askedAt);
        return;
      }
      // The database says the lease ran out (this process was paused, or cut off): others may hold
      // our work. Join again first, so that what listeners do next runs under the new id.
      await this.rejoin();
      this.tellLost();
    } catch (error) {
      this.options.onError?.(error, 'node heartbeat failed');
    }
  }

  /** Inserts the node's row under `id`, and takes the count of the other nodes alive that comes back. */
  private async register(id: string): Promise<void> {
    const askedAt = performance.now();
    this.counted(await this.pool.query<OthersRow>(queryOf(SQL.nodeJoin, [id, this.options.leaseMs, process.pid, hostname()])), askedAt);
  }

  /**
   * The database's count of the other nodes alive, asked at `askedAt`, which overrides what was heard
   * before then: a node that left deleted its row, and one that died stopped renewing it. A node heard
   * from since may have joined after the count's snapshot, so a count of none leaves it be.
   */
  private counted(result: pg.QueryResult<OthersRow>, askedAt: number): void {
    const others = result.rows[0]?.others ?? 0;
    if (others > 0) this.othersAliveUntil = performance.now() + this.options.leaseMs;
    else if (this.heardAt < askedAt) this.othersAliveUntil = 0;
  }

  /** Stops trusting this node's claims: listeners drop their in-memory work. */
  private tellLost(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.options.onError?.(error, 'a lease-lost listener failed');
      }
    }
  }

  private async rejoin(): Promise<void> {
    const old = this.current;
    const next = newNodeId();
    await this.pool.query(queryOf(SQL.nodeLeave, [old]));
    await this.register(next);
    this.ids.add(next);
    this.current = next;
    this.renewedAt = performance.now();
    this.lost = false;
    await this.pool.query(SQL.nodesForget).catch(() => undefined);
  }
}
