/**
 * `npm run bench [-- --quick | --smoke] [--only=ceiling,loop,session,kannel,carrier,growth,postgres] [--out=DIR] [--cpu-prof=DIR] [--scrape-metrics]`
 *
 * Runs every workload on this machine, prints one table, writes the results as JSON and an SVG
 * chart, and ends with one line per target. Everything listens on 127.0.0.1, every load is
 * bounded in count and time, and every process started here is stopped when the run ends.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installExitHooks, killAllChildren, onInterrupt } from './lib/children.js';
import { startApp, type RunningApp } from './lib/apps.js';
import { newCredentials, walShimMissing } from './lib/gateway.js';
import { load1, machine, table, targetLines, targets, type Results, type Skipped } from './lib/report.js';
import { chart } from './lib/svg.js';
import { PROFILES, type Profile, type ProfileName } from './profile.js';
import { runHttpCeiling } from './workloads/http-ceiling.js';
import { runFullLoop } from './workloads/full-loop.js';
import { runKannel, KANNEL_INSTALL_HINT } from './workloads/kannel.js';
import { runGrowth } from './workloads/growth.js';
import { runCarrierLoop } from './workloads/carrier.js';
import { footprintOf } from './workloads/footprint.js';
import { runPostgres } from './workloads/postgres.js';
import { AUTH_TOKEN_ENV } from './apps/session-counter.js';

const WORKLOADS = ['ceiling', 'loop', 'session', 'kannel', 'carrier', 'growth', 'postgres'] as const;
type WorkloadName = (typeof WORKLOADS)[number];

interface Args {
  profile: Profile;
  only: Set<WorkloadName>;
  out: string;
  cpuProf: string | null;
  /** Extra node flags for the gateway, e.g. --max-semi-space-size=64, to try runtime settings. */
  gatewayFlags: string[];
  /** Scrape GET /metrics every second during the full-loop runs, as Prometheus would. */
  scrapeMetrics: boolean;
}

const USAGE = `usage: npm run bench -- [--quick | --smoke] [--only=${WORKLOADS.join(',')}] [--out=DIR] [--cpu-prof=DIR] [--gateway-flag=FLAG ...] [--scrape-metrics]
  --quick      a developer's check, under 2 minutes
  --smoke      seconds; proves the bench runs (CI), numbers mean nothing
  --only       run only these workloads (growth also gives footprint; postgres needs a PostgreSQL server,
               127.0.0.1:5432 as user postgres, or PARLEY_BENCH_PG)
  --out        where results go (default: bench/results)
  --cpu-prof   start the gateway with node --cpu-prof, profiles written to DIR
  --gateway-flag  a node flag for the gateway (repeatable), e.g. --gateway-flag=--max-semi-space-size=64
  --scrape-metrics  scrape the gateway's /metrics every second during the full-loop runs`;

function parseArgs(argv: readonly string[]): Args {
  let name: ProfileName = 'full';
  let only = new Set<WorkloadName>(WORKLOADS);
  let out = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  let cpuProf: string | null = null;
  const gatewayFlags: string[] = [];
  let scrapeMetrics = false;
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (key === '--quick') name = 'quick';
    else if (key === '--smoke') name = 'smoke';
    else if (key === '--full') name = 'full';
    else if (key === '--only' && value) {
      const list = value.split(',');
      const bad = list.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
      if (bad.length) throw new Error(`unknown workload ${bad.join(', ')}\n${USAGE}`);
      only = new Set(list as WorkloadName[]);
    } else if (key === '--out' && value) out = resolve(value);
    else if (key === '--cpu-prof' && value) cpuProf = resolve(value);
    else if (key === '--gateway-flag' && value) gatewayFlags.push(value);
    else if (key === '--scrape-metrics') scrapeMetrics = true;
    else if (key === '--help' || key === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return { profile: PROFILES[name], only, out, cpuProf, gatewayFlags, scrapeMetrics };
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** Runs one workload; a failure is recorded as such and the run goes on with the others. */
async function attempt<T>(name: string, failures: string[], run: () => Promise<T>): Promise<T | Skipped> {
  const t0 = performance.now();
  log(`- ${name} ...`);
  try {
    const result = await run();
    log(`  ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${name}: ${message}`);
    log(`  ${name} FAILED: ${message}`);
    return { skipped: true, reason: `failed: ${message.split('\n')[0] ?? ''}` };
  }
}

const notSelected: Skipped = { skipped: true, reason: 'not selected (--only)' };

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const { profile, only } = args;
  installExitHooks();
  const started = new Date();
  const t0 = performance.now();
  const work = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  const forgetWork = onInterrupt(() => rmSync(work, { recursive: true, force: true }));
  const credentials = newCredentials();
  const failures: string[] = [];
  const nodeArgs = [...args.gatewayFlags, ...(args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProf}`] : [])];
  const scrape = args.scrapeMetrics ? { scrapeMs: 1000 } : {};
  const loadAtStart = load1();
  log(`Parley bench, profile ${profile.name}: ${machine(loadAtStart).cpus} cores, node ${process.version}, load ${loadAtStart}`);
  if (loadAtStart > 0.5) log(`  note: the machine is busy (1-minute load ${loadAtStart}); other work skews these numbers`);
  const noShim = walShimMissing();
  if (noShim) log(`  note: the gateway will write SQLite's WAL frame by frame (${noShim}); its store is not the one Parley ships`);

  let app: RunningApp | null = null;
  let results: Results;
  try {
    app = await startApp('minimal');
    const minimal = app;
    const httpCeiling = only.has('ceiling')
      ? await attempt('HTTP ceiling', failures, () => runHttpCeiling(minimal, profile)) : notSelected;
    const loop = only.has('loop')
      ? await attempt('full loop, minimal app', failures, () => runFullLoop({
        app: minimal, profile, db: join(work, 'loop-minimal.db'), credentials, nodeArgs, ...scrape,
      })) : notSelected;
    if ('metricsScrapes' in loop && loop.metricsScrapes) {
      const s = loop.metricsScrapes;
      log(`  /metrics scraped every second: ${s.scrapes} scrapes (${s.failures} failed), ${s.meanMs} ms mean, ${s.maxMs} ms max, ${s.bytes} bytes`);
    }
    // Same number of messages as Parley's saturation run completed (its run is bounded in time).
    const kannelMessages = 'saturation' in loop && loop.saturation.completed > 0
      ? Math.min(profile.loopMessages, loop.saturation.completed) : profile.loopMessages;
    const kannel = only.has('kannel')
      ? await attempt('Kannel loop', failures, () => runKannel(minimal, kannelMessages, Math.max(60_000, profile.runMs * 5), profile.steadyMs))
      : { skipped: true as const, reason: `not selected (--only); ${KANNEL_INSTALL_HINT}` };
    if (kannel.skipped) log(`  Kannel workload skipped: ${kannel.reason}`);
    const carrier = only.has('carrier')
      ? await attempt('carrier loop over SMPP (Parley, then Kannel)', failures, () => runCarrierLoop({
        app: minimal, messages: profile.carrierMessages, maxMs: Math.max(60_000, profile.runMs * 10), dir: work, credentials, nodeArgs,
      })) : notSelected;
    if ('kannel' in carrier && 'skipped' in carrier.kannel) log(`  Kannel side of the carrier loop skipped: ${carrier.kannel.reason}`);

    let session: Results['workloads']['fullLoop']['sessionCounter'] = notSelected;
    if (only.has('session')) {
      session = await attempt('full loop, session-counter app', failures, async () => {
        const sessionApp = await startApp('session-counter', { [AUTH_TOKEN_ENV]: credentials.authToken });
        try {
          return await runFullLoop({ app: sessionApp, profile, db: join(work, 'loop-session.db'), credentials, nodeArgs });
        } finally {
          await sessionApp.stop();
        }
      });
    }
    const growth = only.has('growth')
      ? await attempt('growth', failures, () => runGrowth(minimal, profile, credentials, join(work, 'growth.db'), log, nodeArgs))
      : notSelected;
    const footprint = 'points' in growth ? footprintOf(growth) : { skipped: true as const, reason: 'needs the growth workload' };
    const postgres = only.has('postgres')
      ? await attempt('PostgreSQL: one node, then 1, 2 and 3 nodes', failures, () => runPostgres(minimal, profile, credentials, nodeArgs, log))
      : notSelected;

    const workloads: Results['workloads'] = {
      httpCeiling, fullLoop: { minimal: loop, sessionCounter: session }, kannel, carrier, growth, footprint, postgres,
    };
    const host = machine(loadAtStart);
    results = {
      version: 1, profile: profile.name, startedAt: started.toISOString(), durationMs: Math.round(performance.now() - t0),
      machine: host, workloads, targets: targets(workloads, host.cpus),
    };
  } finally {
    await app?.stop();
    killAllChildren();
    await rm(work, { recursive: true, force: true });
    forgetWork();
  }

  await mkdir(args.out, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const svg = `${chart(results)}\n`;
  const names = profile.name === 'full' ? [profile.name, 'latest'] : [profile.name];
  for (const n of names) {
    await writeFile(join(args.out, `${n}.json`), json);
    await writeFile(join(args.out, `${n}.svg`), svg);
  }
  log('');
  log(table(results));
  log('');
  log(`results: ${names.map((n) => `${n}.json, ${n}.svg`).join('; ')} in ${args.out}`);
  log(`run took ${(results.durationMs / 1000).toFixed(1)} s; 1-minute load ${results.machine.loadAtStart} at start, ${results.machine.loadAtEnd} at end`);
  for (const line of targetLines(results.targets)) log(line);
  for (const f of failures) log(`FAILED ${f}`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    killAllChildren();
    process.exit(1);
  },
);
