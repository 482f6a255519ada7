/** Runs `parley serve` as a real child process (for restart and crash tests). */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';

export const TEST_ACCOUNT_SID = 'AC' + '5e'.repeat(16);
export const TEST_AUTH_TOKEN = '7a'.repeat(16);

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startServe(db: string, extraArgs: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--port', '0', '--db', db, ...extraArgs], {
    env: { ...process.env, PARLEY_ACCOUNT_SID: TEST_ACCOUNT_SID, PARLEY_AUTH_TOKEN: TEST_AUTH_TOKEN, PARLEY_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
  const health = await request(`${url}/healthz`);
  await health.body.dump();
  if (health.statusCode !== 200) throw new Error(`not healthy: ${health.statusCode}`);
  return {
    child,
    url,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}

export async function callServe<T>(url: string, method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<{ status: number; body: T }> {
  const res = await request(url + path, {
    method,
    headers: {
      authorization: 'Basic ' + Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64'),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
}
