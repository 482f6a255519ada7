/**
 * Kannel, side by side: the equivalent loop through Debian's Kannel, with no store.
 *
 * fakesmsc (Kannel's test SMSC, in kannel-extras) sends COUNT inbound messages to bearerbox with
 * no gap; smsbox calls the same minimal app with `get-url`; the app's text/plain answer goes back
 * through bearerbox to fakesmsc as the reply. The loop rate is COUNT over the time from starting
 * fakesmsc to its report of the COUNT-th reply.
 *
 * Facts that shape this file: fakesmsc never exits by itself (it is stopped once the replies are
 * counted); at `-v 1` it logs only the last message sent and received ("Got message COUNT: ..."),
 * which is the completion signal; bearerbox and smsbox log every message unless started with
 * `-v 3`, and that logging halves their speed.
 */
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, onInterrupt, startChild, type Child } from '../lib/children.js';
import { freePort, pollUntil } from '../lib/net.js';
import type { RunningApp } from '../lib/apps.js';
import { sendPaced } from '../lib/fakesmsc-client.js';

export const BEARERBOX = '/usr/sbin/bearerbox';
export const SMSBOX = '/usr/sbin/smsbox';
/** Debian's kannel-extras puts Kannel's test programs here (`dpkg -L kannel-extras | grep fakesmsc`). */
const FAKESMSC = '/usr/lib/kannel/test/fakesmsc';
const ADMIN_PASSWORD = 'bench';

export const KANNEL_INSTALL_HINT =
  'install Debian\'s kannel and kannel-extras packages to run it (scripts/install-kannel.sh, or apt-get install kannel kannel-extras)';

export type KannelResult =
  | { skipped: true; reason: string }
  | {
    skipped: false;
    messages: number;
    replies: number;
    elapsedMs: number;
    rate: number;
    cpuMsPerLoop: { bearerbox: number; smsbox: number; fakesmsc: number; app: number };
    /** The same boxes at half the rate above, paced as Parley's steady run is (absent when not asked for). */
    steady?: KannelSteadyRun;
  };

export interface KannelSteadyRun {
  offeredRate: number;
  messages: number;
  replies: number;
  elapsedMs: number;
  cpuMsPerLoop: { bearerbox: number; smsbox: number; app: number };
}

export function kannelAvailable(): string | null {
  for (const bin of [BEARERBOX, SMSBOX, FAKESMSC]) {
    if (!existsSync(bin)) return `${bin} not found`;
  }
  return null;
}

/** Bearerbox's `core` group, for both Kannel workloads: loopback only, quiet logs (`extra`: more of its keys). */
export function kannelCoreGroup(ports: { admin: number; smsbox: number }, extra: readonly string[] = []): string {
  return `group = core
admin-port = ${ports.admin}
admin-password = ${ADMIN_PASSWORD}
admin-interface = 127.0.0.1
admin-allow-ip = "127.0.0.1"
smsbox-port = ${ports.smsbox}
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
wdp-interface-name = ""
${[...extra, 'log-level = 3'].join('\n')}
`;
}

function config(ports: { admin: number; smsbox: number; smsc: number }, appUrl: string): string {
  return `${kannelCoreGroup(ports)}
group = smsc
smsc = fake
smsc-id = fake
port = ${ports.smsc}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${ports.smsbox}
log-level = 3

group = sms-service
keyword = default
get-url = "${appUrl}/kannel?from=%p&to=%P&text=%a"
max-messages = 1
`;
}

/**
 * Kannel's loop at saturation (`messages` with no gap); then, with `steadyMs`, a steady run at half
 * the rate it reached, so each side's CPU a loop at half saturation can be compared with the other's.
 */
export async function runKannel(app: RunningApp, messages: number, maxMs: number, steadyMs?: number): Promise<KannelResult> {
  const missing = kannelAvailable();
  if (missing) return { skipped: true, reason: `${missing}: ${KANNEL_INSTALL_HINT}` };

  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-kannel-'));
  const forgetDir = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  const started: Child[] = [];
  try {
    const ports = { admin: await freePort(), smsbox: await freePort(), smsc: await freePort() };
    const conf = join(dir, 'kannel.conf');
    await writeFile(conf, config(ports, app.origin));
    const status = `http://127.0.0.1:${ports.admin}/status.txt?password=${ADMIN_PASSWORD}`;

    const bearerbox = startChild(BEARERBOX, ['-v', '3', conf], { cwd: dir });
    started.push(bearerbox);
    await pollUntil(status, (code) => code === 200, 15_000);
    const smsbox = startChild(SMSBOX, ['-v', '3', conf], { cwd: dir });
    started.push(smsbox);
    // bearerbox lists a connected smsbox in its status page.
    await pollUntil(status, (code, body) => code === 200 && /smsbox:/.test(body), 15_000);

    const cpu0 = { bb: cpuMs(bearerbox.pid), sb: cpuMs(smsbox.pid), app: cpuMs(app.child.pid) };
    const t0 = performance.now();
    const fakesmsc = startChild(FAKESMSC, [
      '-H', '127.0.0.1', '-r', String(ports.smsc), '-i', '0', '-m', String(messages), '-v', '1', '-z', '1',
      '+1555<rand> +15550000000 text hello',
    ], { cwd: dir });
    started.push(fakesmsc);
    let replies = 0;
    try {
      await fakesmsc.waitForLine(new RegExp(`Got message ${messages}:`), maxMs);
      replies = messages;
    } catch {
      // Too slow for the time bound: report what bearerbox delivered to the fake SMSC so far.
      const body = await pollUntil(status, (code) => code === 200, 2000).catch(() => '');
      replies = Number(body.match(/SMS: received \d+ \(\d+ queued\), sent (\d+)/)?.[1] ?? 0);
    }
    const elapsedMs = performance.now() - t0;
    const fakeCpu = cpuMs(fakesmsc.pid);
    const cpuMsPerLoop = {
      bearerbox: perLoop(cpuMs(bearerbox.pid) - cpu0.bb, replies),
      smsbox: perLoop(cpuMs(smsbox.pid) - cpu0.sb, replies),
      fakesmsc: perLoop(fakeCpu, replies),
      app: perLoop(cpuMs(app.child.pid) - cpu0.app, replies),
    };
    await fakesmsc.stop(1000);
    const rate = Math.round(replies / (elapsedMs / 1000));
    const boxes = { bearerbox: bearerbox.pid, smsbox: smsbox.pid, app: app.child.pid };
    const steady = steadyMs && rate > 0 ? await runSteady(boxes, ports.smsc, Math.round(rate / 2), steadyMs, maxMs) : undefined;
    return { skipped: false, messages, replies, elapsedMs: Math.round(elapsedMs), rate, cpuMsPerLoop, ...(steady && { steady }) };
  } finally {
    // smsbox first, so bearerbox does not wait on it; each stop escalates to SIGKILL.
    for (const child of started.reverse()) await child.stop(3000);
    await rm(dir, { recursive: true, force: true });
    forgetDir();
  }
}

function perLoop(cpu: number, loops: number): number {
  return loops > 0 ? Math.round((cpu * 1000) / loops) / 1000 : 0;
}

/** Half-rate messages for `steadyMs` through the fake SMSC's port, which takes a new client once fakesmsc has left. */
async function runSteady(
  pids: { bearerbox: number; smsbox: number; app: number }, smscPort: number, offeredRate: number, steadyMs: number, maxMs: number,
): Promise<KannelSteadyRun> {
  const messages = Math.max(1, Math.round((offeredRate * steadyMs) / 1000));
  const cpu0 = { bb: cpuMs(pids.bearerbox), sb: cpuMs(pids.smsbox), app: cpuMs(pids.app) };
  const run = await sendPaced(smscPort, (n) => `+1555${n % 1000} +15550000000 text hello\n`, offeredRate, messages, maxMs);
  return {
    offeredRate,
    messages,
    replies: run.replies,
    elapsedMs: run.elapsedMs,
    cpuMsPerLoop: {
      bearerbox: perLoop(cpuMs(pids.bearerbox) - cpu0.bb, run.replies),
      smsbox: perLoop(cpuMs(pids.smsbox) - cpu0.sb, run.replies),
      app: perLoop(cpuMs(pids.app) - cpu0.app, run.replies),
    },
  };
}
