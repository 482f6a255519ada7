/**
 * `node dist/bench/counts.js --what=instructions|syscalls|allocations|statements [--loop=http|carrier] [--turns=N] [--warmup=N] [--concurrency=C,...] [--rate=R,...] [--gateway-flag=FLAG ...]`:
 * what one turn costs the gateway, counted rather than timed, so that two builds compare on a
 * shared machine (bench/README.md, "Budget of a turn"):
 * - `instructions`: user-space instructions, every thread (the checkpointer's too), counted by
 *   valgrind's callgrind with instrumentation switched on for exactly the measured turns. At 64 in
 *   flight the same from one run to the next to 1 to 2 %, whatever else the machine does, once the
 *   warm-up is long enough for V8 to have compiled the hot path (10,000 turns: after 2,000, a third
 *   of the counted instructions were still the optimizing compiler's). At a few turns in flight the
 *   counts swing by a fifth: the gateway runs some 50x slower under valgrind, and its timers
 *   (polls, heartbeats, the status page's sampling) fall on few turns.
 * - `syscalls`: system calls by name, counted by `strace -c` attached to every thread of the gateway
 *   for the measured turns only. The kernel's share (socket and WAL writes, wake-ups) grows when
 *   fewer turns share each write, which instruction counts do not show.
 * - `allocations`: bytes the gateway's main thread allocated, by stage of a turn (bench/lib/stages.ts),
 *   from V8's sampling heap profiler switched on for the measured turns (bench/lib/allocation-sampler.ts),
 *   counting objects the collector has already freed. An estimate from samples every 4 KiB: it
 *   repeats to a few percent over 3,000 turns. The work garbage collection does follows from it.
 * - `statements`: the time the main thread spends in each SQLite statement, µs a turn, and how many
 *   calls a turn makes (bench/lib/statement-timer.ts). Timed, so noisier than the counts; what it
 *   shows is which statements a turn runs and how their cost moves with the load (finding 72).
 * - `threads`: each of the gateway's threads (`main`, the others by name and place in the order
 *   they were made: V8's helpers, libuv's pool, the checkpointer's), its CPU µs a turn, how often the
 *   kernel ran it a turn (`runs`) and how many of those came after it was preempted (`preempted`;
 *   the rest are wake-ups), from `/proc/<pid>/task/<tid>/schedstat` and `status` before and after the
 *   measured turns. Timed, not counted; what it shows is which thread a turn's cost lands on at a
 *   load (finding 123).
 * Turns run in a closed loop at `--concurrency` in flight, or at an offered `--rate` per second.
 * `--loop=carrier` counts the carrier loop instead (bench/workloads/carrier.ts): a turn is one
 * message from the SMSC simulator, its reply and its receipt, at the simulator's window of 50; the
 * counts repeat less well than the HTTP loop's (about 4 % for instructions, finding 81), because
 * how many messages share a commit depends on how fast the gateway runs.
 * `--gateway-flag` passes a node flag to the gateway, as `npm run bench` does.
 * `--functions=N` (with `instructions`) also prints the N functions with the most instructions a
 * turn of their own, the gateway's JavaScript named through V8's perf map (bench/lib/jit-functions.ts).
 * The minimal app and the load run normally. Instructions and system calls need Debian's valgrind and strace.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startApp } from './lib/apps.js';
import { newCredentials, startGateway, type GatewayOptions } from './lib/gateway.js';
import { loopDriver } from './lib/loop.js';
import { saturate, steady, type LoadResult } from './lib/load.js';
import { installExitHooks, type Child } from './lib/children.js';
import { createNumbers } from './workloads/full-loop.js';
import { CARRIER_WINDOW, PARLEY_NUMBER, carrierConfig, startSim } from './workloads/carrier.js';
import { handsetNumber } from './workloads/http-ceiling.js';
import { flagValue, flagValues, positiveIntFlag } from './lib/args.js';
import { stageClassifier, type Frame } from './lib/stages.js';
import type { StatementTime } from './lib/statement-timer.js';
import { functionsOf, perfMapOf } from './lib/jit-functions.js';

type What = 'instructions' | 'syscalls' | 'allocations' | 'statements' | 'threads';
const WHATS: readonly What[] = ['instructions', 'syscalls', 'allocations', 'statements', 'threads'];

/** Modules loaded into the gateway that start and stop on SIGUSR2, and the variable naming their output file. */
const SAMPLERS: Partial<Record<What, { module: string; env: string }>> = {
  allocations: { module: new URL('./lib/allocation-sampler.js', import.meta.url).href, env: 'PARLEY_BENCH_ALLOCATIONS_OUT' },
  statements: { module: new URL('./lib/statement-timer.js', import.meta.url).href, env: 'PARLEY_BENCH_STATEMENTS_OUT' },
};
type Load = { concurrency: number } | { rate: number };

interface Counted {
  load: string;
  turns: number;
  /** Instructions per turn; system calls per turn by name (and `total`); or bytes allocated per turn by stage (and `total`). */
  perTurn: Record<string, number>;
  /** With `allocations`: the functions that allocated most, bytes per turn; with `instructions --functions`, instructions a turn. */
  topFunctions?: Array<[string, number]>;
  /** With `statements`: each statement's calls a turn and µs a call, most costly first. */
  statements?: Array<{ name: string; callsPerTurn: number; usPerCall: number }>;
}

function option(name: string, fallback: string): string {
  return flagValue(name) ?? fallback;
}

/** `--functions=N`: how many functions to list by their instructions (0: none). */
const FUNCTIONS = flagValue('functions') === undefined ? 0 : positiveIntFlag('functions', 40);

/**
 * Counting while `run` runs: callgrind's instrumentation switched on, strace attached to every
 * thread, or a sampler in the gateway (the heap's, the statements' timer) started and stopped.
 */
async function counting(what: What, gatewayPid: number, dir: string, samplerOut: string, run: () => Promise<void>): Promise<Record<string, number>> {
  const pid = String(gatewayPid);
  if (SAMPLERS[what]) {
    process.kill(gatewayPid, 'SIGUSR2');
    await untilExists(`${samplerOut}.started`);
    await run();
    process.kill(gatewayPid, 'SIGUSR2');
    await untilExists(samplerOut);
    return {}; // read from the sampler's file below
  }
  if (what === 'instructions') {
    execFileSync('callgrind_control', ['--instr=on', pid], { stdio: 'ignore' });
    await run();
    execFileSync('callgrind_control', ['--instr=off', pid], { stdio: 'ignore' });
    return {}; // read from the dump once the gateway has exited
  }
  if (what === 'threads') {
    const before = threadTimes(pid);
    await run();
    return threadsDelta(before, threadTimes(pid));
  }
  const threads = readdirSync(`/proc/${pid}/task`);
  const out = join(dir, 'strace.txt');
  const strace = spawn('strace', ['-c', '-o', out, ...threads.flatMap((t) => ['-p', t])], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500)); // attached (strace has no ready signal)
  await run();
  strace.kill('SIGINT');
  await once(strace, 'exit');
  const counts: Record<string, number> = {};
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const cells = line.trim().split(/\s+/);
    const calls = Number(cells[3]);
    const name = cells[cells.length - 1];
    if (cells.length >= 5 && Number.isFinite(calls) && name && name !== 'total' && !name.startsWith('-')) counts[name] = calls;
  }
  return counts;
}

interface ThreadTime { name: string; ns: number; runs: number; preempted: number }

/**
 * Each live thread's CPU time (ns) and times run, from the kernel's scheduler statistics, named
 * `main` or by its name and place in the order threads were made: node names nearly all its
 * threads `node`, and makes V8's helpers first, then libuv's pool and worker threads as they come.
 */
function threadTimes(pid: string): Map<string, ThreadTime> {
  const times = new Map<string, ThreadTime>();
  const tids = readdirSync(`/proc/${pid}/task`).sort((a, b) => Number(a) - Number(b));
  for (const [place, tid] of tids.entries()) {
    try {
      const [ns, , runs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
      const name = tid === pid ? 'main' : `${readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()}#${place}`;
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      times.set(tid, { name, ns: ns!, runs: runs!, preempted: Number(/nonvoluntary_ctxt_switches:\s*(\d+)/.exec(status)?.[1] ?? 0) });
    } catch {
      // the thread ended between the listing and the read: it ran nothing measured
    }
  }
  return times;
}

/**
 * µs and runs by thread name over the measured turns (`<name> µs`, `<name> runs`). A thread that
 * started during them counts from zero; one that ended during them is lost, which the pools of
 * V8 and libuv, started with the process, do not do.
 */
function threadsDelta(before: Map<string, ThreadTime>, after: Map<string, ThreadTime>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [tid, now] of after) {
    const then = before.get(tid) ?? { ns: 0, runs: 0, preempted: 0 };
    counts[`${now.name} µs`] = (counts[`${now.name} µs`] ?? 0) + (now.ns - then.ns) / 1000;
    counts[`${now.name} runs`] = (counts[`${now.name} runs`] ?? 0) + now.runs - then.runs;
    counts[`${now.name} preempted`] = (counts[`${now.name} preempted`] ?? 0) + now.preempted - then.preempted;
  }
  return counts;
}

async function untilExists(path: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`the gateway did not write ${path} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface HeapNode { id: number; callFrame: Frame; children: HeapNode[] }
interface HeapProfile { head: HeapNode; samples: Array<{ size: number; nodeId: number }> }

/**
 * Bytes allocated by stage, from a sampling heap profile. Each sample's size is already V8's
 * estimate of the bytes it stands for (the object's size times the allocations of that size a
 * sample stands for at this interval), so the sums are totals, not samples.
 */
function allocationsByStage(profile: HeapProfile): { byStage: Record<string, number>; byFunction: Map<string, number> } {
  const nodes = new Map<number, HeapNode>();
  const parents = new Map<number, number>();
  const visit = (node: HeapNode): void => {
    nodes.set(node.id, node);
    for (const child of node.children) {
      parents.set(child.id, node.id);
      visit(child);
    }
  };
  visit(profile.head);
  const stageOf = stageClassifier((id) => nodes.get(id)!.callFrame, (id) => parents.get(id));
  const byStage: Record<string, number> = {};
  const byFunction = new Map<string, number>();
  for (const sample of profile.samples) {
    const stage = stageOf(sample.nodeId);
    byStage[stage] = (byStage[stage] ?? 0) + sample.size;
    const { functionName, url, lineNumber } = nodes.get(sample.nodeId)!.callFrame;
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist)\//, '')}:${lineNumber + 1}`;
    byFunction.set(where, (byFunction.get(where) ?? 0) + sample.size);
  }
  return { byStage, byFunction };
}

/** Where one measurement writes: callgrind's dump and the sampler's file, named by the load. */
interface Outputs {
  label: string;
  slug: string;
  callgrindOut: string;
  samplerOut: string;
}

function outputsFor(what: What, label: string, dir: string): Outputs {
  const slug = label.replace(/\W/g, '');
  return { label, slug, callgrindOut: join(dir, `callgrind.${slug}.out`), samplerOut: join(dir, `${what}.${slug}.json`) };
}

/** What the gateway is started with for `what`: its sampler module and file, or valgrind. */
function countedGateway(what: What, out: Outputs): Pick<GatewayOptions, 'nodeArgs' | 'env' | 'launcher'> {
  const sampler = SAMPLERS[what];
  return {
    nodeArgs: [
      ...flagValues('gateway-flag'), ...(sampler ? ['--import', sampler.module] : []),
      // The map is written to /tmp by V8; the log file the flag also opens goes with the dumps, not to the working directory.
      ...(what === 'instructions' && FUNCTIONS > 0 ? ['--perf-basic-prof', `--logfile=${join(dirname(out.callgrindOut), 'v8.log')}`, '--no-logfile-per-isolate'] : []),
    ],
    // The gateway reads where its sampler writes from its environment (allocation-sampler.ts, statement-timer.ts).
    ...(sampler ? { env: { [sampler.env]: out.samplerOut } } : {}),
    ...(what === 'instructions'
      ? { launcher: ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', '--dump-instr=no', `--callgrind-out-file=${out.callgrindOut}`] }
      : {}),
  };
}

/** The HTTP loop: the simulator's inbound route, the minimal app, the reply on the event stream. */
async function measureHttpLoop(what: What, load: Load, turns: number, warmup: number, dir: string): Promise<Counted> {
  const out = outputsFor(what, 'rate' in load ? `${load.rate}/s offered` : `${load.concurrency} in flight`, dir);
  const app = await startApp('minimal');
  const concurrency = 'rate' in load ? 256 : load.concurrency;
  const gw = await startGateway({
    db: join(dir, `gateway-${out.slug}.db`), credentials: newCredentials(), connections: concurrency, startMs: 300_000,
    ...countedGateway(what, out),
  });
  let counts: Record<string, number> = {};
  let completed = 0;
  try {
    const numbers = await createNumbers(gw, app, 10);
    const driver = await loopDriver(gw, { handsets: Array.from({ length: Math.max(1000, concurrency * 4) }, (_, h) => h), handsetNumber, numbers, timeoutMs: 120_000 });
    try {
      await saturate(driver.op, Math.min(concurrency, 64), { count: warmup, maxMs: 600_000, drainMs: 120_000 });
      let result: LoadResult | null = null;
      counts = await counting(what, gw.child.pid, dir, out.samplerOut, async () => {
        const bounds = { count: turns, maxMs: 900_000, drainMs: 120_000 };
        result = 'rate' in load ? await steady(driver.op, load.rate, concurrency, bounds) : await saturate(driver.op, load.concurrency, bounds);
      });
      const done = result as LoadResult | null;
      // A turn skipped at the offered rate (too many in flight) was never started: it costs nothing.
      completed = done?.completed ?? 0;
      if (completed < turns * 0.9) throw new Error(`only ${completed} of ${turns} turns completed (${done?.firstError ?? 'skipped or timed out'})`);
    } finally {
      driver.close();
    }
  } finally {
    await gw.stop();
    await app.stop();
  }
  return summarize(what, out, completed, counts, dir, gw.child.pid);
}

/**
 * The carrier loop (bench/workloads/carrier.ts): the SMSC simulator's messages over SMPP, the
 * minimal app, replies as submit_sm and their receipts. Counted between two of the simulator's
 * `progress` lines, so a "turn" here is one loop: message, reply and receipt.
 */
async function measureCarrierLoop(what: What, turns: number, warmup: number, dir: string): Promise<Counted> {
  const out = outputsFor(what, `carrier loop, window ${CARRIER_WINDOW}`, dir);
  const app = await startApp('minimal');
  // Enough messages that the last `progress` line waited for comes before the simulator runs out.
  const sim = await startSim(warmup + turns + 1000);
  let counts: Record<string, number> = {};
  let completed = 0;
  let gatewayPid = 0;
  try {
    const gw = await startGateway({
      db: join(dir, `gateway-${out.slug}.db`), credentials: newCredentials(), connections: 1, startMs: 300_000,
      serveArgs: ['--config', await carrierConfig(dir, sim.port)], ...countedGateway(what, out),
    });
    gatewayPid = gw.child.pid; // summarize reads its perf map after it has stopped
    try {
      await gw.createNumber(PARLEY_NUMBER, `${app.origin}/sms`);
      await sim.child.waitForLine(/^bound$/, 300_000);
      sim.child.proc.stdin?.write('go\n');
      const from = await progressOf(sim.child, warmup);
      let to = from;
      counts = await counting(what, gw.child.pid, dir, out.samplerOut, async () => {
        to = await progressOf(sim.child, from + turns);
      });
      completed = to - from;
    } finally {
      await gw.stop();
    }
  } finally {
    await sim.child.stop(2000);
    await app.stop();
  }
  return summarize(what, out, completed, counts, dir, gatewayPid);
}

/** Resolves with the simulator's first count of loops done at or past `atLeast` (0: at once). */
async function progressOf(sim: Child, atLeast: number): Promise<number> {
  if (atLeast <= 0) return 0;
  for (;;) {
    const done = Number((await sim.waitForLine(/^progress (\d+)$/, 900_000, true))[1]);
    if (done >= atLeast) return done;
  }
}

/** Per turn: instructions from callgrind's dumps, statements or allocations from the sampler's file, or system calls. */
function summarize(what: What, out: Outputs, completed: number, counted: Record<string, number>, dir: string, gatewayPid: number): Counted {
  const label = out.label;
  let counts = counted;
  if (what === 'instructions') {
    const paths = readdirSync(dir).map((f) => join(dir, f)).filter((path) => path.startsWith(out.callgrindOut));
    const total = paths.reduce((sum, path) => sum + Number(/^totals:\s+(\d+)/m.exec(readFileSync(path, 'utf8'))?.[1] ?? 0), 0);
    const result: Counted = { load: label, turns: completed, perTurn: { instructions: Math.round(total / completed) } };
    if (FUNCTIONS === 0) return result;
    const perfMap = perfMapOf(gatewayPid);
    try {
      return { ...result, topFunctions: functionsOf(paths, perfMap, completed, FUNCTIONS) };
    } finally {
      if (!process.env.PARLEY_BENCH_KEEP) rmSync(perfMap, { force: true });
    }
  }
  if (what === 'statements') return statementsPerTurn(label, completed, JSON.parse(readFileSync(out.samplerOut, 'utf8')) as Record<string, StatementTime>);
  let topFunctions: Array<[string, number]> | undefined;
  if (what === 'allocations') {
    const { byStage, byFunction } = allocationsByStage(JSON.parse(readFileSync(out.samplerOut, 'utf8')) as HeapProfile);
    counts = byStage;
    topFunctions = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([where, bytes]) => [where, Math.round(bytes / completed)]);
  }
  const perTurn: Record<string, number> = {};
  const totals = { total: 0, 'total µs': 0, 'total runs': 0 };
  for (const [name, calls] of Object.entries(counts)) {
    perTurn[name] = Math.round((100 * calls) / completed) / 100;
    if (what !== 'threads') totals.total += calls;
    else if (name.endsWith(' µs')) totals['total µs'] += calls;
    else if (name.endsWith(' runs')) totals['total runs'] += calls;
  }
  for (const [name, sum] of Object.entries(totals)) {
    if ((name === 'total') === (what !== 'threads')) perTurn[name] = Math.round((100 * sum) / completed) / 100;
  }
  return { load: label, turns: completed, perTurn, ...(topFunctions ? { topFunctions } : {}) };
}

/** µs a turn in each statement (and `total`), and each one's calls a turn and µs a call. */
function statementsPerTurn(load: string, turns: number, times: Record<string, StatementTime>): Counted {
  const perTurn: Record<string, number> = {};
  let total = 0;
  const statements = Object.entries(times).map(([name, t]) => {
    perTurn[name] = Math.round(t.ns / turns) / 1000;
    total += t.ns;
    return { name, callsPerTurn: Math.round((100 * t.calls) / turns) / 100, usPerCall: Math.round(t.ns / t.calls) / 1000 };
  }).sort((a, b) => perTurn[b.name]! - perTurn[a.name]!);
  perTurn.total = Math.round(total / turns) / 1000;
  return { load, turns, perTurn, statements };
}

function formatCount(what: What, n: number): string {
  if (what === 'instructions') return `${(n / 1e6).toFixed(3)} M`;
  if (what === 'allocations') return `${(n / 1024).toFixed(1)} KiB`;
  if (what === 'statements') return `${n.toFixed(1)} µs`;
  if (what === 'threads') return n.toFixed(2);
  return String(n);
}

async function main(): Promise<void> {
  installExitHooks();
  const what = option('what', 'instructions') as What;
  if (!WHATS.includes(what)) throw new Error(`--what must be ${WHATS.join(', ')}`);
  const turns = positiveIntFlag('turns', 3000);
  const warmup = Number(option('warmup', '10000'));
  const dir = mkdtempSync(join(tmpdir(), 'parley-counts-'));
  const loop = option('loop', 'http');
  if (loop !== 'http' && loop !== 'carrier') throw new Error('--loop must be http or carrier');
  const loads: Load[] = [
    ...option('concurrency', flagValue('rate') === undefined ? '64' : '').split(',').filter(Boolean).map((c) => ({ concurrency: Number(c) })),
    ...option('rate', '').split(',').filter(Boolean).map((r) => ({ rate: Number(r) })),
  ];
  // The carrier loop has one load: the simulator's window (--concurrency and --rate do not apply).
  const measurements = loop === 'carrier'
    ? [() => measureCarrierLoop(what, turns, warmup, dir)]
    : loads.map((load) => () => measureHttpLoop(what, load, turns, warmup, dir));
  try {
    const results: Counted[] = [];
    for (const measurement of measurements) {
      const counted = await measurement();
      results.push(counted);
      const top = Object.entries(counted.perTurn).sort((a, b) => b[1] - a[1]).slice(0, what === 'threads' ? 24 : 12);
      console.log(`${counted.load}, ${counted.turns} turns: ${top.map(([name, n]) => `${name} ${formatCount(what, n)}`).join(', ')}`);
      const unit = what === 'instructions' ? 'instructions' : 'bytes';
      for (const [where, n] of counted.topFunctions ?? []) console.log(`  ${String(n).padStart(7)} ${unit} a turn  ${where}`);
      for (const s of counted.statements ?? []) console.log(`  ${s.callsPerTurn.toFixed(2).padStart(6)} a turn, ${s.usPerCall.toFixed(2).padStart(7)} µs a call  ${s.name.slice(0, 90)}`);
    }
    const out = flagValue('out');
    if (out) writeFileSync(out, JSON.stringify(results, null, 2));
  } finally {
    if (process.env.PARLEY_BENCH_KEEP) console.log(`kept ${dir}`); // the callgrind dumps (for callgrind_annotate), heap profiles or statement times
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
