/**
 * Growth: the full loop (minimal app, saturation) with 10^3, 10^5 and 10^6 conversations already
 * stored, each with a live cookie jar and a turn of history. Throughput and p99 must stay flat.
 *
 * The database is grown in place between sizes while the gateway is stopped, and the gateway is
 * restarted on it, as an operator's would be. Measured turns go to stored conversations spread
 * evenly over the whole table, so each size makes the gateway load cold jars from its store;
 * warm-up goes to other, new handsets so it warms the code, not the measured conversations.
 * The same runs give the footprint workload its memory and size readings.
 */
import { rssBytes } from '../lib/children.js';
import { loopDriver } from '../lib/loop.js';
import { seedConversations } from '../lib/seed.js';
import { startGateway, type Credentials } from '../lib/gateway.js';
import type { RunningApp } from '../lib/apps.js';
import type { Profile } from '../profile.js';
import { createNumbers, dbBytes, measureSaturation, type SaturationRun } from './full-loop.js';
import { handsetNumber } from './http-ceiling.js';

export interface GrowthPoint extends SaturationRun {
  conversations: number;
  seedMs: number;
  /** Database file at rest (checkpointed) before the gateway started. */
  dbBytesAtRest: number;
  /** Gateway RSS once healthy, before any load; and after the measured run. */
  rssIdleBytes: number;
  rssAfterBytes: number;
  startMs: number;
}

export interface GrowthResult {
  points: GrowthPoint[];
}

/** Warm-up handsets: far from the seeded range, so they are new conversations. */
const WARMUP_HANDSET_BASE = 5_000_000;

export async function runGrowth(
  app: RunningApp, profile: Profile, credentials: Credentials, db: string, log: (line: string) => void,
  nodeArgs: readonly string[] = [],
): Promise<GrowthResult> {
  // Let the gateway create its schema, account and numbers, as it would on a first start.
  let numbers: string[];
  {
    const gw = await startGateway({ db, credentials, connections: 4 });
    try {
      numbers = await createNumbers(gw, app, profile.numbers);
    } finally {
      await gw.stop();
    }
  }
  const points: GrowthPoint[] = [];
  let seeded = 0;
  for (const size of profile.growthSizes) {
    const t0 = performance.now();
    seedConversations({
      db, accountSid: credentials.accountSid, numbers, handsetNumber, from: seeded, to: size,
      appUrl: app.origin, now: Date.now(),
    });
    const seedMs = Math.round(performance.now() - t0);
    seeded = size;
    const dbBytesAtRest = dbBytes(db);
    log(`  growth: ${size.toLocaleString('en-US')} conversations stored (seeded in ${seedMs} ms), measuring`);

    const t1 = performance.now();
    const gw = await startGateway({ db, credentials, connections: profile.concurrency, nodeArgs });
    const startMs = Math.round(performance.now() - t1);
    try {
      const rssIdleBytes = rssBytes(gw.child.pid);
      const measured = Array.from({ length: Math.min(profile.handsets, size) }, (_, k) =>
        Math.floor((k * size) / Math.min(profile.handsets, size)));
      const warm = Array.from({ length: profile.handsets }, (_, k) => WARMUP_HANDSET_BASE + k);
      const driver = await loopDriver(gw, { handsets: warm, handsetNumber, numbers, timeoutMs: 30_000 });
      try {
        const run = await measureSaturation(gw, app, driver, profile, profile.growthMessages, () => {
          driver.useHandsets(measured);
        });
        points.push({
          conversations: size, seedMs, dbBytesAtRest, rssIdleBytes, rssAfterBytes: rssBytes(gw.child.pid), startMs, ...run,
        });
      } finally {
        driver.close();
      }
    } finally {
      await gw.stop();
    }
  }
  return { points };
}
