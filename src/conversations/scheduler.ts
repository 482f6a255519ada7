/**
 * Runs turns one at a time per conversation, in arrival order, and different conversations
 * concurrently (up to a limit), so two quick messages from one handset never race on the jar.
 *
 * Memory stays bounded however long the backlog: at most `maxQueued` turn ids are held in memory.
 * Past that the scheduler stops taking turns in memory and, once it has drained, reads the
 * backlog from the store in arrival order (the store holds every pending turn anyway).
 *
 * A turn that fails inside Parley (a store error, not an app error: those are outcomes) is run
 * again after a backoff, and its conversation waits for it: later turns must see its cookies.
 */
import type { PendingTurn } from '../stores/records.js';

export interface SchedulerOptions {
  run: (turn: PendingTurn) => Promise<void>;
  loadPending: (limit: number) => Promise<PendingTurn[]>;
  maxConcurrent?: number;
  maxQueued?: number;
  onError?: (error: unknown, turn: PendingTurn) => void;
  /** First backoff after a failed turn (doubling, at most 60 s); 500 ms by default. */
  retryBaseMs?: number;
}

export class TurnScheduler {
  private readonly queues = new Map<string, PendingTurn[]>();
  private readonly ready: string[] = [];
  private readonly known = new Set<string>();
  private running = 0;
  private queued = 0;
  private overflow = false;
  private stopping = false;
  private reloading: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;

  constructor(private readonly options: SchedulerOptions) {
    this.maxConcurrent = options.maxConcurrent ?? 256;
    this.maxQueued = options.maxQueued ?? 50_000;
  }

  /** Takes a newly stored turn. */
  enqueue(turn: PendingTurn): void {
    if (this.stopping || this.known.has(turn.messageSid)) return;
    if (this.overflow || this.queued >= this.maxQueued) {
      this.overflow = true; // it is in the store; it will be read back in order
      return;
    }
    this.add(turn);
    this.pump();
  }

  /** Reads every pending turn from the store (at start, and after an overflow). */
  async resume(): Promise<void> {
    if (this.reloading) return this.reloading;
    this.reloading = (async () => {
      const pending = await this.options.loadPending(this.maxQueued);
      this.overflow = pending.length >= this.maxQueued;
      for (const turn of pending) if (!this.known.has(turn.messageSid)) this.add(turn);
      this.pump();
    })().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  get size(): { running: number; queued: number } {
    return { running: this.running, queued: this.queued };
  }

  /** Stops starting turns; resolves when the running ones have finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private add(turn: PendingTurn): void {
    this.known.add(turn.messageSid);
    this.queued++;
    const queue = this.queues.get(turn.conversationId);
    if (queue) {
      queue.push(turn);
    } else {
      this.queues.set(turn.conversationId, [turn]);
      this.ready.push(turn.conversationId);
    }
  }

  private pump(): void {
    while (!this.stopping && this.running < this.maxConcurrent && this.ready.length > 0) {
      const id = this.ready.shift()!;
      const turn = this.queues.get(id)?.[0];
      if (!turn) continue;
      this.running++;
      void this.options.run(turn).then(
        () => this.finished(id, turn),
        (error: unknown) => {
          this.options.onError?.(error, turn);
          this.retryLater(id, turn);
        },
      );
    }
  }

  /** Keeps the failed turn at the head of its conversation and runs it again after a backoff. */
  private retryLater(id: string, turn: PendingTurn): void {
    this.running--;
    const failures = (this.failures.get(turn.messageSid) ?? 0) + 1;
    this.failures.set(turn.messageSid, failures);
    // Part of the failed run may be stored: the next run must read the turn back from the store.
    const { inbound: _firstRunOnly, ...fromStore } = turn;
    const queue = this.queues.get(id);
    if (queue && queue[0] === turn) queue[0] = fromStore;
    if (this.stopping) {
      if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      return; // it stays pending in the store and runs after the next start
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.ready.push(id);
      this.pump();
    }, Math.min(60_000, (this.options.retryBaseMs ?? 500) * 2 ** Math.min(failures - 1, 10)));
    timer.unref();
    this.retryTimers.add(timer);
    this.pump();
  }

  private finished(id: string, turn: PendingTurn): void {
    this.failures.delete(turn.messageSid);
    this.running--;
    this.queued--;
    this.known.delete(turn.messageSid);
    const queue = this.queues.get(id)!;
    queue.shift();
    if (queue.length > 0) this.ready.push(id);
    else this.queues.delete(id);
    if (this.stopping) {
      if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    this.pump();
    if (this.overflow && this.queued === 0) void this.resume();
  }
}
