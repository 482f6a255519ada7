/**
 * Which sender a Messaging Service's message without `From` goes from, in the order of Twilio's
 * documented sender selection:
 * 1. a short code of the pool in the destination's country (a short code reaches only its own
 *    country's handsets, and Twilio prioritises it there above long codes);
 * 2. the service's alpha sender for the destination's country (DestinationAlphaSenders), where the
 *    operator named that country;
 * 3. its alpha sender for every country (a DestinationAlphaSender without a country, else its
 *    AlphaSender), for a destination outside the North American Numbering Plan (+1), whose
 *    carriers refuse alphanumeric senders; elsewhere the carrier decides, as for an alphanumeric
 *    `From`;
 * 4. a number of the pool, geomatched as Twilio's Area Code and Country Code Geomatch do: one with
 *    the destination's area code (+1), else one of its country, else a US number, else any.
 * Sticky Sender: among the candidates of a step, the same handset gets the same sender while the
 * pool is unchanged (a stable hash of the handset over the candidates, ordered by SID).
 */
import { createHash } from 'node:crypto';
import type { MessagingServiceRecord } from '../stores/records.js';
import type { PoolEntry, Store } from '../stores/store.js';
import { TwilioError } from '../errors/twilio-error.js';
import { countryOf, withoutChannelPrefix } from '../phone/numbers.js';

/** What the choice reads: the service's pool, with each entry's address and country. */
export type SenderPool = Pick<Store['services'], 'numbers'>;

/** `+1` and the three digits of a North American area code. */
const AREA_CODE_LENGTH = 5;

export async function senderFor(pool: SenderPool, service: MessagingServiceRecord, to: string): Promise<string> {
  const entries = await pool.numbers(service.accountSid, service.sid);
  const pick = (candidates: readonly PoolEntry[]): string => candidates[service.stickySender
    ? createHash('sha1').update(to).digest().readUInt32BE(0) % candidates.length
    : Math.floor(Math.random() * candidates.length)]!.phoneNumber;

  const handset = withoutChannelPrefix(to);
  const country = countryOf(handset);
  const shortCodes = entries.filter((e) => e.numberSid.startsWith('SC') && e.isoCountry === country);
  if (shortCodes.length > 0) return pick(shortCodes);

  const byCountry = service.destinationAlphaSenders ?? [];
  const forCountry = byCountry.find((a) => a.isoCountryCode === country);
  if (forCountry) return forCountry.alphaSender;
  const everywhere = byCountry.find((a) => a.isoCountryCode === null) ?? service.alphaSender;
  if (everywhere && !handset.startsWith('+1')) return everywhere.alphaSender;

  const numbers = entries.filter((e) => !e.numberSid.startsWith('SC'));
  if (numbers.length === 0) {
    throw new TwilioError(21704, entries.length === 0
      ? `The Messaging Service ${service.sid} contains no phone numbers.`
      : `The Messaging Service ${service.sid} has no sender for ${to}: its short codes are for other countries, and it contains no phone numbers.`);
  }
  return pick(geomatched(numbers, handset, country));
}

/** The pool's numbers nearest the handset: its area code (+1), else its country, else the US, else all. */
function geomatched(numbers: readonly PoolEntry[], handset: string, country: string): readonly PoolEntry[] {
  const areaCode = handset.startsWith('+1') ? handset.slice(0, AREA_CODE_LENGTH) : null;
  const nearest: Array<(n: PoolEntry) => boolean> = [
    (n) => areaCode !== null && n.phoneNumber.startsWith(areaCode),
    (n) => countryOf(n.phoneNumber) === country,
    (n) => countryOf(n.phoneNumber) === 'US',
  ];
  // Tier by tier, so a message that finds its area code reads no number's country.
  for (const near of nearest) {
    const tier = numbers.filter(near);
    if (tier.length > 0) return tier;
  }
  return numbers;
}
