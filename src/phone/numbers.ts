/** Phone numbers at the edge: E.164 validation and the country a number belongs to (libphonenumber-js). */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { createRequire } from 'node:module';

// The metadata ships as JSON behind a CommonJS export; require reads it on every Node version.
const metadata = createRequire(import.meta.url)('libphonenumber-js/metadata.min.json') as { country_calling_codes: Record<string, string[]> };

const E164 = /^\+[1-9]\d{1,14}$/;

export function isE164(value: string): boolean {
  if (!E164.test(value)) return false;
  let possible = possibleCache.get(value);
  if (possible === undefined) {
    possible = parsePhoneNumberFromString(value)?.isPossible() ?? false;
    if (possibleCache.size >= COUNTRY_CACHE_SIZE) possibleCache.clear();
    possibleCache.set(value, possible);
  }
  return possible;
}

const possibleCache = new Map<string, boolean>();

/**
 * An alphanumeric sender ID, as Twilio documents one: up to 11 of A-Z, a-z, 0-9, space, `-`, `+`,
 * `_` and `&`, not only digits. Parley asks for a letter among them, so `+1234` or `12345` is never
 * taken for one (they are a number and a short code).
 */
export function isAlphanumericSender(value: string): boolean {
  return /^[A-Za-z0-9 +\-_&]{1,11}$/.test(value) && /[A-Za-z]/.test(value);
}

/**
 * A short code: 3 to 8 digits without `+` (five or six in the US and Canada, three to eight
 * elsewhere). The same range SMPP sends with TON 3 (channels/smpp/addresses.ts).
 */
export function isShortCode(value: string): boolean {
  return SHORT_CODE.test(value);
}

export const SHORT_CODE_DIGITS = { min: 3, max: 8 } as const;
const SHORT_CODE = new RegExp(`^\\d{${SHORT_CODE_DIGITS.min},${SHORT_CODE_DIGITS.max}}$`);

const mainCountryByCallingCode = metadata.country_calling_codes;

/**
 * ISO country of a number, for the webhook's FromCountry/ToCountry. Fictional ranges (555-01xx)
 * match no country exactly, so fall back to the main country of the calling code (+1 → US).
 */
export function countryOf(value: string): string {
  let country = countryCache.get(value);
  if (country === undefined) {
    // Parsing costs ~25 µs and every webhook needs two countries: remember them (bounded).
    const parsed = parsePhoneNumberFromString(value);
    country = parsed ? (parsed.country ?? mainCountryByCallingCode[parsed.countryCallingCode]?.[0] ?? '') : '';
    if (countryCache.size >= COUNTRY_CACHE_SIZE) countryCache.clear();
    countryCache.set(value, country);
  }
  return country;
}

const COUNTRY_CACHE_SIZE = 100_000;
const countryCache = new Map<string, string>();

/** The number of a channel address: `whatsapp:+1555…` → `+1555…`; a plain number unchanged. */
export function withoutChannelPrefix(address: string): string {
  const colon = address.indexOf(':');
  return colon > 0 ? address.slice(colon + 1) : address;
}
