/** Starts a webhook app (bench/apps/serve.ts) in a child process and reads its own timings. */
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startChild, type Child } from './children.js';
import type { AppTimes } from '../apps/host.js';
import { EVENT_LOOP_PROBE, eventLoopDelayOf, type EventLoopDelay } from './gateway.js';

export type AppName = 'minimal' | 'session-counter';

export interface RunningApp {
  name: AppName;
  child: Child;
  port: number;
  origin: string;
  /** Returns and clears the app's own per-request times. */
  takeTimes(): Promise<AppTimes>;
  /** The app's event-loop delay since the last call: a control for the gateway's (the app does little). */
  eventLoopDelay(): Promise<EventLoopDelay | null>;
  stop(): Promise<void>;
}

const SERVE = fileURLToPath(new URL('../apps/serve.js', import.meta.url));

export async function startApp(name: AppName, env: Record<string, string> = {}): Promise<RunningApp> {
  const child = startChild(process.execPath, ['--expose-gc', '--import', EVENT_LOOP_PROBE, SERVE, name, '0'], { env: { ...process.env, ...env } });
  const m = await child.waitForLine(/^listening (\d+)$/, 10_000);
  const port = Number(m[1]);
  const origin = `http://127.0.0.1:${port}`;
  return {
    name,
    child,
    port,
    origin,
    async takeTimes() {
      const res = await request(`${origin}/__bench/times`);
      return (await res.body.json()) as AppTimes;
    },
    eventLoopDelay: () => eventLoopDelayOf(child),
    stop: () => child.stop(),
  };
}
