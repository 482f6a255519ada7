/**
 * Full loop: simulated handsets text Parley numbers; each message is stored, sent to the app as a
 * signed webhook with the conversation's cookies, the TwiML answer is parsed, and the reply is
 * stored and delivered to the handset. Measured at saturation (completed turns per second) and at
 * a steady offered rate of half that, where the gateway's overhead (loop latency minus the app's
 * own time for the same message) is taken.
 */
import { statSync } from 'node:fs';
import { cpuMs, rssBytes } from '../lib/children.js';
import { LatencyRecorder, summarize, type LatencySummary } from '../lib/latency.js';
import { saturate, steady, warmUp, type LoadResult } from '../lib/load.js';
import { loopDriver, type LoopDriver } from '../lib/loop.js';
import { parleyNumber, startGateway, type Credentials, type EventLoopDelay, type RunningGateway } from '../lib/gateway.js';
import type { RunningApp } from '../lib/apps.js';
import type { Profile } from '../profile.js';
import { handsetNumber } from './http-ceiling.js';
import { watchOwnEventLoop, type LoopDelay } from '../lib/own-event-loop.js';
import { scrapeMetrics, type ScrapeSummary } from '../lib/scraper.js';

export interface CpuPerLoop {
  /** Milliseconds of CPU per completed loop, per process. */
  gateway: number;
  app: number;
  generator: number;
  /** The database server (PostgreSQL runs only; SQLite runs inside the gateway). */
  database?: number;
}

export interface SaturationRun {
  saturation: LoadResult;
  /** The gateway's event-loop delay during the run (ms): a blocked loop shows in max and p99. */
  gatewayEventLoopMs: EventLoopDelay | null;
  /** The same in the app's process: a control, since the app itself does little. */
  appEventLoopMs: EventLoopDelay | null;
  ackMs: LatencySummary;
  cpuMsPerLoop: CpuPerLoop;
  earlyDeliveries: number;
}

export interface FullLoopResult extends SaturationRun {
  app: string;
  steady: LoadResult;
  /** The steady run's loop latency split at the reply's commit (its `queued` event). */
  steadySplitMs: { toReplyStored: LatencySummary; storedToDelivered: LatencySummary };
  steadyGatewayEventLoopMs: EventLoopDelay | null;
  /** The gateway's CPU in the steady run: ms per completed turn, and the share of one core it kept busy. */
  steadyGatewayCpu: { msPerTurn: number; busy: number };
  /**
   * The app's and the generator's CPU per turn in the steady run, ms: the control for the gateway's
   * (finding 123). Both do the same small work per turn at any rate, so what their CPU a turn gains
   * between saturation and half of it is what the machine charges any process for the lull.
   */
  steadyOthersCpu?: { app: number; generator: number };
  steadyAppEventLoopMs: EventLoopDelay | null;
  /** The bench's own (the load generator's), where the latencies are timed. */
  steadyGeneratorEventLoopMs?: LoopDelay;
  /** Loop latency minus the app's own time, per loop, at the steady rate (minimal app only). */
  overheadMs: LatencySummary | null;
  /** The app's own time per request at the steady rate. */
  appMs: LatencySummary;
  gatewayRssBytes: number;
  /** Database growth per completed loop (messages, exchange record, conversation). */
  dbBytesPerLoop: number;
  /** With `--scrape-metrics`: the scrapes of GET /metrics made during the whole run. */
  metricsScrapes?: ScrapeSummary;
}

export async function createNumbers(gw: RunningGateway, app: RunningApp, count: number): Promise<string[]> {
  const numbers = Array.from({ length: count }, (_, n) => parleyNumber(n));
  for (const n of numbers) await gw.createNumber(n, `${app.origin}/sms`);
  return numbers;
}

/** Warm-up, then one saturation run, attributing CPU to each process. */
export async function measureSaturation(
  gw: RunningGateway, app: RunningApp, driver: LoopDriver, profile: Profile, messages: number, afterWarmUp?: () => void,
  databaseCpuMs?: () => number,
): Promise<SaturationRun> {
  await warmUp(driver.op, profile.concurrency, profile.warmup, 20_000);
  afterWarmUp?.();
  driver.acks = new LatencyRecorder();
  const early0 = driver.early();
  await gw.eventLoopDelay();
  await app.eventLoopDelay();
  const cpu0 = { gw: cpuMs(gw.child.pid), app: cpuMs(app.child.pid), gen: process.cpuUsage(), db: databaseCpuMs?.() ?? 0 };
  const saturation = await saturate(driver.op, profile.concurrency, {
    count: messages, maxMs: profile.runMs, drainMs: 10_000,
  });
  const gen = process.cpuUsage(cpu0.gen);
  const gatewayEventLoopMs = await gw.eventLoopDelay();
  const appEventLoopMs = await app.eventLoopDelay();
  const per = (ms: number): number => (saturation.completed ? Math.round((ms * 1000) / saturation.completed) / 1000 : 0);
  return {
    saturation,
    gatewayEventLoopMs,
    appEventLoopMs,
    ackMs: driver.acks.summary(),
    cpuMsPerLoop: {
      gateway: per(cpuMs(gw.child.pid) - cpu0.gw),
      app: per(cpuMs(app.child.pid) - cpu0.app),
      generator: per((gen.user + gen.system) / 1000),
      ...(databaseCpuMs ? { database: per(databaseCpuMs() - cpu0.db) } : {}),
    },
    earlyDeliveries: driver.early() - early0,
  };
}

export interface FullLoopSetup {
  app: RunningApp;
  profile: Profile;
  /** A fresh database file (or PostgreSQL URL) for this run. */
  db: string;
  /** CPU of a database server outside the gateway (PostgreSQL), in ms, to attribute per turn. */
  databaseCpuMs?: () => number;
  /** The database's size in bytes after the run (default: the SQLite file and its WAL). */
  databaseBytes?: () => Promise<number>;
  credentials: Credentials;
  nodeArgs?: readonly string[];
  /** Scrape GET /metrics this often during the run (`--scrape-metrics`); not at all when absent. */
  scrapeMs?: number;
}

/** Starts a gateway on a fresh database, measures, stops it, and sizes the database it left. */
export async function runFullLoop(setup: FullLoopSetup): Promise<FullLoopResult> {
  const { app, profile } = setup;
  const gw = await startGateway({
    db: setup.db, credentials: setup.credentials, connections: profile.concurrency,
    ...(setup.nodeArgs ? { nodeArgs: setup.nodeArgs } : {}),
  });
  let loops = 0;
  const scraper = setup.scrapeMs ? scrapeMetrics(gw, setup.scrapeMs) : null;
  try {
    const numbers = await createNumbers(gw, app, profile.numbers);
    const driver = await loopDriver(gw, {
      handsets: Array.from({ length: profile.handsets }, (_, h) => h), handsetNumber, numbers, timeoutMs: 30_000,
    });
    try {
      const sat = await measureSaturation(gw, app, driver, profile, profile.loopMessages, undefined, setup.databaseCpuMs);
      // Half the saturation rate, for as long as the profile says; matched with the app's times.
      const rate = Math.max(1, Math.round(sat.saturation.rate / 2));
      // Reading the event-loop probes collects garbage (for the memory figures): do it first. Then
      // settle at the new rate, unmeasured, as any load test discards its ramp: the first half second
      // after saturation and those collections carried most of the steady run's tail (finding 14).
      // The event-loop figures of the steady run therefore include its settle period.
      await gw.eventLoopDelay();
      await app.eventLoopDelay();
      const generatorDelay = watchOwnEventLoop();
      await steady(driver.op, rate, profile.concurrency * 4, {
        count: Math.ceil((rate * profile.settleMs) / 1000), maxMs: profile.settleMs, drainMs: 10_000,
      });
      await app.takeTimes();
      driver.latencyBySid.clear();
      driver.keepSids = true;
      driver.toReplyStored = new LatencyRecorder();
      driver.storedToDelivered = new LatencyRecorder();
      const steadyCpu0 = cpuMs(gw.child.pid);
      const othersCpu0 = { app: cpuMs(app.child.pid), gen: process.cpuUsage() };
      const steadyRun = await steady(driver.op, rate, profile.concurrency * 4, {
        count: Math.ceil((rate * profile.steadyMs) / 1000), maxMs: profile.steadyMs, drainMs: 10_000,
      });
      driver.keepSids = false;
      const steadyCpu = cpuMs(gw.child.pid) - steadyCpu0;
      const steadyAppCpu = cpuMs(app.child.pid) - othersCpu0.app;
      const steadyGen = process.cpuUsage(othersCpu0.gen);
      const perSteadyTurn = (ms: number): number => (steadyRun.completed ? Math.round((ms * 1000) / steadyRun.completed) / 1000 : 0);
      const steadyGeneratorEventLoopMs = generatorDelay();
      const steadyGatewayEventLoopMs = await gw.eventLoopDelay();
      const steadyAppEventLoopMs = await app.eventLoopDelay();
      const times = await app.takeTimes();
      const overhead: number[] = [];
      for (const [sid, ms] of driver.latencyBySid) {
        const appUs = times.bySid[sid];
        if (appUs !== undefined) overhead.push(Math.max(0, ms - appUs / 1000));
      }
      loops = driver.completed();
      const metricsScrapes = await scraper?.stop();
      const gatewayRssBytes = rssBytes(gw.child.pid);
      driver.close(); // an open event stream would hold up the gateway's shutdown
      await gw.stop();
      return {
        app: app.name,
        ...sat,
        steady: steadyRun,
        steadySplitMs: { toReplyStored: driver.toReplyStored.summary(), storedToDelivered: driver.storedToDelivered.summary() },
        steadyGatewayEventLoopMs,
        steadyGatewayCpu: {
          msPerTurn: perSteadyTurn(steadyCpu),
          busy: steadyRun.elapsedMs ? Math.round((steadyCpu * 100) / steadyRun.elapsedMs) / 100 : 0,
        },
        steadyOthersCpu: { app: perSteadyTurn(steadyAppCpu), generator: perSteadyTurn((steadyGen.user + steadyGen.system) / 1000) },
        steadyAppEventLoopMs,
        steadyGeneratorEventLoopMs,
        overheadMs: overhead.length ? summarize(Float64Array.from(overhead)) : null,
        appMs: summarize(Float64Array.from(times.micros, (us) => us / 1000)),
        gatewayRssBytes,
        // Sized after the gateway closed its database, so the write-ahead log is checkpointed.
        dbBytesPerLoop: loops ? Math.round((setup.databaseBytes ? await setup.databaseBytes() : dbBytes(setup.db)) / loops) : 0,
        ...(metricsScrapes ? { metricsScrapes } : {}),
      };
    } finally {
      driver.close();
    }
  } finally {
    await scraper?.stop();
    await gw.stop();
  }
}

/** The database's size on disk: the file plus its write-ahead log. */
export function dbBytes(path: string): number {
  let total = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      total += statSync(p).size;
    } catch {
      // no WAL yet
    }
  }
  return total;
}
