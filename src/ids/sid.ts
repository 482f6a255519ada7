/**
 * Twilio-shaped SIDs: two upper-case letters and 32 lower-case hex digits.
 *
 * The hex is time-ordered (12 digits of milliseconds, then a per-process counter, then a
 * per-process random tag) so new rows land at the end of SQLite's indexes instead of scattering
 * (see performance notes), and so sorting by SID sorts by creation time. No per-id randomBytes.
 */
import { randomBytes } from 'node:crypto';

export type SidPrefix = 'AC' | 'SM' | 'MM' | 'PN' | 'SC' | 'ME' | 'MG' | 'AI' | 'SK' | 'NO' | 'RQ' | 'WX';

const LOW_24_BITS = 0x1000000;
const processTag = randomBytes(6).toString('hex'); // 12 hex digits
let counter = randomBytes(4).readUInt32BE(0) >>> 8; // 24 bits, random start
let lastMs = 0;
let lastTime = timeHex(0);

export function newSid(prefix: SidPrefix, nowMs: number): string {
  let ms = Math.floor(nowMs);
  if (ms < lastMs) ms = lastMs; // keep order even if a clock is set back
  if (ms !== lastMs) lastTime = timeHex(ms); // a busy gateway makes several SIDs a millisecond
  lastMs = ms;
  counter = (counter + 1) & 0xffffff;
  const count = counter.toString(16).padStart(8, '0');
  return prefix + lastTime + count + processTag;
}

/**
 * The last 12 hex digits of a time in milliseconds, made from two 24-bit halves: V8 writes a
 * number too large for a small integer in hex one digit at a time through a floating-point
 * remainder (libm's fmod, about 5,000 instructions a turn before), a small one at once.
 */
function timeHex(ms: number): string {
  const high = Math.floor(ms / LOW_24_BITS);
  const low = ms - high * LOW_24_BITS;
  return (high & 0xffffff).toString(16).padStart(6, '0') + low.toString(16).padStart(6, '0');
}

/** Sorts below every SID `newSid(prefix, t)` gives for t >= `ms` (used to delete by age). */
export function sidBefore(prefix: SidPrefix, ms: number): string {
  return prefix + timeHex(Math.max(0, Math.floor(ms))) + '0'.repeat(20);
}

const SID_SHAPE = /^[A-Z]{2}[0-9a-f]{32}$/;

export function isSid(value: string, prefix?: SidPrefix): boolean {
  return SID_SHAPE.test(value) && (prefix === undefined || value.startsWith(prefix));
}

/** A random 32-hex-digit secret (auth tokens, API key secrets). */
export function newSecret(): string {
  return randomBytes(16).toString('hex');
}
