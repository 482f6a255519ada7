/**
 * `node dist/bench/metrics-cost.js [--turns=200000] [--scrapes=300] [--backlog=100000]`: what the
 * metrics cost, in one process, without load-generator noise (the full-loop bench on a shared
 * machine varies far more than this): the CPU the event-bus counting adds per turn (a turn's six
 * events emitted with the metrics subscribed, against the same with them unsubscribed,
 * alternately), and the CPU of one GET /metrics scrape (`ParleyMetrics.text()`), with empty queues
 * and with a backlog of pending turns and unsent messages in a SQLite file, which the queue-depth
 * gauge counts through the store's partial indexes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, type RunningParley } from '../src/runtime/parley.js';
import { createLogger } from '../src/logging/logger.js';
import { newMessage } from '../src/messages/message.js';
import type { GatewayEvent } from '../src/events/bus.js';
import type { MessageRecord, WebhookExchange } from '../src/stores/records.js';
import { ParleyMetrics } from '../src/metrics/metrics.js';
import { flagValue } from './lib/args.js';

function option(name: string, fallback: number): number {
  const value = flagValue(name);
  return value === undefined ? fallback : Number(value);
}

const TURNS = option('turns', 200_000);
const SCRAPES = option('scrapes', 300);
const BACKLOG = option('backlog', 100_000);
const ACCOUNT = 'AC' + 'ab'.repeat(16);

/** The events one turn emits: inbound stored, exchange, turn, reply queued, sent, delivered. */
function turnEvents(): GatewayEvent[] {
  const at = Date.now();
  const inbound = newMessage({ accountSid: ACCOUNT, direction: 'inbound', from: '+15550001111', to: '+15005550006', body: 'hi', status: 'received', at });
  const reply = newMessage({ accountSid: ACCOUNT, direction: 'outbound-reply', from: '+15005550006', to: '+15550001111', body: 'hello', status: 'queued', at, inboundSid: inbound.sid, replySeq: 0 });
  const exchange = { sid: 'WX' + '0'.repeat(32), accountSid: ACCOUNT, response: { status: 200, headers: {}, body: '', durationMs: 1.7 } } as unknown as WebhookExchange;
  const status = (s: MessageRecord['status']): GatewayEvent => ({ type: 'message', message: { ...reply, status: s } });
  return [
    { type: 'message', message: inbound }, { type: 'exchange', exchange },
    { type: 'turn', accountSid: ACCOUNT, messageSid: inbound.sid, conversationId: 'c', errorCode: null, durationMs: 3.2 },
    status('queued'), status('sent'), status('delivered'),
  ];
}

/** CPU microseconds per turn of emitting `turns` turns' events. */
function emitCost(parley: RunningParley, events: GatewayEvent[], turns: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < turns; i++) for (const e of events) parley.gateway.events.emit(e);
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / turns;
}

async function scrapeCost(parley: RunningParley, scrapes: number): Promise<{ cpuMs: number; bytes: number }> {
  let bytes = 0;
  const t0 = process.cpuUsage();
  for (let i = 0; i < scrapes; i++) bytes = (await parley.metrics.text()).length;
  const used = process.cpuUsage(t0);
  return { cpuMs: (used.user + used.system) / 1000 / scrapes, bytes };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-metrics-cost-'));
  const parley = await startParley({
    port: 0, host: '127.0.0.1', db: join(dir, 'parley.db'), sessionTtlMs: 3_600_000, dev: false, logger: createLogger({ level: 'info' }),
  });
  try {
    const events = turnEvents();
    parley.metrics.stop(); // each round subscribes its own
    emitCost(parley, events, 20_000); // warm up
    const withMetrics: number[] = [];
    const without: number[] = [];
    for (let round = 0; round < 5; round++) {
      const metrics = new ParleyMetrics(parley.gateway);
      withMetrics.push(emitCost(parley, events, TURNS));
      metrics.stop();
      const noop = parley.gateway.events.subscribe(() => undefined);
      without.push(emitCost(parley, events, TURNS));
      noop();
    }
    const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    process.stdout.write(`counting: ${median(withMetrics).toFixed(3)} µs of CPU per turn (6 events) with the metrics subscribed, `
      + `${median(without).toFixed(3)} µs with a subscriber that does nothing: ${(median(withMetrics) - median(without)).toFixed(3)} µs per turn for the metrics (medians of 5 alternate rounds of ${TURNS} turns)\n`);
    const idle = await scrapeCost(parley, SCRAPES);
    process.stdout.write(`scrape, empty queues: ${idle.cpuMs.toFixed(3)} ms of CPU per scrape, ${idle.bytes} bytes (${SCRAPES} scrapes)\n`);

    // A backlog: pending turns and unsent messages, which parley_queue_depth counts at each scrape.
    const store = parley.store;
    for (let n = 0; n < BACKLOG; n += 1000) {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => {
        const at = Date.now();
        const handset = `+1555${String(n + i).padStart(7, '0')}`;
        return Promise.all([
          store.messages.insert(newMessage({ accountSid: ACCOUNT, direction: 'inbound', from: handset, to: '+15005550999', body: 'x', status: 'received', at }), { startTurn: true }),
          store.messages.insert(newMessage({ accountSid: ACCOUNT, direction: 'outbound-api', from: '+15005550999', to: handset, body: 'y', status: 'queued', at })),
        ]);
      }));
    }
    const t0 = performance.now();
    const depths = await store.queueDepths();
    const countMs = performance.now() - t0;
    const loaded = await scrapeCost(parley, Math.max(10, Math.round(SCRAPES / 10)));
    process.stdout.write(`with ${depths.turns} pending turns and ${depths.outbound} unsent messages stored: the store's count takes ${countMs.toFixed(2)} ms, `
      + `a scrape ${loaded.cpuMs.toFixed(3)} ms of CPU (back to back: the count is reused for 10 µs per row it found)\n`);
  } finally {
    await parley.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
