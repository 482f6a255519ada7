/**
 * Starts a whole Parley (store, gateway, HTTP server) from a configuration, for `parley serve`,
 * `parley dev` and the in-process test harness; `stop()` shuts it down in order.
 */
import type { FastifyInstance } from 'fastify';
import { ManualClock, SystemClock, type Clock } from '../clock/clock.js';
import { openStore } from '../stores/registry.js';
import type { Store } from '../stores/store.js';
import { Gateway } from '../gateway/gateway.js';
import { ensureDefaultAccount } from '../gateway/accounts.js';
import { createChannels, reloadChannels, type ChannelChanges } from '../channels/registry.js';
import type { ChannelConfig } from '../config/channels.js';
import { createHttpServer } from '../http/server.js';
import { createLogger, type Logger } from '../logging/logger.js';
import type { AccountRecord } from '../stores/records.js';
import type { RetryPolicy } from '../webhooks/status-callbacks.js';
import { DEFAULT_TRACE_RETENTION_MS } from '../config/schema.js';
import { ParleyMetrics } from '../metrics/metrics.js';
import { StatusHistory } from '../metrics/history.js';
import { logEvents } from '../logging/events.js';

export interface ParleyOptions {
  port: number;
  host: string;
  db: string;
  sessionTtlMs: number;
  /** Development mode: a manual clock that `POST /simulator/clock` can advance. */
  dev: boolean;
  accountSid?: string | undefined;
  authToken?: string | undefined;
  logger?: Logger;
  /** Overrides the clock (the harness passes its own manual clock). */
  clock?: Clock;
  /** Refuse webhooks to private and link-local addresses (off by default). */
  blockPrivateWebhooks?: boolean;
  /** How long webhook exchange records and alerts are kept (default 30 days). */
  traceRetentionMs?: number;
  /** Host names besides `host`, localhost and IP addresses that browsers may use (the console's DNS-rebinding check). */
  allowedHosts?: readonly string[];
  /** Overrides the status-callback retry policy (tests shorten it; the default is 10 minutes). */
  statusCallbackRetry?: Partial<RetryPolicy>;
  /** A shared (PostgreSQL) store: how long this node keeps its work without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** A SQLite store: the least time between two commits (`--commit-delay`; 0, the default here, commits every tick). */
  commitDelayMs?: number;
  /** Carrier channels (the configuration file's `channels:`); numbers none lists stay on the simulator. */
  channels?: readonly ChannelConfig[];
  /** No simulator: numbers no channel carries send nothing, and no handset is simulated (`--carriers-only`). */
  carriersOnly?: boolean;
  /** Reverse proxies whose X-Forwarded-* headers are believed (addresses, CIDRs, `loopback`). */
  trustProxy?: readonly string[];
  /** How long `stop()` lets running turns and requests finish (default 30 s); what is left stays pending. */
  drainTimeoutMs?: number;
  /** How often the console's status page samples the metrics (default 5 s; tests shorten it). */
  statusSampleMs?: number;
}

export interface RunningParley {
  url: string;
  port: number;
  account: AccountRecord;
  /** True when the credentials were generated on this start (so they should be printed). */
  generatedCredentials: boolean;
  gateway: Gateway;
  store: Store;
  clock: Clock;
  http: FastifyInstance;
  metrics: ParleyMetrics;
  /**
   * Drains and stops: `/readyz` answers 503 at once and new messages are refused (20503); running
   * turns finish and commit, channels unbind, open requests end; then the store closes. Bounded by
   * `drainTimeoutMs`: what has not finished by then stays pending for the next start.
   */
  stop(): Promise<void>;
  /**
   * Runs the carrier channels of a reloaded configuration (`parley serve` on SIGHUP): unchanged
   * channels keep running, changed ones take the change while running when they can (a window, a
   * number of binds) and restart otherwise, new ones start, removed ones stop. One reload at a
   * time; none once stopping.
   */
  reloadChannels(channels: readonly ChannelConfig[]): Promise<ChannelChanges>;
}

export async function startParley(options: ParleyOptions): Promise<RunningParley> {
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? (options.dev ? new ManualClock() : new SystemClock());
  const store = await openStore(options.db, {
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.commitDelayMs !== undefined ? { commitDelayMs: options.commitDelayMs } : {}),
    onError: (error, what) => logger.warn({ err: error }, what),
  });
  try {
    const { account, generated } = await ensureDefaultAccount(store, clock.now(), {
      ...(options.accountSid ? { sid: options.accountSid } : {}),
      ...(options.authToken ? { authToken: options.authToken } : {}),
    });
    const channels = createChannels(options.channels ?? [], { logger, clock }, options.carriersOnly ?? false);
    const gateway = new Gateway({ store, clock, channels, sessionTtlMs: options.sessionTtlMs, logger,
      blockPrivateWebhooks: options.blockPrivateWebhooks ?? false, traceRetentionMs: options.traceRetentionMs ?? DEFAULT_TRACE_RETENTION_MS });
    const metrics = new ParleyMetrics(gateway);
    const history = new StatusHistory(() => metrics.snapshot(), options.statusSampleMs);
    const stopLogging = logEvents(gateway, logger);
    const http = await createHttpServer({ gateway, logger, devClock: clock instanceof ManualClock ? clock : null, hosts: [options.host, ...(options.allowedHosts ?? [])],
      statusCallbackRetry: options.statusCallbackRetry, trustProxy: options.trustProxy, operations: { metrics, history, defaultAccountSid: account.sid } });
    // Listening before the gateway resumes a previous run's work: /readyz says `starting` meanwhile.
    await http.listen({ port: options.port, host: options.host });
    try {
      await gateway.start();
    } catch (error) {
      metrics.stop();
      stopLogging();
      await gateway.stop(0);
      await http.close();
      throw error;
    }
    history.start();
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
    const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
    let stopped: Promise<void> | null = null;
    let reloading: Promise<unknown> = Promise.resolve();
    return {
      url: `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${port}`,
      port,
      account,
      generatedCredentials: generated,
      gateway,
      store,
      clock,
      http,
      metrics,
      stop: () => (stopped ??= (async () => {
        const deadline = Date.now() + drainTimeoutMs;
        history.stop();
        const finished = await gateway.stop(drainTimeoutMs); // running turns commit, channels unbind
        if (!finished) logger.warn({ drainTimeoutMs }, 'drain timed out: the turns still running stay pending and run again at the next start');
        gateway.events.endWaits(); // long-polls answer now instead of holding the server open
        await closeHttp(http, finished ? Math.max(1_000, deadline - Date.now()) : 0);
        metrics.stop();
        stopLogging();
        await store.close(); // before abandoning turns still running, so nothing they do commits
        if (!finished) await gateway.abandon();
      })()),
      reloadChannels: (configs) => {
        const reload = reloading.then(() => {
          if (stopped || gateway.phase !== 'ready') throw new Error(`Parley is ${stopped ? 'stopping' : gateway.phase}; the channels were not reloaded`);
          return reloadChannels(channels, configs, { logger, clock });
        });
        reloading = reload.catch(() => undefined);
        return reload;
      },
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** Stops listening and lets open requests finish for `graceMs`, then cuts the connections left. */
async function closeHttp(http: FastifyInstance, graceMs: number): Promise<void> {
  const closing = http.close();
  const timer = setTimeout(() => http.server.closeAllConnections(), graceMs);
  try {
    await closing;
  } finally {
    clearTimeout(timer);
  }
}
