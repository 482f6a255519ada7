/**
 * `--scrape-metrics`: scrapes the gateway's GET /metrics once a second during a workload, as a
 * Prometheus server would (its own connection, one scrape at a time), so a run shows what scraping
 * costs the loop. The summary says how many scrapes there were and how long they took.
 */
import { Agent, request } from 'undici';
import type { RunningGateway } from './gateway.js';

export interface ScrapeSummary {
  scrapes: number;
  failures: number;
  meanMs: number;
  maxMs: number;
  bytes: number;
}

/** `stop()` may be called more than once; every call resolves with the same summary. */
export function scrapeMetrics(gw: Pick<RunningGateway, 'origin' | 'authHeader'>, intervalMs: number): { stop(): Promise<ScrapeSummary> } {
  const agent = new Agent({ connections: 1 });
  const times: number[] = [];
  let failures = 0;
  let bytes = 0;
  let inFlight: Promise<void> | null = null;
  const scrape = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      const res = await request(`${gw.origin}/metrics`, { dispatcher: agent, headers: { authorization: gw.authHeader } });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      bytes = text.length;
      times.push(performance.now() - t0);
    } catch {
      failures++;
    }
  };
  const timer = setInterval(() => {
    inFlight ??= scrape().finally(() => { inFlight = null; });
  }, intervalMs);
  let stopped: Promise<ScrapeSummary> | null = null;
  return {
    stop: () => (stopped ??= (async () => {
      clearInterval(timer);
      await inFlight;
      await agent.close();
      const total = times.reduce((a, b) => a + b, 0);
      return {
        scrapes: times.length, failures, bytes,
        meanMs: times.length ? Math.round((total / times.length) * 100) / 100 : 0,
        maxMs: Math.round(Math.max(0, ...times) * 100) / 100,
      };
    })()),
  };
}
