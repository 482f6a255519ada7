/**
 * The gateway's Prometheus metrics, one registry per running Parley (never prom-client's global
 * one). The series and their labels are a contract (docs/deploying.md, "What to watch"):
 *   parley_messages_received_total{channel}, parley_messages_sent_total{channel},
 *   parley_message_status_total{status}, parley_turns_total{outcome}, parley_turn_duration_seconds,
 *   parley_webhook_duration_seconds, parley_queue_depth{queue}, parley_channel_up{channel},
 * plus parley_errors_total{code} and parley_receipts_unmatched_total; for channels that present a
 * client certificate, parley_channel_client_certificate_expiry_timestamp_seconds{channel}; for
 * channels that keep binds (SMPP), parley_channel_binds{channel,state}; for channels with
 * failovers, parley_channel_failovers_total{channel}; with
 * several nodes on one database, parley_cluster_nodes{state}; and, as Prometheus names its own,
 * parley_config_last_reload_successful and parley_config_last_reload_success_timestamp_seconds.
 *
 * Counted from the event bus (events describe committed state) and the channel router, as plain
 * numbers: the hot path pays a Map increment per event, and the collectors turn the numbers into
 * samples when Prometheus scrapes. Queue depths come from the store's index counts at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Gateway } from '../gateway/gateway.js';
import type { GatewayEvent } from '../events/bus.js';
import type { MessageStatus } from '../stores/records.js';
import type { QueueDepths } from '../stores/store.js';
import { processRegistry } from './process.js';
import { within } from '../clock/deadline.js';

/** A scrape waits this long for the store's list of nodes before leaving the series out. */
const NODES_TIMEOUT_MS = 2_000;

/** Turns include the app's time (Twilio's 15 s budget, a fallback after it), so the buckets reach 60 s. */
export const TURN_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60];
/** One webhook request, up to Twilio's 15 s budget. */
export const WEBHOOK_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

const STATUSES: readonly MessageStatus[] = ['accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'received', 'canceled'];

/** What the status page reads: the same numbers the collectors expose. */
export interface MetricsSnapshot {
  at: number;
  received: number;
  sent: number;
  turnsOk: number;
  turnsError: number;
  /** The turn-duration histogram: cumulative counts per upper bound (TURN_SECONDS_BUCKETS, then +Inf), sum and count. */
  turnBuckets: number[];
  turnSum: number;
  turnCount: number;
  errors: ReadonlyMap<string, number>;
  /** Null when the store did not answer. */
  queues: QueueDepths | null;
}

export class ParleyMetrics {
  readonly registry = new Registry();
  private readonly received = new Map<string, number>();
  private readonly statuses = new Map<string, number>(STATUSES.map((s) => [s, 0]));
  private readonly turns = new Map<string, number>([['ok', 0], ['error', 0]]);
  private readonly errors = new Map<string, number>();
  private readonly turnSeconds: Histogram;
  private readonly webhookSeconds: Histogram;
  private readonly unsubscribe: () => void;
  private depthsRead: { until: number; value: Promise<QueueDepths | null> } | null = null;
  /** The last reload of the configuration (`parley serve` on SIGHUP); the start counts as a successful one. */
  private lastReload = { successful: true, lastSuccessAt: Date.now() };

  constructor(private readonly gateway: Gateway) {
    const registers = [this.registry];
    tallied(this.registry, 'parley_messages_received_total', 'Inbound messages stored, by the channel they came by.', 'channel', () => this.everyChannel(this.received));
    tallied(this.registry, 'parley_messages_sent_total', 'Outbound messages a channel took (handed to the network), by channel.', 'channel', () => this.everyChannel(gateway.channels.sentCounts));
    tallied(this.registry, 'parley_channel_failovers_total', 'Outbound messages of a channel\'s numbers that one of its failover channels took while it was not bound, by the channel they failed over from.', 'channel', () => this.failoverChannels(gateway.channels.failoverCounts));
    tallied(this.registry, 'parley_message_status_total', 'Statuses messages reached (each status of each message once), by status.', 'status', () => this.statuses);
    tallied(this.registry, 'parley_turns_total', 'Conversation turns committed, by outcome: ok, or error (the app failed; the code is in parley_errors_total).', 'outcome', () => this.turns);
    tallied(this.registry, 'parley_errors_total', 'Errors recorded, by Twilio code: error-log entries (webhook, TwiML, callbacks) and messages that ended failed or undelivered.', 'code', () => this.errors);
    new Counter({
      name: 'parley_receipts_unmatched_total', help: 'Carrier delivery receipts that matched no message.', registers,
      collect() {
        this.reset();
        this.inc(gateway.unmatchedReceipts);
      },
    });
    this.turnSeconds = new Histogram({
      name: 'parley_turn_duration_seconds', help: 'Time from a turn\'s start to its outcome committed and its replies handed to the channel.',
      buckets: TURN_SECONDS_BUCKETS, registers,
    });
    this.webhookSeconds = new Histogram({
      name: 'parley_webhook_duration_seconds', help: 'Time to the app\'s answer, per webhook request that got one (turns, fallbacks, actions, status callbacks).',
      buckets: WEBHOOK_SECONDS_BUCKETS, registers,
    });
    const queueDepths = (): Promise<QueueDepths | null> => this.queueDepths();
    new Gauge({
      name: 'parley_queue_depth', help: 'Work waiting in the store: turns (pending), outbound (not yet handed to a channel), callbacks (status callbacks in the outbox).',
      labelNames: ['queue'], registers,
      async collect() {
        this.reset(); // a store that does not answer leaves the series absent, not stale
        const depths = await queueDepths();
        if (!depths) return;
        for (const queue of ['turns', 'outbound', 'callbacks'] as const) this.set({ queue }, depths[queue]);
      },
    });
    new Gauge({
      name: 'parley_channel_up', help: '1 when the channel can send (bound), 0 otherwise.', labelNames: ['channel'], registers,
      collect() {
        this.reset();
        for (const status of gateway.channelStatuses()) this.set({ channel: status.name }, status.state === 'bound' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'parley_channel_binds', help: 'The binds (SMPP connections) of each channel that keeps any, by state: bound, connecting or down.',
      labelNames: ['channel', 'state'], registers,
      collect() {
        this.reset();
        for (const { name, binds } of gateway.channelStatuses()) {
          if (!binds) continue;
          // Every state, zeros too: an alert on binds not bound sees a series that exists.
          for (const state of ['bound', 'connecting', 'down'] as const) this.set({ channel: name, state }, binds.filter((b) => b.state === state).length);
        }
      },
    });
    new Gauge({
      name: 'parley_channel_client_certificate_expiry_timestamp_seconds',
      help: 'When the client certificate a channel presents (SMPP tls-cert) stops being valid, in seconds since the epoch.',
      labelNames: ['channel'], registers,
      collect() {
        this.reset();
        for (const { name, clientCertificate } of gateway.channelStatuses()) {
          if (clientCertificate) this.set({ channel: name }, clientCertificate.expiresAt / 1000);
        }
      },
    });
    const lastReload = (): { successful: boolean; lastSuccessAt: number } => this.lastReload;
    new Gauge({
      name: 'parley_config_last_reload_successful', help: '1 when the last reload of the configuration (SIGHUP) succeeded, or none was asked since start; 0 when it was refused.', registers,
      collect() {
        this.set(lastReload().successful ? 1 : 0);
      },
    });
    new Gauge({
      name: 'parley_config_last_reload_success_timestamp_seconds', help: 'When the configuration in force was last read (the start, or the last successful reload), in seconds since the epoch.', registers,
      collect() {
        this.set(lastReload().lastSuccessAt / 1000);
      },
    });
    const cluster = gateway.store.cluster;
    if (cluster) {
      new Gauge({
        name: 'parley_cluster_nodes', help: 'Nodes sharing the database, by state: alive (its lease runs), expired (its lease ran out; its work was taken over).',
        labelNames: ['state'], registers,
        async collect() {
          this.reset(); // as the queue depths: absent, not stale, when the store does not answer
          const nodes = await within(cluster.nodes(), NODES_TIMEOUT_MS, () => new Error('no answer')).catch(() => null);
          if (!nodes) return;
          const alive = nodes.filter((n) => n.alive).length;
          this.set({ state: 'alive' }, alive);
          this.set({ state: 'expired' }, nodes.length - alive);
        },
      });
    }
    this.unsubscribe = gateway.events.subscribe((event) => this.count(event));
  }

  /** A reload of the configuration (SIGHUP) ended: a refused one leaves the configuration in force as it was. */
  recordReload(successful: boolean): void {
    this.lastReload = { successful, lastSuccessAt: successful ? Date.now() : this.lastReload.lastSuccessAt };
  }

  /** The Prometheus text format: the process metrics, then this Parley's. */
  async text(): Promise<string> {
    return `${await processRegistry().metrics()}\n${await this.registry.metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async snapshot(): Promise<MetricsSnapshot> {
    const turn = (await this.turnSeconds.get()).values;
    const buckets = turn.filter((v) => v.metricName === 'parley_turn_duration_seconds_bucket').map((v) => v.value);
    return {
      at: Date.now(),
      received: sum(this.received),
      sent: sum(this.gateway.channels.sentCounts),
      turnsOk: this.turns.get('ok') ?? 0,
      turnsError: this.turns.get('error') ?? 0,
      turnBuckets: buckets,
      turnSum: turn.find((v) => v.metricName === 'parley_turn_duration_seconds_sum')?.value ?? 0,
      turnCount: turn.find((v) => v.metricName === 'parley_turn_duration_seconds_count')?.value ?? 0,
      errors: new Map(this.errors),
      queues: await this.queueDepths(),
    };
  }

  /**
   * The store's queue depths. The store counts index entries, about 0.1 µs each: nothing for a
   * normal queue, but milliseconds for a backlog of millions, so a count is reused for 10 µs per
   * row it found (2 s for 200,000) and scrapes every second spend at most about 1 % of the event
   * loop on it.
   */
  private queueDepths(): Promise<QueueDepths | null> {
    const now = performance.now();
    const last = this.depthsRead;
    if (last && now < last.until) return last.value;
    const read = { until: Number.POSITIVE_INFINITY, value: this.gateway.store.queueDepths().catch(() => null) };
    void read.value.then((depths) => {
      read.until = now + (depths ? (depths.turns + depths.outbound + depths.callbacks) / 100 : 0);
    });
    this.depthsRead = read;
    return read.value;
  }

  stop(): void {
    this.unsubscribe();
  }

  /**
   * Counts by channel name with a zero for each channel running now, so a channel's series shows
   * before its first message, also for a channel a reload started.
   */
  private everyChannel(counts: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
    return withZeros(this.gateway.channels.all.map((c) => c.name), counts);
  }

  /** Counts by channel name with a zero for each channel that has failovers, so an alert's `increase()` sees the first one. */
  private failoverChannels(counts: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
    return withZeros(this.gateway.channels.statuses().filter((s) => (s.failover?.length ?? 0) > 0).map((s) => s.name), counts);
  }

  /** Runs on every event: Map increments only. */
  private count(event: GatewayEvent): void {
    switch (event.type) {
      case 'message': {
        if (event.sameStatus) return; // a redaction: no new status
        const m = event.message;
        bump(this.statuses, m.status);
        // The channel it came by, when this node received it; else (another node's, relayed) the one of its number.
        if (m.direction === 'inbound') bump(this.received, event.channel ?? this.gateway.channels.channelFor(m.to, m.from).name);
        if (m.errorCode !== null && (m.status === 'failed' || m.status === 'undelivered' || m.direction === 'inbound')) bump(this.errors, String(m.errorCode));
        return;
      }
      case 'turn':
        bump(this.turns, event.errorCode === null ? 'ok' : 'error');
        this.turnSeconds.observe(event.durationMs / 1000);
        return;
      case 'exchange':
        if (event.exchange.response) this.webhookSeconds.observe(event.exchange.response.durationMs / 1000);
        return;
      case 'alert':
        bump(this.errors, String(event.alert.errorCode));
        return;
      default:
        return;
    }
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function sum(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}

/** A counter whose samples are read from `counts` (label value → total) at each scrape. */
function tallied(registry: Registry, name: string, help: string, label: string, counts: () => ReadonlyMap<string, number>): void {
  new Counter({
    name, help, labelNames: [label], registers: [registry],
    collect() {
      this.reset();
      for (const [value, n] of counts()) this.inc({ [label]: value }, n);
    },
  });
}

/** `counts`, with a zero for each of `names` it lacks. */
function withZeros(names: readonly string[], counts: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
  const all = new Map<string, number>(names.map((name) => [name, 0]));
  for (const [name, n] of counts) all.set(name, n);
  return all;
}
