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
 * It also knows what the other nodes' observers want from it (./peer-interests.ts), read when it
 * joins and at every renewal, and tells them what its own want (`watch`): a node relays only what
 * some other node wants (events/relay.ts; bench/README.md, findings 121 and 122). Telling and
 * joining take one lock in turn, so that a node joining while another starts watching either reads
 * the watcher's row as it joins, or is one of the nodes the watcher waits for: it listens before it
 * joins, so it hears the watcher and answers. Either way it relays what the watcher wants from its
 * first event.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { SQL, queryOf } from './sql.js';
import { inTransaction } from './connection.js';
import { PeerInterests } from './peer-interests.js';

export interface MembershipOptions {
  leaseMs: number;
  /** Told about heartbeat failures (a log line). */
  onError?: (error: unknown, what: string) => void;
  /** Sends a control text to the other nodes over the broadcast channel (./notifications.ts). */
  send?: (text: string) => void;
}

/** What joining and renewing return besides the id: what the other nodes alive that watch want. */
interface WatchersRow { watchers: Array<[string, string]> }

/** How long `watch` waits for the nodes alive to answer (one that is stuck, or of an older version, never does). */
const ACK_WAIT_MS = 2000;

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
  /** What this node's observers want from the others (an interest text; '' for nothing). */
  private watching = '';
  private watchRound = 0;
  /** The last telling failed: the next heartbeat tells again, so the row and the other nodes catch up. */
  private tellAgain = false;
  /** Per telling of `watching` (its round): the nodes that have not answered yet, and the end of the wait. */
  private readonly unanswered = new Map<number, { nodes: Set<string>; done: () => void }>();
  readonly peers: PeerInterests;

  constructor(private readonly pool: pg.Pool, private readonly options: MembershipOptions) {
    this.ids.add(this.current);
    this.peers = new PeerInterests(options.leaseMs);
  }

  get id(): string {
    return this.current;
  }

  /**
   * Tells the other nodes what this node's observers want (`interest`, '' for nothing), and keeps
   * it in this node's row for nodes that join later. Resolves once every other node alive answered
   * (at most ACK_WAIT_MS); a failure is reported to onError and resolves too (events are best effort).
   */
  async watch(interest: string): Promise<void> {
    this.watching = interest;
    if (this.stopped) return;
    const round = ++this.watchRound;
    this.tellAgain = false;
    let others: string[];
    try {
      others = await this.inNodesOrder(async (client) => {
        const alive = await client.query<{ id: string }>(queryOf(SQL.nodeWatch, [this.current, interest]));
        await client.query(queryOf(SQL.nodeTell, [`${this.current} ${watchText(round, interest)}`])); // as Notifications.send frames it
        return alive.rows.map((r) => r.id);
      });
    } catch (error) {
      this.tellAgain = true;
      this.options.onError?.(error, "telling other nodes what this node's observers want failed; the next heartbeat tells again");
      return;
    }
    if (interest === '' || others.length === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), ACK_WAIT_MS);
      const done = (): void => {
        clearTimeout(timer);
        this.unanswered.delete(round);
        resolve();
      };
      this.unanswered.set(round, { nodes: new Set(others), done });
    });
  }

  /**
   * A control text from another node (./notifications.ts): `!watch <round> <interest>`, which this
   * node records and answers, or `!ack <watcher> <round>`, an answer to this node's telling.
   */
  heardControl(sender: string, text: string): void {
    const [verb, first = '', second = ''] = splitControl(text);
    if (verb === '!watch') {
      this.peers.heard(sender, second);
      this.options.send?.(`!ack ${sender} ${first}`); // sent after this node's earlier payloads, in order
    } else if (verb === '!ack' && first === this.current) {
      const waiting = this.unanswered.get(Number(second));
      if (waiting?.nodes.delete(sender) && waiting.nodes.size === 0) waiting.done();
    }
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
      const renewed = await this.pool.query<WatchersRow>(queryOf(SQL.nodeRenew, [this.current]));
      if (renewed.rowCount === 1) {
        this.renewedAt = performance.now();
        this.readWatchers(renewed, askedAt);
        if (this.tellAgain) void this.watch(this.watching);
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

  /** Inserts the node's row under `id` (with what its observers want), and reads what the other nodes alive watch. */
  private async register(id: string): Promise<void> {
    const askedAt = performance.now();
    const joined = await this.inNodesOrder((client) => client.query<WatchersRow>(
      queryOf(SQL.nodeJoin, [id, this.options.leaseMs, process.pid, hostname(), this.watching]),
    ));
    this.readWatchers(joined, askedAt);
  }

  /** Runs `work` in a transaction that holds the lock joining and watching take in turn. */
  private async inNodesOrder<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      const result = await inTransaction(client, async () => {
        await client.query(queryOf(SQL.nodesOrder, []));
        return work(client);
      });
      client.release();
      return result;
    } catch (error) {
      client.release(true); // a connection whose transaction failed is not handed out again
      throw error;
    }
  }

  /** What the other nodes alive watch, as the database said when asked at `askedAt`. */
  private readWatchers(result: pg.QueryResult<WatchersRow>, askedAt: number): void {
    this.peers.read(result.rows[0]?.watchers ?? [], askedAt);
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
    // Under its new id, the other nodes read what it watches at their next heartbeat; tell them now.
    if (this.watching !== '') this.options.send?.(watchText(++this.watchRound, this.watching));
    await this.pool.query(SQL.nodesForget).catch(() => undefined);
  }
}

/** The control text telling what this node's observers want, in its `round` of telling. */
function watchText(round: number, interest: string): string {
  return `!watch ${round} ${interest}`;
}

/** `!verb a b` into its three parts; the last may be empty (an interest of nothing). */
function splitControl(text: string): [string, string?, string?] {
  const first = text.indexOf(' ');
  if (first < 0) return [text];
  const second = text.indexOf(' ', first + 1);
  if (second < 0) return [text.slice(0, first), text.slice(first + 1)];
  return [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
}
