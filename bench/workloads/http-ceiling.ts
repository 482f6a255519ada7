/**
 * HTTP ceiling: the load generator posts the webhook requests Parley would send (same parameters,
 * signature and Cookie header) straight to the minimal app, no gateway in between. Parley's
 * full-loop rate is reported as a fraction of this.
 */
import { Pool } from 'undici';
import { cpuMs } from '../lib/children.js';
import { saturate, warmUp, type LoadResult, type Operation } from '../lib/load.js';
import { webhookRequest, type WebhookRequest } from '../lib/webhook-request.js';
import type { RunningApp } from '../lib/apps.js';
import type { Profile } from '../profile.js';

export interface CeilingResult {
  saturation: LoadResult;
  appCpuMsPerRequest: number;
}

export async function runHttpCeiling(app: RunningApp, profile: Profile): Promise<CeilingResult> {
  const pool = new Pool(app.origin, { connections: profile.concurrency, pipelining: 1 });
  try {
    // One prepared request per handset: the generator's own cost stays out of the measurement.
    const requests: WebhookRequest[] = Array.from({ length: profile.handsets }, (_, h) => webhookRequest({
      url: `${app.origin}/sms`, authToken: '0'.repeat(32), accountSid: `AC${'0'.repeat(32)}`,
      from: handsetNumber(h), to: '+15550000000', body: 'hello', messageSid: `SM${h.toString(16).padStart(32, '0')}`,
    }));
    const op: Operation = async (i) => {
      const req = requests[i % requests.length]!;
      const t0 = performance.now();
      const res = await pool.request({ origin: app.origin, path: '/sms', method: 'POST', headers: req.headers, body: req.body });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`app answered ${res.statusCode}`);
      return performance.now() - t0;
    };
    await warmUp(op, profile.concurrency, profile.warmup, 10_000);
    await app.takeTimes();
    const cpu0 = cpuMs(app.child.pid);
    const saturation = await saturate(op, profile.concurrency, {
      count: profile.ceilingMessages, maxMs: profile.runMs, drainMs: 5000,
    });
    const appCpu = cpuMs(app.child.pid) - cpu0;
    await app.takeTimes();
    return {
      saturation,
      appCpuMsPerRequest: saturation.completed ? Math.round((appCpu * 1000) / saturation.completed) / 1000 : 0,
    };
  } finally {
    await pool.close();
  }
}

/** Handset h's number: +1 555 2xx xxxx, distinct from the Parley numbers (+1 555 000 xxxx). */
export function handsetNumber(h: number): string {
  return `+1555${(2_000_000 + h).toString().padStart(7, '0')}`;
}
