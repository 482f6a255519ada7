/**
 * Date formats on the wire. The 2010-04-01 API answers with RFC 2822 dates in GMT
 * (`Fri, 04 Oct 2024 13:59:56 +0000`), Monitor v1 with ISO 8601 (`2015-07-30T20:00:00Z`), and
 * list filters (`DateSent>`, `StartDate`) arrive as ISO 8601: `YYYY-MM-DD` from the docs,
 * full datetimes from the helper libraries (reference section 6.1).
 */

function checkedDate(ms: number): Date {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a timestamp: ${ms}`);
  return date;
}

/**
 * RFC 2822 (section 3.3) in GMT, as Twilio writes it: always `+0000`, two-digit day.
 * ECMAScript fixes `toUTCString` to `Www, DD Mmm YYYY HH:mm:ss GMT`; only the zone differs.
 */
export function rfc2822(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === lastSecond) return lastRfc2822;
  const text = checkedDate(ms).toUTCString().replace(/ GMT$/, ' +0000');
  lastSecond = second;
  lastRfc2822 = text;
  return text;
}
// Every message representation carries three dates, nearly always of the current second: the last
// one formatted is kept (the live event stream formats four representations per turn).
let lastSecond = Number.NaN;
let lastRfc2822 = '';

/** ISO 8601 in UTC to the second, as Monitor v1 writes it: `2015-07-30T20:00:00Z`. */
export function iso8601(ms: number): string {
  return checkedDate(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// YYYY-MM-DD, optionally followed by a time (T or space), seconds, fraction and a zone.
const ISO_FILTER =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function parseOffsetMinutes(zone: string | undefined): number | null {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}

/**
 * Parses a date filter value into ms since epoch, or null when it is not ISO 8601.
 * A date alone means midnight GMT; a datetime without a zone is read as GMT, which is what
 * Twilio documents for its filters. Out-of-range parts (`2024-02-30`, `25:00`) are rejected.
 */
export function parseIso8601Filter(text: string): number | null {
  const match = ISO_FILTER.exec(text.trim());
  if (match === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const offset = parseOffsetMinutes(zone);
  if (offset === null) return null;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 2024-02-30 over to March; a changed day means the date does not exist.
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return null;
  }
  return local - offset * 60_000;
}
