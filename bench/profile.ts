/**
 * How big each run is. `full` is the published run (under 10 minutes on 2 cores), `quick` a
 * developer's check (under 2 minutes), `smoke` the CI run that only proves the bench still works
 * (seconds; its numbers mean nothing).
 */

export type ProfileName = 'full' | 'quick' | 'smoke';

export interface Profile {
  name: ProfileName;
  /** Distinct simulated handsets texting the Parley numbers. */
  handsets: number;
  /** Parley numbers the handsets text. */
  numbers: number;
  /** Loops (or requests, for the ceiling) in flight at saturation. */
  concurrency: number;
  /** Operations run (and discarded) before each measurement. */
  warmup: number;
  /** Requests for the HTTP ceiling. */
  ceilingMessages: number;
  /** Loops at saturation per app (at most: the run is also bounded by `runMs`). Kannel gets as
   * many messages as Parley's minimal-app run completed (same number, same run). */
  loopMessages: number;
  /** Wall-clock bound of one measured run. */
  runMs: number;
  /** Wall-clock length of the steady run at half the saturation rate. */
  steadyMs: number;
  /** Run at the steady rate first, unmeasured, so the switch from saturation settles (finding 14). */
  settleMs: number;
  /** Stored conversations for the growth and footprint workloads, smallest first. */
  growthSizes: number[];
  /** Loops at saturation for each growth size. */
  growthMessages: number;
  /** Messages the SMSC simulator sends in the carrier loop (the same to Parley and to Kannel). */
  carrierMessages: number;
}

export const PROFILES: Record<ProfileName, Profile> = {
  full: {
    name: 'full', handsets: 1000, numbers: 10, concurrency: 128, warmup: 5000,
    ceilingMessages: 400_000, loopMessages: 60_000, runMs: 12_000, steadyMs: 10_000, settleMs: 2000,
    growthSizes: [1_000, 100_000, 1_000_000], growthMessages: 40_000, carrierMessages: 30_000,
  },
  quick: {
    name: 'quick', handsets: 1000, numbers: 10, concurrency: 128, warmup: 2000,
    ceilingMessages: 100_000, loopMessages: 15_000, runMs: 5000, steadyMs: 4000, settleMs: 1000,
    growthSizes: [1_000, 10_000, 100_000], growthMessages: 10_000, carrierMessages: 8_000,
  },
  smoke: {
    name: 'smoke', handsets: 20, numbers: 2, concurrency: 8, warmup: 20,
    ceilingMessages: 200, loopMessages: 100, runMs: 3000, steadyMs: 500, settleMs: 100,
    growthSizes: [20, 200], growthMessages: 50, carrierMessages: 100,
  },
};
