/**
 * Test helper: `parley serve` as a child process on a fixed port and database file, so a test can
 * SIGKILL it and start it again on the same file, plus a small authenticated API client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Credentials {
  accountSid: string;
  authToken: string;
}

export function newCredentials(): Credentials {
  return { accountSid: 'AC' + randomBytes(16).toString('hex'), authToken: randomBytes(16).toString('hex') };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export class GatewayProcess {
  child: ChildProcess | null = null;
  output = '';
  readonly url: string;

  constructor(readonly port: number, readonly db: string, readonly credentials: Credentials, readonly extraArgs: string[] = []) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts the process and resolves once GET /healthz answers 200. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [MAIN, 'serve', '--port', String(this.port), '--db', this.db, '--log-level', 'warn', ...this.extraArgs], {
      env: { ...process.env, PARLEY_ACCOUNT_SID: this.credentials.accountSid, PARLEY_AUTH_TOKEN: this.credentials.authToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => { this.output += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { this.output += d.toString(); });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`parley exited with ${child.exitCode}:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/healthz`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25)); // polling a child process's port: no event to wait on
    }
    throw new Error(`parley did not become healthy:\n${this.output}`);
  }

  /** Sends a signal and resolves when the process has exited. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = once(child, 'exit');
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    this.child = null;
    return code;
  }
}

export class Api {
  /** The `Authorization` header for these credentials (HTTP Basic). */
  readonly authorization: string;

  constructor(readonly base: string, readonly credentials: Credentials) {
    this.authorization = 'Basic ' + Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64');
  }

  async request(method: string, path: string, form?: Record<string, string | string[]>, init: RequestInit = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const body = form ? toForm(form) : undefined;
    const res = await fetch(this.base + path, {
      method,
      headers: { authorization: this.authorization, ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body !== undefined ? { body } : {}),
      ...init,
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { raw: text };
    }
    return { status: res.status, json };
  }

  async createNumber(fields: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await this.request('POST', `/2010-04-01/Accounts/${this.credentials.accountSid}/IncomingPhoneNumbers.json`, fields);
    if (res.status !== 201) throw new Error(`number not created: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  }

  send(from: string, to: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
    return this.request('POST', '/simulator/messages', { From: from, To: to, Body: body });
  }

  /** The message's turn view, waiting up to `wait` for the turn to finish. */
  async turn(sid: string, wait = '30s'): Promise<TurnView> {
    const res = await this.request('GET', `/simulator/messages/${sid}?Wait=${wait}`);
    if (res.status !== 200) throw new Error(`turn ${sid}: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json as unknown as TurnView;
  }
}

export interface TurnView {
  message: { sid: string; body: string; error_code: number | null; status: string };
  turn: { status: 'done' | 'pending'; error_code: number | null; error_message: string | null };
  replies: Array<{ sid: string; body: string; to: string }>;
  exchanges: Array<Record<string, unknown>>;
}

export function toForm(form: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const value of Array.isArray(v) ? v : [v]) params.append(k, value);
  return params.toString();
}

/** A fresh gateway process (new credentials, a free port) on `db`, started, with its API client. */
export async function startGateway(db: string, extraArgs: string[] = []): Promise<{ gateway: GatewayProcess; api: Api }> {
  const credentials = newCredentials();
  const gateway = new GatewayProcess(await freePort(), db, credentials, extraArgs);
  await gateway.start();
  return { gateway, api: new Api(gateway.url, credentials) };
}
