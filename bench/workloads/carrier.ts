/**
 * The carrier loop: an SMSC simulator (bench/apps/smsc-sim.ts, its own process) sends the same
 * messages over SMPP to Parley and then to Debian's Kannel; each calls the same minimal app, the
 * replies come back as submit_sm and receipts follow. Rate = messages over the time from the first
 * message to the last receipt's acknowledgement; CPU per message for each process.
 *
 * - Parley: `parley serve --config` with one `smpp` channel to the simulator (window as below), a
 *   durable SQLite store (every message, reply, part and receipt committed), the app called with
 *   POST and answering TwiML.
 * - Kannel: bearerbox (`smsc = smpp`, transceiver, `max-pending-submits` = the same window,
 *   `msg-id-type` left as-is, in-memory DLR storage) and smsbox (`sms-service` with `get-url` to
 *   the app's GET, `max-messages = 1`, `dlr-mask = 3` and a `dlr-url` so the replies ask for
 *   receipts: Kannel asks only when the service has a `dlr-url`, and reports each matched receipt
 *   there, a GET to the same app, its only way to keep a delivery status). No store: Kannel's DLR
 *   table is in memory and it keeps nothing on disk. Parley records each receipt in its store and
 *   calls nobody (no StatusCallback is set).
 * Kannel is optional: the workload says so and skips its side when bearerbox or smsbox is missing.
 */
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMs, onInterrupt, startChild, type Child } from '../lib/children.js';
import { freePort, pollUntil } from '../lib/net.js';
import { startGateway, type Credentials, type RunningGateway } from '../lib/gateway.js';
import type { RunningApp } from '../lib/apps.js';
import { BEARERBOX, KANNEL_INSTALL_HINT, SMSBOX, kannelCoreGroup } from './kannel.js';

const SIM = fileURLToPath(new URL('../apps/smsc-sim.js', import.meta.url));
/** The number the simulator's handsets text; Parley's channel carries it. */
export const PARLEY_NUMBER = '+15550000000';
/** Requests in flight per bind, on both sides, and deliver_sm in flight from the simulator. */
export const CARRIER_WINDOW = 50;
const HANDSETS = 1000;

export interface CarrierSide {
  messages: number;
  /** Loops completed (receipt acknowledged), replies received, and replies that asked for a receipt. */
  completed: number;
  replies: number;
  receiptsAsked: number;
  elapsedMs: number;
  rate: number;
  /** From the simulator's message to the reply's submit_sm (ms). */
  replyMs: { p50: number; p99: number; max: number };
  cpuMsPerMessage: Record<string, number>;
}

export type CarrierResult = {
  window: number;
  parley: CarrierSide;
  kannel: CarrierSide | { skipped: true; reason: string };
};

interface SimDone {
  sent: number; acked: number; replies: number; receiptsAsked: number; receiptsAcked: number; elapsedMs: number; replyMs: { p50: number; p99: number; max: number };
}

/** Starts the SMSC simulator with `messages` to send on `go` (its stdin); resolves once it listens. */
export async function startSim(messages: number): Promise<{ child: Child; port: number }> {
  const child = startChild(process.execPath, [SIM, String(messages), String(CARRIER_WINDOW), String(HANDSETS), PARLEY_NUMBER], { stdio: ['pipe', 'pipe', 'pipe'] });
  const m = await child.waitForLine(/^listening (\d+)$/, 10_000);
  return { child, port: Number(m[1]) };
}

/** Starts the run once the ESME is bound; resolves with the simulator's report and the CPU each process used. */
async function run(sim: Child, others: Record<string, Child>, maxMs: number): Promise<{ done: SimDone | null; cpu: Record<string, number> }> {
  await sim.waitForLine(/^bound$/, 30_000);
  const cpu0 = Object.fromEntries(Object.entries({ simulator: sim, ...others }).map(([name, c]) => [name, cpuMs(c.pid)]));
  const done = sim.waitForLine(/^done (\{.*\})$/, maxMs, true);
  sim.proc.stdin?.write('go\n');
  let report: SimDone | null = null;
  try {
    report = JSON.parse((await done)[1]!) as SimDone;
  } catch {
    report = null; // too slow for the bound: reported as what completed
  }
  const cpu = Object.fromEntries(Object.entries({ simulator: sim, ...others }).map(([name, c]) => [name, cpuMs(c.pid) - cpu0[name]!]));
  return { done: report, cpu };
}

function side(messages: number, result: { done: SimDone | null; cpu: Record<string, number> }, maxMs: number): CarrierSide {
  const done = result.done;
  const completed = done?.receiptsAcked ?? 0;
  const elapsedMs = done?.elapsedMs ?? maxMs;
  const per = (ms: number): number => (completed ? Math.round((ms * 1000) / completed) / 1000 : 0);
  return {
    messages, completed, replies: done?.replies ?? 0, receiptsAsked: done?.receiptsAsked ?? 0, elapsedMs, rate: Math.round(completed / (elapsedMs / 1000)),
    replyMs: done?.replyMs ?? { p50: 0, p99: 0, max: 0 },
    cpuMsPerMessage: Object.fromEntries(Object.entries(result.cpu).map(([name, ms]) => [name, per(ms)])),
  };
}

async function runParley(app: RunningApp, messages: number, dir: string, credentials: Credentials, maxMs: number, nodeArgs: readonly string[]): Promise<CarrierSide> {
  const sim = await startSim(messages);
  let gateway: RunningGateway | null = null;
  try {
    gateway = await startGateway({ db: join(dir, 'carrier.db'), credentials, connections: 1, nodeArgs, serveArgs: ['--config', await carrierConfig(dir, sim.port)] });
    await gateway.createNumber(PARLEY_NUMBER, `${app.origin}/sms`);
    return side(messages, await run(sim.child, { gateway: gateway.child, app: app.child }, maxMs), maxMs);
  } finally {
    await gateway?.stop();
    await sim.child.stop(2000);
  }
}

/** Writes Parley's config for the carrier loop (one `smpp` channel to the simulator); resolves with its path. */
export async function carrierConfig(dir: string, simPort: number): Promise<string> {
  const config = join(dir, 'parley-carrier.yaml');
  await writeFile(config, [
    'log-level: warn',
    'channels:',
    '  - name: bench-smsc', '    type: smpp', '    host: 127.0.0.1', `    port: ${simPort}`, '    system-id: parley', '    password: bench',
    `    numbers: ["${PARLEY_NUMBER}"]`, `    window: ${CARRIER_WINDOW}`, '    reconnect-delay: 200ms', '',
  ].join('\n'));
  return config;
}

function kannelConfig(ports: { admin: number; smsbox: number; smsc: number }, appOrigin: string): string {
  return `${kannelCoreGroup(ports, ['dlr-storage = internal'])}
group = smsc
smsc = smpp
smsc-id = bench
host = 127.0.0.1
port = ${ports.smsc}
transceiver-mode = true
smsc-username = kannel
smsc-password = bench
system-type = ""
interface-version = 34
enquire-link-interval = 30
max-pending-submits = ${CARRIER_WINDOW}
reconnect-delay = 1
source-addr-ton = 1
source-addr-npi = 1
dest-addr-ton = 1
dest-addr-npi = 1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${ports.smsbox}
max-pending-requests = 512
log-level = 3

group = sms-service
keyword = default
catch-all = true
get-url = "${appOrigin}/kannel?from=%p&to=%P&text=%a"
max-messages = 1
dlr-mask = 3
dlr-url = "${appOrigin}/kannel-dlr?status=%d&id=%F"
`;
}

async function runKannel(app: RunningApp, messages: number, maxMs: number): Promise<CarrierSide | { skipped: true; reason: string }> {
  for (const bin of [BEARERBOX, SMSBOX]) {
    if (!existsSync(bin)) return { skipped: true, reason: `${bin} not found: ${KANNEL_INSTALL_HINT}` };
  }
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-kannel-smpp-'));
  const forget = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  const started: Child[] = [];
  try {
    const sim = await startSim(messages);
    started.push(sim.child);
    const ports = { admin: await freePort(), smsbox: await freePort(), smsc: sim.port };
    const conf = join(dir, 'kannel.conf');
    await writeFile(conf, kannelConfig(ports, app.origin));
    const bearerbox = startChild(BEARERBOX, ['-v', '3', conf], { cwd: dir });
    started.push(bearerbox);
    const status = `http://127.0.0.1:${ports.admin}/status.txt?password=bench`;
    await pollUntil(status, (code) => code === 200, 15_000);
    const smsbox = startChild(SMSBOX, ['-v', '3', conf], { cwd: dir });
    started.push(smsbox);
    await pollUntil(status, (code, body) => code === 200 && /smsbox:/.test(body), 15_000);
    return side(messages, await run(sim.child, { bearerbox, smsbox, app: app.child }, maxMs), maxMs);
  } finally {
    for (const child of started.reverse()) await child.stop(3000);
    await rm(dir, { recursive: true, force: true });
    forget();
  }
}

export async function runCarrierLoop(options: {
  app: RunningApp; messages: number; maxMs: number; dir: string; credentials: Credentials; nodeArgs?: readonly string[];
}): Promise<CarrierResult> {
  const parley = await runParley(options.app, options.messages, options.dir, options.credentials, options.maxMs, options.nodeArgs ?? []);
  const kannel = await runKannel(options.app, options.messages, options.maxMs);
  return { window: CARRIER_WINDOW, parley, kannel };
}
