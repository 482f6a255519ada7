/**
 * Twilio-shaped SIDs: two upper-case letters and 32 lower-case hex digits.
 *
 * The hex is time-ordered (12 digits of milliseconds, then a per-process counter, then a
 * per-process random tag) so new rows land at the end of SQLite's indexes instead of scattering
 * (see performance notes), and so sorting by SID sorts by creation time. No per-id randomBytes.
 */
import { randomBytes } from 'node:crypto';

export type SidPrefix = 'AC' | 'SM' | 'MM' | 'PN' | 'ME' | 'MG' | 'SK' | 'NO' | 'RQ' | 'WX';

const processTag = randomBytes(6).toString('hex'); // 12 hex digits
let counter = randomBytes(4).readUInt32BE(0) >>> 8; // 24 bits, random start
let lastMs = 0;

export function newSid(prefix: SidPrefix, nowMs: number): string {
  let ms = Math.floor(nowMs);
  if (ms < lastMs) ms = lastMs; // keep order even if a clock is set back
  lastMs = ms;
  counter = (counter + 1) & 0xffffff;
  const time = ms.toString(16).padStart(12, '0').slice(-12);
  const count = counter.toString(16).padStart(8, '0');
  return prefix + time + count + processTag;
}

/** Sorts below every SID `newSid(prefix, t)` gives for t >= `ms` (used to delete by age). */
export function sidBefore(prefix: SidPrefix, ms: number): string {
  return prefix + Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12) + '0'.repeat(20);
}

const SID_SHAPE = /^[A-Z]{2}[0-9a-f]{32}$/;

export function isSid(value: string, prefix?: SidPrefix): boolean {
  return SID_SHAPE.test(value) && (prefix === undefined || value.startsWith(prefix));
}

/** A random 32-hex-digit secret (auth tokens, API key secrets). */
export function newSecret(): string {
  return randomBytes(16).toString('hex');
}
