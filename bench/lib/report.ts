/**
 * What a bench run reports: the results document (written as JSON), the printed table and the
 * target lines (measured ratio, target, PASS or FALL SHORT). Targets are reported, never enforced.
 */
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { CeilingResult } from '../workloads/http-ceiling.js';
import type { FullLoopResult } from '../workloads/full-loop.js';
import type { KannelResult } from '../workloads/kannel.js';
import type { CarrierResult } from '../workloads/carrier.js';
import type { GrowthResult } from '../workloads/growth.js';
import type { FootprintResult } from '../workloads/footprint.js';
import type { PostgresResult } from '../workloads/postgres.js';
import type { ProfileName } from '../profile.js';

export type Skipped = { skipped: true; reason: string };

export interface Results {
  version: 1;
  profile: ProfileName;
  startedAt: string;
  durationMs: number;
  machine: Machine;
  workloads: {
    httpCeiling: CeilingResult | Skipped;
    fullLoop: { minimal: FullLoopResult | Skipped; sessionCounter: FullLoopResult | Skipped };
    kannel: KannelResult;
    carrier: CarrierResult | Skipped;
    growth: GrowthResult | Skipped;
    footprint: FootprintResult | Skipped;
    postgres: PostgresResult | Skipped;
  };
  targets: Target[];
}

export interface Target {
  id: 'kannel' | 'carrier' | 'carrier-cpu' | 'cpu-saturation' | 'cpu-half' | 'ceiling' | 'overhead' | 'growth-throughput' | 'growth-memory';
  description: string;
  /** The measured value the target is about (a ratio, or milliseconds for the overhead). */
  measured: number | null;
  target: string;
  verdict: 'PASS' | 'FALL SHORT' | 'NOT MEASURED';
  note: string;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1-minute load average when the run started and ended: other work on the machine skews results. */
  loadAtStart: number;
  loadAtEnd: number;
}

export function machine(loadAtStart: number): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAtStart,
    loadAtEnd: load1(),
  };
}

export function load1(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

export function isSkipped<T extends object>(x: T | Skipped): x is Skipped {
  return 'skipped' in x && x.skipped === true;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * What a rate target leaves the gateway on this machine, in CPU a turn. The gateway's event loop is
 * one thread, so at `rate` turns a second it has at most 1000 / rate ms a turn; and every process of
 * the loop shares the machine's cores, so the gateway has at most cores × 1000 / rate ms a turn less
 * what the other processes took a turn in the same run. The smaller bound is the one printed. A
 * bound, not a forecast: it assumes every core busy all the time (bench/README.md, finding 18).
 */
function gatewayRoom(rate: number, gatewayMs: number, others: { label: string; ms: number }, cores: number): string {
  const oneThread = 1000 / rate;
  const shared = (cores * 1000) / rate - others.ms;
  const why = oneThread <= shared ? 'its event loop\'s one core' : `${cores} cores less ${others.label}'s ${r3(others.ms)}`;
  const room = Math.min(oneThread, shared);
  return `; at the ${Math.round(rate)}/s asked the gateway may take ${room > 0 ? `at most ${r3(room)}` : 'nothing'} ms a turn (${why}), it took ${gatewayMs}`;
}

function carrierRoom(carrier: CarrierResult, rate: number, cores: number): string {
  const { gateway, ...others } = carrier.parley.cpuMsPerMessage;
  if (gateway === undefined) return '';
  const ms = Object.values(others).reduce((sum, x) => sum + x, 0);
  return gatewayRoom(rate, gateway, { label: `the ${Object.keys(others).join(' and the ')}`, ms }, cores);
}

function loopRoom(loop: FullLoopResult, rate: number, cores: number): string {
  const { gateway, app, generator } = loop.cpuMsPerLoop;
  return gatewayRoom(rate, gateway, { label: 'the app and the generator', ms: app + generator }, cores);
}

export function targets(w: Results['workloads'], cores: number): Target[] {
  const loop = isSkipped(w.fullLoop.minimal) ? null : w.fullLoop.minimal;
  const loopRate = loop?.saturation.rate ?? null;
  const out: Target[] = [];
  const ratio = (
    id: Target['id'], description: string, value: number | null, target: string, pass: (v: number) => boolean, note: string,
  ): void => {
    out.push({
      id, description, measured: value === null ? null : r3(value), target,
      verdict: value === null ? 'NOT MEASURED' : pass(value) ? 'PASS' : 'FALL SHORT', note,
    });
  };

  const kannelRate = w.kannel.skipped ? null : w.kannel.rate;
  ratio('kannel', 'Full loop / Kannel loop', loopRate !== null && kannelRate ? loopRate / kannelRate : null, '>= 1.5',
    (v) => v >= 1.5, w.kannel.skipped ? `Kannel skipped: ${w.kannel.reason}`
      : `${loopRate ?? '-'}/s vs ${kannelRate}/s${loop && kannelRate ? loopRoom(loop, 1.5 * kannelRate, cores) : ''}`);

  // Issue 16: the gateway's CPU per turn against Kannel's two boxes per loop (Kannel is measured at saturation only).
  const kannelCpu = w.kannel.skipped ? null : w.kannel.cpuMsPerLoop.bearerbox + w.kannel.cpuMsPerLoop.smsbox;
  const kannelCpuNote = kannelCpu === null ? '' : ` vs Kannel ${r3(kannelCpu)} ms/loop (bearerbox + smsbox)`;
  ratio('cpu-saturation', 'Gateway CPU per turn / Kannel CPU per loop, at saturation', loop && kannelCpu ? loop.cpuMsPerLoop.gateway / kannelCpu : null,
    '<= 0.667', (v) => v <= 2 / 3, loop ? `gateway ${loop.cpuMsPerLoop.gateway} ms/turn${kannelCpuNote}` : '');
  // Kannel is measured at half its own saturation too; that ratio is the note's, the target stays against Kannel at saturation.
  const kannelSteady = w.kannel.skipped ? undefined : w.kannel.steady;
  const kannelHalfCpu = kannelSteady ? kannelSteady.cpuMsPerLoop.bearerbox + kannelSteady.cpuMsPerLoop.smsbox : null;
  const halfBothNote = loop && kannelSteady && kannelHalfCpu
    ? `; Kannel at half its saturation (${kannelSteady.offeredRate}/s) ${r3(kannelHalfCpu)} ms/loop, ratio ${r3(loop.steadyGatewayCpu.msPerTurn / kannelHalfCpu)}` : '';
  ratio('cpu-half', 'Gateway CPU per turn / Kannel CPU per loop, at half saturation', loop && kannelCpu ? loop.steadyGatewayCpu.msPerTurn / kannelCpu : null,
    '<= 0.667', (v) => v <= 2 / 3, loop ? `gateway ${loop.steadyGatewayCpu.msPerTurn} ms/turn at ${loop.steady.offeredRate}/s${kannelCpuNote} at saturation${halfBothNote}` : '');

  const carrier = isSkipped(w.carrier) ? null : w.carrier;
  const carrierKannel = carrier && !('skipped' in carrier.kannel) ? carrier.kannel : null;
  ratio('carrier', 'Carrier loop over SMPP: Parley / Kannel', carrier && carrierKannel?.rate ? carrier.parley.rate / carrierKannel.rate : null, '>= 2',
    (v) => v >= 2, !carrier ? 'not run' : carrierKannel ? `${carrier.parley.rate}/s (durable) vs ${carrierKannel.rate}/s (no store)${carrierRoom(carrier, 2 * carrierKannel.rate, cores)}`
      : `Kannel skipped: ${'skipped' in carrier.kannel ? carrier.kannel.reason : ''}`);
  const parleyCarrierCpu = carrier?.parley.cpuMsPerMessage['gateway'] ?? null;
  const kannelCarrierCpu = carrierKannel ? (carrierKannel.cpuMsPerMessage['bearerbox'] ?? 0) + (carrierKannel.cpuMsPerMessage['smsbox'] ?? 0) : null;
  ratio('carrier-cpu', 'Carrier loop: gateway CPU per message / Kannel\'s (bearerbox + smsbox)',
    parleyCarrierCpu !== null && kannelCarrierCpu ? parleyCarrierCpu / kannelCarrierCpu : null, '<= 0.5', (v) => v <= 0.5,
    parleyCarrierCpu !== null && kannelCarrierCpu ? `${parleyCarrierCpu} vs ${r3(kannelCarrierCpu)} ms/message` : '');

  const ceiling = isSkipped(w.httpCeiling) ? null : w.httpCeiling.saturation.rate;
  ratio('ceiling', 'Full loop / HTTP ceiling', loopRate !== null && ceiling ? loopRate / ceiling : null, '>= 0.30',
    (v) => v >= 0.3, `${loopRate ?? '-'}/s vs ${ceiling ?? '-'}/s${loop && ceiling ? loopRoom(loop, 0.3 * ceiling, cores) : ''}`);

  ratio('overhead', 'Gateway overhead p99 at half saturation (ms)', loop?.overheadMs?.p99 ?? null, '<= 5 ms',
    (v) => v <= 5, loop ? `offered ${loop.steady.offeredRate}/s, loop p99 ${loop.steady.latencyMs.p99} ms` : '');

  const growth = isSkipped(w.growth) ? [] : w.growth.points;
  const first = growth[0];
  const last = growth[growth.length - 1];
  const sizes = first && last && last !== first;
  ratio('growth-throughput', `Throughput at ${fmtCount(last?.conversations)} / at ${fmtCount(first?.conversations)} stored`,
    sizes ? last.saturation.rate / first.saturation.rate : null, '>= 0.90', (v) => v >= 0.9,
    sizes ? `${last.saturation.rate}/s vs ${first.saturation.rate}/s; p99 ${last.saturation.latencyMs.p99} vs ${first.saturation.latencyMs.p99} ms; `
      + `gateway CPU ${last.cpuMsPerLoop.gateway} vs ${first.cpuMsPerLoop.gateway} ms/turn` : '');

  ratio('growth-memory', `RSS at ${fmtCount(last?.conversations)} / at ${fmtCount(first?.conversations)} stored`,
    sizes ? last.rssAfterBytes / first.rssAfterBytes : null, '<= 1.10', (v) => v <= 1.1,
    sizes ? `${mib(last.rssAfterBytes)} vs ${mib(first.rssAfterBytes)} MiB; JS heap retained after a full GC `
      + `${last.gatewayEventLoopMs?.heapUsedMiB ?? '-'} vs ${first.gatewayEventLoopMs?.heapUsedMiB ?? '-'} MiB` : '');
  return out;
}

export function targetLines(list: readonly Target[]): string[] {
  return list.map((t) => `TARGET ${t.description}: ${t.measured ?? '-'} (target ${t.target}) ${t.verdict}${t.note ? ` — ${t.note}` : ''}`);
}

/** The table printed at the end of a run (and pasted into bench/README.md). */
export function table(res: Results): string {
  const rows: string[][] = [['workload', 'turns/s', 'p50 ms', 'p99 ms', 'max ms', 'notes']];
  const w = res.workloads;
  if (!isSkipped(w.httpCeiling)) {
    const s = w.httpCeiling.saturation;
    rows.push(['HTTP ceiling (generator -> minimal app)', fmt(s.rate), ...lat(s.latencyMs), `app CPU ${w.httpCeiling.appCpuMsPerRequest} ms/req`]);
  }
  for (const [label, r] of [['minimal app', w.fullLoop.minimal], ['session-counter app', w.fullLoop.sessionCounter]] as const) {
    if (isSkipped(r)) {
      rows.push([`Full loop, ${label}`, '-', '-', '-', '-', `skipped: ${r.reason}`]);
      continue;
    }
    rows.push([`Full loop, ${label}, saturation`, fmt(r.saturation.rate), ...lat(r.saturation.latencyMs),
      `CPU ms/turn: gateway ${r.cpuMsPerLoop.gateway}, app ${r.cpuMsPerLoop.app}, generator ${r.cpuMsPerLoop.generator}; ${eld(r.gatewayEventLoopMs, r.appEventLoopMs)}${errs(r.saturation)}`]);
    rows.push([`Full loop, ${label}, steady ${fmt(r.steady.offeredRate ?? 0)}/s`, fmt(r.steady.rate), ...lat(r.steady.latencyMs),
      `overhead p50/p99 ${r.overheadMs ? `${r.overheadMs.p50}/${r.overheadMs.p99} ms` : 'n/a'}; app p99 ${r.appMs.p99} ms; `
      + `201 to reply stored p50/p99 ${r.steadySplitMs.toReplyStored.p50}/${r.steadySplitMs.toReplyStored.p99} ms, `
      + `stored to delivered ${r.steadySplitMs.storedToDelivered.p50}/${r.steadySplitMs.storedToDelivered.p99} ms; `
      + `gateway CPU ${r.steadyGatewayCpu.msPerTurn} ms/turn (${Math.round(r.steadyGatewayCpu.busy * 100)} % of a core)`
      + `${r.steadyOthersCpu ? `, app ${r.steadyOthersCpu.app}, generator ${r.steadyOthersCpu.generator}` : ''}; ${eld(r.steadyGatewayEventLoopMs, r.steadyAppEventLoopMs, r.steadyGeneratorEventLoopMs)}${errs(r.steady)}`]);
  }
  if (w.kannel.skipped) rows.push(['Kannel loop (no store)', '-', '-', '-', '-', `skipped: ${w.kannel.reason}`]);
  else {
    const k = w.kannel;
    rows.push(['Kannel loop (no store)', fmt(k.rate), '-', '-', '-',
      `${fmt(k.replies)}/${fmt(k.messages)} replies; CPU ms/loop: bearerbox ${k.cpuMsPerLoop.bearerbox}, smsbox ${k.cpuMsPerLoop.smsbox}`]);
    const h = k.steady;
    if (h) {
      rows.push([`Kannel loop (no store), steady ${fmt(h.offeredRate)}/s`, fmt(Math.round(h.replies / (h.elapsedMs / 1000))), '-', '-', '-',
        `${fmt(h.replies)}/${fmt(h.messages)} replies; CPU ms/loop: bearerbox ${h.cpuMsPerLoop.bearerbox}, smsbox ${h.cpuMsPerLoop.smsbox}, app ${h.cpuMsPerLoop.app}`]);
    }
  }
  if (isSkipped(w.carrier)) rows.push(['Carrier loop over SMPP', '-', '-', '-', '-', `skipped: ${w.carrier.reason}`]);
  else {
    const c = w.carrier;
    const cpu = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ');
    rows.push([`Carrier loop over SMPP, Parley (window ${c.window})`, fmt(c.parley.rate), ...lat(c.parley.replyMs),
      `${fmt(c.parley.completed)}/${fmt(c.parley.messages)} loops; message to reply; CPU ms/message: ${cpu(c.parley.cpuMsPerMessage)}`]);
    if ('skipped' in c.kannel) rows.push(['Carrier loop over SMPP, Kannel', '-', '-', '-', '-', `skipped: ${c.kannel.reason}`]);
    else {
      rows.push([`Carrier loop over SMPP, Kannel (no store, window ${c.window})`, fmt(c.kannel.rate), ...lat(c.kannel.replyMs),
        `${fmt(c.kannel.completed)}/${fmt(c.kannel.messages)} loops; CPU ms/message: ${cpu(c.kannel.cpuMsPerMessage)}`]);
    }
  }
  if (!isSkipped(w.growth)) {
    for (const p of w.growth.points) {
      rows.push([`Growth, ${fmtCount(p.conversations)} stored`, fmt(p.saturation.rate), ...lat(p.saturation.latencyMs),
        `gateway CPU ${p.cpuMsPerLoop.gateway} ms/turn; RSS ${mib(p.rssIdleBytes)} idle / ${mib(p.rssAfterBytes)} MiB loaded (JS heap ${p.gatewayEventLoopMs?.heapUsedMiB ?? '-'} used of ${p.gatewayEventLoopMs?.heapTotalMiB ?? '-'}, external ${p.gatewayEventLoopMs?.externalMiB ?? '-'} MiB); DB ${mib(p.dbBytesAtRest)} MiB${errs(p.saturation)}`]);
    }
  }
  if (!isSkipped(w.footprint)) {
    const f = w.footprint;
    rows.push(['Footprint per 100,000 stored', '-', '-', '-', '-',
      `DB ${f.dbMiBPer100k ?? '-'} MiB; RSS ${f.rssMiBPer100k ?? '-'} MiB`]);
  }
  if (isSkipped(w.postgres)) rows.push(['PostgreSQL', '-', '-', '-', '-', `skipped: ${w.postgres.reason}`]);
  else {
    const r = w.postgres.oneNode;
    rows.push(['Full loop, minimal app, PostgreSQL, saturation', fmt(r.saturation.rate), ...lat(r.saturation.latencyMs),
      `CPU ms/turn: gateway ${r.cpuMsPerLoop.gateway}, PostgreSQL ${r.cpuMsPerLoop.database ?? '-'}, app ${r.cpuMsPerLoop.app}, generator ${r.cpuMsPerLoop.generator}; `
      + `DB ${fmt(r.dbBytesPerLoop)} bytes/turn${errs(r.saturation)}`]);
    rows.push([`Full loop, minimal app, PostgreSQL, steady ${fmt(r.steady.offeredRate ?? 0)}/s`, fmt(r.steady.rate), ...lat(r.steady.latencyMs),
      `overhead p50/p99 ${r.overheadMs ? `${r.overheadMs.p50}/${r.overheadMs.p99} ms` : 'n/a'}; 201 to reply stored p50/p99 `
      + `${r.steadySplitMs.toReplyStored.p50}/${r.steadySplitMs.toReplyStored.p99} ms, stored to delivered ${r.steadySplitMs.storedToDelivered.p50}/`
      + `${r.steadySplitMs.storedToDelivered.p99} ms; gateway CPU ${r.steadyGatewayCpu.msPerTurn} ms/turn${errs(r.steady)}`]);
    for (const p of w.postgres.nodes) {
      rows.push([`PostgreSQL, ${p.nodes} node${p.nodes > 1 ? 's' : ''} on one database`, fmt(p.saturation.rate), ...lat(p.saturation.latencyMs),
        `CPU ms/turn: nodes ${p.cpuMsPerTurn.nodes.join(' + ')}, PostgreSQL ${p.cpuMsPerTurn.postgres}, app ${p.cpuMsPerTurn.app}, generator `
        + `${p.cpuMsPerTurn.generator}; busy: nodes ${p.busy.nodes.map((b) => `${Math.round(b * 100)} %`).join(', ')}, PostgreSQL `
        + `${Math.round(p.busy.postgres * 100)} % of a core${errs(p.saturation)}`]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w2, i) => (i >= 1 && i <= 4 ? `${'-'.repeat(w2 + 1)}:` : '-'.repeat(w2 + 2))).join('|')}|`,
    ...rows.slice(1).map(line)].join('\n');
}

function lat(l: { p50: number; p99: number; max: number }): [string, string, string] {
  return [l.p50.toFixed(2), l.p99.toFixed(2), l.max.toFixed(1)];
}

type Delay = { p99: number; max: number } | null;
function eld(gateway: Delay, app: Delay, generator?: Delay): string {
  const f = (d: Delay): string => (d ? `${d.p99}/${d.max}` : 'n/a');
  return `event-loop delay p99/max ms: gateway ${f(gateway)}, app ${f(app)}${generator ? `, generator ${f(generator)}` : ''}`;
}

function errs(r: { errors: number; timedOut: number; skipped: number; firstError: string | null }): string {
  const bad = r.errors + r.timedOut + r.skipped;
  return bad ? `; ${r.errors} errors, ${r.timedOut} timed out, ${r.skipped} skipped (${r.firstError ?? ''})` : '';
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtCount(n: number | undefined): string {
  if (n === undefined) return '-';
  const exp = Math.log10(n);
  return Number.isInteger(exp) && exp >= 3 ? `10^${exp}` : fmt(n);
}

export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
