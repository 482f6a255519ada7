/**
 * Footprint: resident memory of the gateway and database size per 100,000 stored conversations,
 * read from the growth workload's runs (the gateway's VmRSS idle and after the measured load, the
 * checkpointed database file at each size). Memory must not grow with stored conversations, only
 * with those in flight; the database grows linearly, and this says by how much.
 */
import type { GrowthResult } from './growth.js';

export interface FootprintPoint {
  conversations: number;
  rssIdleMiB: number;
  rssAfterLoadMiB: number;
  /** JS heap in use right after the load: tells heap growth from other resident memory. */
  heapUsedMiB: number | null;
  dbMiB: number;
}

export interface FootprintResult {
  points: FootprintPoint[];
  /** Database bytes per 100,000 conversations (slope between the smallest and largest sizes). */
  dbMiBPer100k: number | null;
  /** Extra resident memory per 100,000 stored conversations (same slope, after load). */
  rssMiBPer100k: number | null;
  /** RSS after load at the largest size over that at the smallest. */
  rssRatioLargestToSmallest: number | null;
}

const MiB = 1024 * 1024;
const r1 = (x: number): number => Math.round(x * 10) / 10;

export function footprintOf(growth: GrowthResult): FootprintResult {
  const points = growth.points.map((p) => ({
    conversations: p.conversations,
    rssIdleMiB: r1(p.rssIdleBytes / MiB),
    rssAfterLoadMiB: r1(p.rssAfterBytes / MiB),
    heapUsedMiB: p.gatewayEventLoopMs?.heapUsedMiB ?? null,
    dbMiB: r1(p.dbBytesAtRest / MiB),
  }));
  const first = growth.points[0];
  const last = growth.points[growth.points.length - 1];
  if (!first || !last || last.conversations === first.conversations) {
    return { points, dbMiBPer100k: null, rssMiBPer100k: null, rssRatioLargestToSmallest: null };
  }
  const per100k = (a: number, b: number): number => r1(((b - a) / (last.conversations - first.conversations)) * 100_000 / MiB);
  return {
    points,
    dbMiBPer100k: per100k(first.dbBytesAtRest, last.dbBytesAtRest),
    rssMiBPer100k: per100k(first.rssAfterBytes, last.rssAfterBytes),
    rssRatioLargestToSmallest: first.rssAfterBytes ? Math.round((last.rssAfterBytes / first.rssAfterBytes) * 1000) / 1000 : null,
  };
}
