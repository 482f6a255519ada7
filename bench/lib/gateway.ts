/**
 * Parley as the bench runs it: `parley serve` in a child process on 127.0.0.1, driven only through
 * its public HTTP interface (Twilio REST API, simulator, live events), as any user would.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool, request } from 'undici';
import { WAL_COALESCE_FILE, walCoalescingUnavailable } from '../../src/stores/sqlite/wal-coalescing.js';
import { startChild, type Child } from './children.js';
import { freePort, pollUntil } from './net.js';

/** The gateway's entry point: this build's, or another build's to compare (`PARLEY_BENCH_MAIN`, a path to its dist/src/cli/main.js). */
export const MAIN = process.env.PARLEY_BENCH_MAIN ?? fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/**
 * Why the build under test will write SQLite's WAL without its coalescing shim
 * (src/stores/sqlite/wal-coalescing.ts), or null when it will use it. A build finds the shim in its
 * package's build/ folder, beside dist/; a copy of another build's dist/ put elsewhere for
 * `PARLEY_BENCH_MAIN` runs without it unless that folder comes too, and is then a different store:
 * two system calls a WAL frame instead of one a commit (bench/README.md, finding 116).
 */
export function walShimMissing(main = MAIN): string | null {
  return walCoalescingUnavailable(fileURLToPath(new URL(`../../../build/${WAL_COALESCE_FILE}`, pathToFileURL(main))));
}

/** Preload this (`--import`) into a process to read its event-loop delay with `eventLoopDelayOf`. */
export const EVENT_LOOP_PROBE = pathToFileURL(fileURLToPath(new URL('./event-loop-probe.js', import.meta.url))).href;

export interface EventLoopDelay {
  p50: number;
  p99: number;
  max: number;
  /** The process's JS heap in use at the time of reading, the heap's size, and memory outside it (Buffers). */
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
}

/** Asks a process started with the probe for its event-loop delay (ms) since the last ask. */
export async function eventLoopDelayOf(child: Child): Promise<EventLoopDelay | null> {
  const line = child.waitForLine(/^parley-bench-event-loop (\{.*\})$/, 5000, true);
  child.proc.kill('SIGUSR2');
  try {
    const parsed: unknown = JSON.parse((await line)[1] ?? '');
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { p50, p99, max, heapUsedMiB, heapTotalMiB, externalMiB } = parsed as Record<string, unknown>;
    const numbers = [p50, p99, max, heapUsedMiB, heapTotalMiB, externalMiB];
    if (!numbers.every((n) => typeof n === 'number')) return null;
    const [a, b, c, d, e, f] = numbers as number[];
    return { p50: a!, p99: b!, max: c!, heapUsedMiB: d!, heapTotalMiB: e!, externalMiB: f! };
  } catch {
    return null;
  }
}

export interface Credentials {
  accountSid: string;
  authToken: string;
}

export function newCredentials(): Credentials {
  return { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex') };
}

export interface RunningGateway {
  child: Child;
  origin: string;
  credentials: Credentials;
  authHeader: string;
  /** A keep-alive pool to the gateway, for the load generator. */
  pool: Pool;
  createNumber(phoneNumber: string, smsUrl: string): Promise<void>;
  /** The gateway's event-loop delay (ms) since the previous call (or since start). */
  eventLoopDelay(): Promise<EventLoopDelay | null>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  db: string;
  credentials: Credentials;
  connections: number;
  /** Extra arguments for node itself, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
  cwd?: string;
  /** A program that runs node, with its arguments (bench/counts.ts: valgrind's callgrind). */
  launcher?: readonly string[];
  /** How long start-up may take (default 30 s; much longer under valgrind). */
  startMs?: number;
  /** More environment for the gateway (bench/counts.ts: where its heap profile goes). */
  env?: Readonly<Record<string, string>>;
  /** More arguments for `parley serve`, e.g. `--config FILE` (bench/counts.ts --loop=carrier). */
  serveArgs?: readonly string[];
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const port = await freePort();
  const { credentials } = options;
  const nodeArgv = [
    process.execPath, ...(options.nodeArgs ?? []), '--expose-gc', '--import', EVENT_LOOP_PROBE, MAIN, 'serve', '--port', String(port), '--host', '127.0.0.1',
    '--db', options.db, '--session-ttl', '4h', ...(options.serveArgs ?? []),
  ];
  const [command, ...args] = [...(options.launcher ?? []), ...nodeArgv] as [string, ...string[]];
  const child = startChild(command, args, {
    env: { ...process.env, ...options.env, PARLEY_ACCOUNT_SID: credentials.accountSid, PARLEY_AUTH_TOKEN: credentials.authToken },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const origin = `http://127.0.0.1:${port}`;
  const authHeader = `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`;
  try {
    await Promise.race([
      pollUntil(`${origin}/healthz`, (code) => code === 200, options.startMs ?? 30_000, { authorization: authHeader }),
      // Fail at once, with its output, if the gateway dies during start-up.
      new Promise<never>((_, reject) => child.proc.once('exit', (code) => {
        reject(new Error(`gateway exited with ${code} during start-up:\n${child.output().slice(-3000)}`));
      })),
    ]);
  } catch (error) {
    await child.stop();
    throw error;
  }
  const pool = new Pool(origin, { connections: options.connections, pipelining: 1 });
  return {
    child,
    origin,
    credentials,
    authHeader,
    pool,
    async createNumber(phoneNumber, smsUrl) {
      const res = await request(`${origin}/2010-04-01/Accounts/${credentials.accountSid}/IncomingPhoneNumbers.json`, {
        method: 'POST',
        headers: { authorization: authHeader, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ PhoneNumber: phoneNumber, SmsUrl: smsUrl, SmsMethod: 'POST' }).toString(),
        reset: true,
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`creating ${phoneNumber} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    },
    eventLoopDelay: () => eventLoopDelayOf(child),
    async stop() {
      await pool.close().catch(() => undefined);
      await child.stop(10_000);
    },
  };
}

/** Parley number n: +1 555 000 nnnn. */
export function parleyNumber(n: number): string {
  return `+1555${n.toString().padStart(7, '0')}`;
}
