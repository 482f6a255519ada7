/**
 * Smoke test of the bench: runs `bench/run.ts --smoke` (seconds, tiny loads, no targets enforced)
 * and checks it produced a results document of the expected shape and a chart, so the bench
 * cannot rot unnoticed. Kannel is skipped where it is not installed, which is the normal case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

function runScript(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** What `bench/counts.ts --what=WHAT` writes with `--out`, one entry a load. */
interface Counted {
  load: string;
  turns: number;
  perTurn: Record<string, number>;
  statements?: Array<{ name: string; callsPerTurn: number; usPerCall: number }>;
}

/**
 * Runs `bench/counts.ts --what=WHAT` briefly (the HTTP loop at 8 in flight, unless `load` says
 * otherwise); its output and its one counted load.
 */
async function countBriefly(what: string, load = { args: ['--turns=300', '--warmup=300', '--concurrency=8'], label: '8 in flight' }): Promise<{ output: string; counted: Counted }> {
  const dir = await mkdtemp(join(tmpdir(), `parley-bench-${what}-`));
  try {
    const script = fileURLToPath(new URL('../../bench/counts.js', import.meta.url));
    const out = join(dir, `${what}.json`);
    const { code, output } = await runScript(script, [`--what=${what}`, ...load.args, `--out=${out}`]);
    assert.equal(code, 0, output);
    const [counted] = JSON.parse(await readFile(out, 'utf8')) as Counted[];
    assert.equal(counted!.load, load.label);
    assert.ok(counted!.turns >= 270, `turns: ${counted!.turns}`);
    return { output, counted: counted! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${what} is an object`);
  return value as Record<string, unknown>;
}

test('npm run bench -- --smoke writes results with every workload and target', { timeout: 240_000 }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'parley-bench-smoke-'));
  try {
    const { code, output } = await runScript(RUN, ['--smoke', `--out=${out}`]);
    assert.equal(code, 0, output);
    assert.match(output, /^TARGET /m);

    const results = record(JSON.parse(await readFile(join(out, 'smoke.json'), 'utf8')), 'results');
    assert.equal(results.version, 1);
    assert.equal(results.profile, 'smoke');
    const machine = record(results.machine, 'machine');
    assert.equal(typeof machine.cpus, 'number');

    const workloads = record(results.workloads, 'workloads');
    assert.deepEqual(Object.keys(workloads).sort(), ['carrier', 'footprint', 'fullLoop', 'growth', 'httpCeiling', 'kannel', 'postgres']);
    const ceiling = record(workloads.httpCeiling, 'httpCeiling');
    assert.ok(Number(record(ceiling.saturation, 'ceiling saturation').completed) > 0, 'the ceiling completed requests');
    const fullLoop = record(workloads.fullLoop, 'fullLoop');
    for (const app of ['minimal', 'sessionCounter']) {
      const run = record(fullLoop[app], app);
      const saturation = record(run.saturation, `${app} saturation`);
      assert.ok(Number(saturation.completed) > 0, `${app}: loops completed`);
      assert.equal(saturation.errors, 0, `${app}: ${String(saturation.firstError)}`);
      record(run.steady, `${app} steady`);
    }
    const kannel = record(workloads.kannel, 'kannel');
    assert.ok(kannel.skipped === true ? typeof kannel.reason === 'string' : Number(kannel.replies) > 0, 'Kannel ran or said why not');
    if (kannel.skipped !== true) {
      const half = record(kannel.steady, 'kannel steady');
      assert.equal(half.replies, half.messages, 'Kannel answered every message of its steady run');
      assert.ok(Number(record(half.cpuMsPerLoop, 'kannel steady cpu').smsbox) > 0, 'smsbox CPU measured at half saturation');
    }
    const carrier = record(workloads.carrier, 'carrier');
    assert.ok(Number(record(carrier.parley, 'carrier parley').completed) > 0, 'the carrier loop completed messages through Parley');
    const carrierKannel = record(carrier.kannel, 'carrier kannel');
    assert.ok(carrierKannel.skipped === true ? typeof carrierKannel.reason === 'string' : Number(carrierKannel.completed) > 0, 'Kannel ran the carrier loop or said why not');
    const growth = record(workloads.growth, 'growth');
    assert.ok(Array.isArray(growth.points) && growth.points.length === 2, 'two growth sizes');
    assert.ok(Array.isArray(record(workloads.footprint, 'footprint').points));
    const postgres = record(workloads.postgres, 'postgres');
    const oneNode = record(record(postgres.oneNode, 'postgres oneNode').saturation, 'postgres saturation');
    assert.ok(Number(oneNode.completed) > 0, 'the loop on PostgreSQL completed turns');
    assert.equal(oneNode.errors, 0, String(oneNode.firstError));
    assert.deepEqual((postgres.nodes as unknown[]).map((p) => record(p, 'nodes point').nodes), [1, 2, 3]);
    for (const p of postgres.nodes as unknown[]) {
      const s = record(record(p, 'nodes point').saturation, 'nodes saturation');
      assert.ok(Number(s.completed) > 0 && s.errors === 0, `nodes: ${String(s.firstError)}`);
    }

    assert.ok(Array.isArray(results.targets));
    assert.deepEqual((results.targets as unknown[]).map((t) => record(t, 'target').id),
      ['kannel', 'cpu-saturation', 'cpu-half', 'carrier', 'carrier-cpu', 'ceiling', 'overhead', 'growth-throughput', 'growth-memory']);
    // A rate target says what it leaves the gateway a turn on this machine, beside what the gateway took.
    const ceilingTarget = record((results.targets as unknown[]).find((t) => record(t, 'target').id === 'ceiling'), 'ceiling target');
    const room = /at the (\d+)\/s asked the gateway may take (?:at most ([\d.]+)|nothing) ms a turn \((?:its event loop's one core|\d+ cores less the app and the generator's [\d.]+)\), it took ([\d.]+)$/
      .exec(String(ceilingTarget.note));
    assert.ok(room, String(ceilingTarget.note));
    assert.equal(Number(room[1]), Math.round(0.3 * Number(record(ceiling.saturation, 'ceiling saturation').rate)));
    // The note rounds the rate to a whole number (by up to 0.5/s) and the time to 3 decimals.
    assert.ok(room[2] === undefined || Number(room[2]) <= 1000 / (Number(room[1]) - 0.5) + 0.0005, String(ceilingTarget.note));
    assert.equal(Number(room[3]), Number(record(record(fullLoop.minimal, 'minimal').cpuMsPerLoop, 'cpu').gateway));

    const svg = await readFile(join(out, 'smoke.svg'), 'utf8');
    assert.match(svg, /^<svg /);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('bench/store-writes.ts measures every variant of the store write path', { timeout: 120_000 }, async () => {
  const script = fileURLToPath(new URL('../../bench/store-writes.js', import.meta.url));
  const { code, output } = await runScript(script, ['--turns=200', '--batch=5', '--rounds=1']);
  assert.equal(code, 0, output);
  const rows = output.split('\n').filter((line) => / µs CPU per turn /.test(line));
  assert.equal(rows.length, 5, output);
  assert.match(rows[0]!, /1\.00× shipped {2}as shipped/);
  for (const row of rows) assert.ok(Number(/^\s*([\d.]+) µs/.exec(row)?.[1]) > 0, row);
});

test('bench/counts.ts --what=allocations counts the bytes a turn allocates, by stage', { timeout: 120_000 }, async () => {
  const { output, counted } = await countBriefly('allocations');
  assert.match(output, /^8 in flight, \d+ turns: total [\d.]+ KiB, /m);
  const { total, ...stages } = counted.perTurn;
  // A turn parses a request, posts a webhook and writes its records: tens of kilobytes (about 75 KiB
  // warm, more this early), nearly all of it garbage by the next collection. Counting only what
  // survived, as a heap profile does unless asked, gives about 4 KiB here.
  assert.ok(total! > 16_384 && total! < 4_194_304, `total ${total} bytes a turn`);
  for (const stage of ['inbound HTTP (fastify, routes, form, auth, JSON)', 'webhook: HTTP client (own for http:, undici for https:)', 'turn logic (gateway, scheduler, documents)']) {
    assert.ok((stages[stage] ?? 0) > 0, `${stage}: ${JSON.stringify(stages)}`);
  }
  const sum = Object.values(stages).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - total!) <= Object.keys(stages).length * 0.01, `stages add up to ${sum}, total ${total}`);
});

test('bench/counts.ts --what=statements times the SQLite statements a turn runs, by name', { timeout: 120_000 }, async () => {
  const { output, counted } = await countBriefly('statements');
  assert.match(output, /^8 in flight, \d+ turns: total [\d.]+ µs, /m);
  assert.match(output, /^ +1\.00 a turn, +[\d.]+ µs a call  messageInsert$/m);
  const calls = Object.fromEntries((counted.statements ?? []).map((s) => [s.name, s.callsPerTurn]));
  // A turn stores its inbound message, then its outcome: the reply, the conversation, the exchange
  // record and the turn's end (finding 72). The inbound message moves its conversation's chain with a
  // statement of its own; the reply is made the latest by the conversation's upsert (finding 100).
  for (const name of ['messageInsert', 'conversationUpsert', 'replyInsertAhead', 'exchangeInsert', 'turnFinish']) {
    assert.ok(Math.abs(calls[name]! - 1) < 0.05, `${name}: ${calls[name]} a turn`);
  }
  assert.ok(Math.abs(calls.chainAdvance! - 1) < 0.05, `chainAdvance: ${calls.chainAdvance} a turn`);
  assert.equal(calls.replyInsert, undefined, 'a turn with one reply in its own conversation writes it ahead');
  assert.ok((calls.COMMIT ?? 0) > 0 && calls.COMMIT! <= 2.05, `COMMIT: ${calls.COMMIT} a turn`);
  const { total, ...byStatement } = counted.perTurn;
  assert.ok(total! > 0, `total ${total} µs a turn`);
  const sum = Object.values(byStatement).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - total!) <= Object.keys(byStatement).length * 0.001 + 0.001, `statements add up to ${sum}, total ${total}`);
});

test('bench/counts.ts --what=threads gives each of the gateway\'s threads its CPU and its runs a turn', { timeout: 120_000 }, async () => {
  const { output, counted } = await countBriefly('threads');
  assert.match(output, /^8 in flight, \d+ turns: total µs [\d.]+, /m);
  const { 'total µs': totalUs, 'total runs': totalRuns, ...byThread } = counted.perTurn;
  // The main thread runs every turn: it has CPU a turn, and was scheduled at least now and then.
  assert.ok((byThread['main µs'] ?? 0) > 1, `main: ${JSON.stringify(byThread)}`);
  assert.ok((byThread['main runs'] ?? 0) > 0, `main runs: ${JSON.stringify(byThread)}`);
  // Every other thread is named by its name and its place in the order of creation, never `main`.
  const others = Object.keys(byThread).filter((k) => k.endsWith(' µs') && k !== 'main µs');
  assert.ok(others.length > 0 && others.every((k) => /^.+#\d+ µs$/.test(k)), others.join(', '));
  const sumOf = (suffix: string): number => Object.entries(byThread).filter(([k]) => k.endsWith(suffix)).reduce((a, [, v]) => a + v, 0);
  assert.ok(Math.abs(sumOf(' µs') - totalUs!) <= Object.keys(byThread).length * 0.01, `threads add up to ${sumOf(' µs')} µs, total ${totalUs}`);
  assert.ok(Math.abs(sumOf(' runs') - totalRuns!) <= Object.keys(byThread).length * 0.01, `runs add up to ${sumOf(' runs')}, total ${totalRuns}`);
  assert.ok(totalRuns! < totalUs!, 'a run is more than a microsecond');
});

test('bench/counts.ts --loop=carrier times the statements of a carrier loop: message, reply, part, receipt', { timeout: 120_000 }, async () => {
  // 2,000 loops, so that the 50 in flight at either end of the count are a few percent of it.
  const { output, counted } = await countBriefly('statements', { args: ['--loop=carrier', '--turns=2000', '--warmup=300'], label: 'carrier loop, window 50' });
  assert.match(output, /^carrier loop, window 50, \d+ turns: total [\d.]+ µs, /m);
  const calls = Object.fromEntries((counted.statements ?? []).map((s) => [s.name, s.callsPerTurn]));
  // Each loop stores the SMSC's message and the reply, records the accepted part and settles it by
  // its receipt, and changes the reply's status twice: sent, then delivered (finding 78: a receipt
  // right behind submit_sm_resp no longer writes `sent` a second time).
  // Counted between two progress lines of the simulator, so a few percent either way (the loops in
  // flight at each end); the old second `sent` made it 2.4 status changes a loop.
  for (const name of ['messageInsert', 'replyInsertAhead', 'carrierPartInsert', 'carrierPartSettle']) {
    assert.ok(Math.abs(calls[name]! - 1) < 0.1, `${name}: ${calls[name]} a loop`);
  }
  // Most receipts find their part among those the store holds in memory (finding 88); the table is
  // read only for a receipt that comes before its part's record has committed.
  assert.ok((calls.carrierPartMatch ?? 0) < 0.3, `carrierPartMatch: ${calls.carrierPartMatch} a loop`);
  assert.ok(Math.abs(calls.messageSetStatusFrom! - 2) < 0.2, `messageSetStatusFrom: ${calls.messageSetStatusFrom} a loop`);
});
