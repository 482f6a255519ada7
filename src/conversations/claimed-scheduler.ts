/**
 * The turn scheduler of a node sharing its store with other nodes: it runs the turns of the
 * conversations this node holds a claim on (see `ClusterMembership` in stores/store.ts), one at a
 * time per conversation, different conversations concurrently, as ./scheduler.ts does on one node.
 *
 * The store is the truth about order. A conversation's queue here is a list the store handed out
 * under the claim (`nextTurns`, in commit order, including turns other nodes accepted); when it is
 * used up, the store is asked again, and a conversation with nothing left is released in that
 * same transaction, so a turn accepted anywhere meanwhile is either seen or finds the claim free.
 * A turn accepted here while the conversation is held is not appended (it would jump ahead of a
 * turn another node accepted before it): the next read finds it in its place.
 *
 * A commit refused because another node took the conversation over (LeaseLostError) drops it from
 * memory and is never retried. Any other failure (a database restart, say) reads the conversation
 * again after a backoff. Conversations nobody runs (free with pending turns, a dead node's) are
 * claimed by `poll()`, which the gateway calls every second and at start.
 */
import type { PendingTurn, TurnClaim } from '../stores/records.js';
import type { ClusterMembership } from '../stores/store.js';
import { LeaseLostError } from '../stores/errors.js';

export interface ClaimedSchedulerOptions {
  run: (turn: PendingTurn) => Promise<void>;
  claims: Pick<ClusterMembership, 'nextTurns' | 'claimConversations'>;
  /** Concurrent turns across conversations. */
  maxConcurrent?: number;
  onError?: (error: unknown, conversationId: string) => void;
  /** A turn's commit was refused: another node holds its conversation now. */
  onFenced?: (turn: PendingTurn) => void;
  /** First backoff after a failure (doubling, at most 60 s); 500 ms by default. */
  retryBaseMs?: number;
}

/** Turns read from the store at a time for one conversation. */
const READ_LIMIT = 100;

interface Held {
  id: string;
  claim: TurnClaim;
  queue: PendingTurn[];
  state: 'ready' | 'running' | 'reading' | 'waiting';
  failures: number;
}

export class ClaimedTurnScheduler {
  private readonly held = new Map<string, Held>();
  private readonly ready: Held[] = [];
  private running = 0;
  private stopping = false;
  private readonly work = new Set<Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private polling: Promise<void> | null = null;
  private readonly maxConcurrent: number;

  constructor(private readonly options: ClaimedSchedulerOptions) {
    this.maxConcurrent = options.maxConcurrent ?? 256;
  }

  /** A turn this node just stored, with what the store said about its conversation's claim. */
  enqueue(turn: PendingTurn): void {
    if (this.stopping) return;
    const claim = turn.claim;
    if (!claim) {
      // Stored without a claim answer (an assembled long message): look at once (if that fails,
      // the gateway's periodic poll looks again).
      this.poll().catch(() => undefined);
      return;
    }
    const known = this.held.get(turn.conversationId);
    if (known) {
      // Held already: its next read finds this turn in its place. A higher token means it was
      // released and claimed again meanwhile; the read in flight sees that and reads again.
      if (claim.token > known.claim.token) known.claim = claim;
      return;
    }
    if (claim.how === 'acquired') this.makeReady(this.hold(turn.conversationId, claim, [turn]));
    else this.read(this.hold(turn.conversationId, claim, [])); // earlier turns (a dead node's) come first
  }

  /** Claims conversations nobody runs, up to the free capacity, and starts them. */
  poll(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.polling ??= this.claimMore().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  /** The same as `poll` (the interface of the single-node scheduler). */
  resume(): Promise<void> {
    return this.poll();
  }

  /** This node lost its lease: forget every conversation (running turns are fenced at commit). */
  dropAll(): void {
    this.held.clear();
    this.ready.length = 0;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  get size(): { running: number; queued: number } {
    let queued = 0;
    for (const c of this.held.values()) queued += c.queue.length;
    return { running: this.running, queued };
  }

  /** Stops starting turns; resolves when running turns and reads have finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private async claimMore(): Promise<void> {
    const free = this.maxConcurrent - this.running;
    if (free <= 0) return;
    const claimed = await this.options.claims.claimConversations(Math.max(16, free));
    for (const { conversationId, claim } of claimed) {
      const known = this.held.get(conversationId);
      if (known) {
        if (claim.token > known.claim.token) known.claim = claim;
        continue;
      }
      this.read(this.hold(conversationId, claim, []));
    }
  }

  private hold(id: string, claim: TurnClaim, queue: PendingTurn[]): Held {
    const c: Held = { id, claim, queue, state: 'ready', failures: 0 };
    this.held.set(id, c);
    return c;
  }

  private current(c: Held): boolean {
    return this.held.get(c.id) === c;
  }

  private track<T>(promise: Promise<T>): void {
    const tracked = promise.then(() => undefined, () => undefined).finally(() => this.work.delete(tracked));
    this.work.add(tracked);
  }

  /** Reads the conversation's next turns under its claim (and releases it when there are none). */
  private read(c: Held): void {
    if (this.stopping) return;
    c.state = 'reading';
    const token = c.claim.token;
    this.track(this.options.claims.nextTurns(c.id, c.claim, READ_LIMIT).then((turns) => {
      if (!this.current(c)) return;
      if (c.claim.token !== token) return this.read(c); // claimed again meanwhile: read under the new claim
      if (turns.length === 0) {
        this.held.delete(c.id); // released in the same transaction
        return;
      }
      c.queue = turns;
      this.makeReady(c);
    }, (error: unknown) => {
      if (!this.current(c)) return;
      if (error instanceof LeaseLostError) {
        if (c.claim.token === token) this.held.delete(c.id);
        else this.read(c);
        return;
      }
      this.options.onError?.(error, c.id);
      this.retryLater(c);
    }));
  }

  private makeReady(c: Held): void {
    c.state = 'ready';
    this.ready.push(c);
    this.pump();
  }

  private pump(): void {
    while (!this.stopping && this.running < this.maxConcurrent && this.ready.length > 0) {
      const c = this.ready.shift()!;
      if (!this.current(c) || c.state !== 'ready') continue;
      const head = c.queue[0];
      if (!head) {
        this.read(c);
        continue;
      }
      c.state = 'running';
      this.running++;
      // Object.assign, not a spread: V8 would give each turn a hidden class of its own (bench/README.md,
      // finding 48).
      const turn: PendingTurn = Object.assign({}, head, { claim: c.claim });
      this.track(this.options.run(turn).then(() => this.finished(c, turn, null), (error: unknown) => this.finished(c, turn, error)));
    }
  }

  private finished(c: Held, turn: PendingTurn, error: unknown): void {
    this.running--;
    // Said whether or not the conversation is still held here: when the heartbeat noticed the lost
    // lease first, dropAll() already forgot it, and the refused commit is still worth a line.
    if (error instanceof LeaseLostError) this.options.onFenced?.(turn);
    if (this.current(c) && !this.stopping) {
      if (error === null) {
        c.failures = 0;
        c.queue.shift();
        // Turns read together are in commit order, and anything stored later comes after them.
        if (c.queue.length > 0) this.makeReady(c);
        else this.read(c);
      } else if (error instanceof LeaseLostError) {
        if (turn.claim!.token === c.claim.token) this.held.delete(c.id);
        else this.read(c);
      } else {
        this.options.onError?.(error, c.id);
        this.retryLater(c);
      }
    }
    this.pump();
  }

  /** After a failure: read the conversation again (the store may have changed) after a backoff. */
  private retryLater(c: Held): void {
    c.failures++;
    c.state = 'waiting';
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.current(c)) this.read(c);
    }, Math.min(60_000, (this.options.retryBaseMs ?? 500) * 2 ** Math.min(c.failures - 1, 10)));
    timer.unref();
    this.timers.add(timer);
  }
}
