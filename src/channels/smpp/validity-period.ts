/**
 * submit_sm's validity_period: how long the SMSC may keep trying to deliver a part to a handset
 * that is off or out of coverage before it gives up (SMPP 3.4 section 7.1.1).
 *
 * Contract:
 * - `none` (the default) sends the field empty: the SMSC's own period, often a day or more.
 * - A duration sends the moment that duration after the submit.
 * - `message` sends the end of the message's own ValidityPeriod (Twilio's parameter, which bounds
 *   its time in Parley's queue), so a code the app wanted within minutes is not delivered hours
 *   later. A part submitted after that end (the rest of a message whose first parts were accepted
 *   in time) gets a minute, not a moment already past, which the SMSC would refuse (ESME_RINVEXPIRY).
 * - The time is written absolute, in UTC (`YYMMDDhhmmsst00+`), the form Kannel sends every SMSC it
 *   talks to; relative times would be read against the SMSC's clock and some SMSCs refuse them.
 *   The time left is counted on Parley's clock (which tests and development mode can move forward)
 *   and the moment on the machine's, which the SMSC's should agree with.
 */
import type { ValidityPeriodSetting } from '../../config/channels.js';

/** The least validity a part is given. */
export const LEAST_VALIDITY_MS = 60_000;

/**
 * The validity_period of a part submitted now: `validUntil` is the message's end on Parley's clock,
 * `parleyNow` that clock's time and `wallNow` the machine's.
 */
export function validityPeriodField(setting: ValidityPeriodSetting, validUntil: number, parleyNow: number, wallNow: number): string {
  if (setting === 'none') return '';
  const leftMs = setting === 'message' ? Math.max(validUntil - parleyNow, LEAST_VALIDITY_MS) : setting;
  return absoluteTime(wallNow + leftMs);
}

/** SMPP's absolute time format in UTC: year, month, day, hours, minutes, seconds, tenths, then `00+`. */
export function absoluteTime(ms: number): string {
  const at = new Date(ms);
  return two(at.getUTCFullYear() % 100) + two(at.getUTCMonth() + 1) + two(at.getUTCDate())
    + two(at.getUTCHours()) + two(at.getUTCMinutes()) + two(at.getUTCSeconds()) + String(Math.floor(at.getUTCMilliseconds() / 100)) + '00+';
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
