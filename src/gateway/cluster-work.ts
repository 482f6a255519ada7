/**
 * A node's share of the work when several nodes share the store: every second (and at once when
 * this node had to join again) it claims the conversations nobody runs and takes over the
 * deliveries of dead nodes; when this node lost its lease it drops what it held in memory first.
 * Status callbacks need nothing here: their dispatcher polls the outbox every second, and the
 * store hands it only the heads this node may send (webhooks/status-callbacks.ts).
 */
import type { ClusterMembership } from '../stores/store.js';
import type { ClaimedTurnScheduler } from '../conversations/claimed-scheduler.js';
import type { Delivery } from '../delivery/delivery.js';
import type { Logger } from '../logging/logger.js';

export interface ClusterWorkOptions {
  cluster: ClusterMembership;
  scheduler: ClaimedTurnScheduler;
  delivery: Delivery;
  logger: Logger;
  /** How often to look for work nobody does (default 1 s). */
  pollMs?: number;
}

export class ClusterWork {
  private timer: NodeJS.Timeout | null = null;
  private passing: Promise<void> | null = null;
  private stopped = false;
  private readonly offLeaseLost: () => void;

  constructor(private readonly options: ClusterWorkOptions) {
    this.offLeaseLost = options.cluster.onLeaseLost(() => {
      options.logger.warn({ node: options.cluster.nodeId }, 'this node lost its lease (no heartbeat in time): it dropped its work and joined again');
      options.scheduler.dropAll();
      options.delivery.forget();
      void this.pass();
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  /** One look for work nobody does. */
  pass(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.passing ??= (async () => {
      try {
        await this.options.scheduler.poll();
        await this.options.delivery.resume();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'looking for work of dead nodes failed; the next poll tries again');
      }
    })().finally(() => {
      this.passing = null;
    });
    return this.passing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.offLeaseLost();
    await this.passing;
  }
}
