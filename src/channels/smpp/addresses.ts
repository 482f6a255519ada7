/**
 * Addresses between Parley's form (E.164 `+15551234567`, alphanumeric senders, short codes) and
 * SMPP's `addr` + TON + NPI (reference 2.4).
 *
 * Contract:
 * - `toSmppAddress(address)`:
 *   - `+` and 1-15 digits → the digits without `+`, TON 1 (international), NPI 1 (E.164);
 *   - Decision, short codes: 3-8 digits without `+` → TON 3 (network specific), NPI 0, the pair
 *     aggregators document for short codes (TON 0 would let an SMSC read them as national);
 *   - more digits without `+` → TON 0 (unknown), NPI 1: the SMSC applies its own numbering;
 *   - anything else of printable ASCII, at most 11 characters (the GSM TP-OA limit), with a
 *     letter → alphanumeric, TON 5, NPI 0, kept as written (an `@` stays ASCII 0x40: address
 *     fields are C-strings, so GSM's 0x00 for `@` would cut them, reference trap 11);
 *   - otherwise (empty, non-ASCII, too long) a RangeError.
 * - `fromSmppAddress({ addr, ton })`: TON 1 → `+` and the digits (a `+` or a `00` the SMSC left in
 *   front dropped, as Kannel does); any other TON, or a TON 1 address that is not digits → the
 *   address as given (trimmed).
 * - `destinationCandidates({ addr, ton })`: the forms a Parley number may have for an inbound
 *   destination, most likely first, for the lookup of the owning account: the
 *   `fromSmppAddress` form, then for digits with TON 0 or 1 both `+digits` and the bare digits,
 *   so TON 0 `15550001111` still finds `+15550001111`. National (TON 2) and other TONs get no
 *   `+` form: without the country code it would name another country's number.
 */

import { SHORT_CODE_DIGITS } from '../../phone/numbers.js';

export const TON = { UNKNOWN: 0, INTERNATIONAL: 1, NATIONAL: 2, NETWORK_SPECIFIC: 3, SUBSCRIBER: 4, ALPHANUMERIC: 5, ABBREVIATED: 6 } as const;
export const NPI = { UNKNOWN: 0, ISDN: 1 } as const;

export interface SmppAddress {
  addr: string;
  ton: number;
  npi: number;
}

const E164 = /^\+([1-9]\d{0,14})$/;
const DIGITS = /^\d+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
const MAX_ALPHANUMERIC = 11;
const { min: MIN_SHORT_CODE, max: MAX_SHORT_CODE } = SHORT_CODE_DIGITS;
/** SMPP 3.4 caps source_addr / destination_addr at 21 octets with the NUL. */
const MAX_ADDR = 20;

export function toSmppAddress(address: string): SmppAddress {
  const e164 = E164.exec(address);
  if (e164) return { addr: e164[1]!, ton: TON.INTERNATIONAL, npi: NPI.ISDN };
  if (DIGITS.test(address)) {
    if (address.length > MAX_ADDR || address.length < MIN_SHORT_CODE) throw new RangeError(`${address.length} digits cannot be an SMPP address`);
    if (address.length <= MAX_SHORT_CODE) return { addr: address, ton: TON.NETWORK_SPECIFIC, npi: NPI.UNKNOWN };
    return { addr: address, ton: TON.UNKNOWN, npi: NPI.ISDN };
  }
  if (PRINTABLE_ASCII.test(address) && address.length <= MAX_ALPHANUMERIC && /[A-Za-z]/.test(address)) {
    return { addr: address, ton: TON.ALPHANUMERIC, npi: NPI.UNKNOWN };
  }
  throw new RangeError(`not an address SMPP can carry: ${JSON.stringify(address)} (E.164, a short code, or up to ${MAX_ALPHANUMERIC} ASCII characters with a letter)`);
}

export function fromSmppAddress(address: { addr: string; ton: number }): string {
  const addr = address.addr.replace(/\0/g, '').trim();
  if (address.ton !== TON.INTERNATIONAL) return addr;
  const digits = internationalDigits(addr);
  return digits === undefined ? addr : `+${digits}`;
}

export function destinationCandidates(address: { addr: string; ton: number }): string[] {
  const given = fromSmppAddress(address);
  const candidates = [given];
  if (address.ton === TON.UNKNOWN || address.ton === TON.INTERNATIONAL) {
    const digits = internationalDigits(given);
    if (digits !== undefined) candidates.push(`+${digits}`, digits);
  }
  return [...new Set(candidates)];
}

/** The digits of an international number written as `+digits`, `00digits` or `digits`. */
function internationalDigits(addr: string): string | undefined {
  const bare = addr.startsWith('+') ? addr.slice(1) : addr.startsWith('00') ? addr.slice(2) : addr;
  return DIGITS.test(bare) && bare.length > 0 ? bare : undefined;
}
