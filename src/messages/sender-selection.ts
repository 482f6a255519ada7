/**
 * Which sender a Messaging Service's message without `From` goes from, in the order of Twilio's
 * documented sender selection:
 * 1. a short code of the pool in the destination's country (a short code reaches only its own
 *    country's handsets, and there it is the sender the service was given for);
 * 2. the service's alpha sender for the destination's country (DestinationAlphaSenders), where the
 *    operator named that country;
 * 3. its alpha sender for every country (a DestinationAlphaSender without a country, else its
 *    AlphaSender), for a destination outside the North American Numbering Plan (+1), whose
 *    carriers refuse alphanumeric senders; elsewhere the carrier decides, as for an alphanumeric
 *    `From`;
 * 4. a number of the pool.
 * Sticky Sender: within one of these, the same handset gets the same sender while the pool is
 * unchanged (a stable hash of the handset over the candidates, ordered by SID).
 */
import { createHash } from 'node:crypto';
import type { MessagingServiceRecord } from '../stores/records.js';
import type { Store } from '../stores/store.js';
import { TwilioError } from '../errors/twilio-error.js';
import { countryOf, withoutChannelPrefix } from '../phone/numbers.js';

/** What the choice reads: the service's pool and the records of its numbers and short codes. */
export interface SenderPool {
  readonly services: Pick<Store['services'], 'numbers'>;
  readonly numbers: Pick<Store['numbers'], 'get'>;
}

export async function senderFor(store: SenderPool, service: MessagingServiceRecord, to: string): Promise<string> {
  const entries = await store.services.numbers(service.accountSid, service.sid);
  const pick = <T>(candidates: readonly T[]): T => candidates[service.stickySender
    ? createHash('sha1').update(to).digest().readUInt32BE(0) % candidates.length
    : Math.floor(Math.random() * candidates.length)]!;

  const handset = withoutChannelPrefix(to);
  const country = countryOf(handset);
  const shortCodes: string[] = [];
  for (const entry of entries) {
    if (!entry.numberSid.startsWith('SC')) continue;
    const shortCode = await store.numbers.get(service.accountSid, entry.numberSid);
    if (shortCode && shortCode.isoCountry === country) shortCodes.push(shortCode.phoneNumber);
  }
  if (shortCodes.length > 0) return pick(shortCodes);

  const byCountry = service.destinationAlphaSenders ?? [];
  const forCountry = byCountry.find((a) => a.isoCountryCode === country);
  if (forCountry) return forCountry.alphaSender;
  const everywhere = byCountry.find((a) => a.isoCountryCode === null) ?? service.alphaSender;
  if (everywhere && !handset.startsWith('+1')) return everywhere.alphaSender;

  const numbers = entries.filter((e) => !e.numberSid.startsWith('SC'));
  const number = numbers.length > 0 ? await store.numbers.get(service.accountSid, pick(numbers).numberSid) : null;
  if (!number) {
    throw new TwilioError(21704, entries.length === 0
      ? `The Messaging Service ${service.sid} contains no phone numbers.`
      : `The Messaging Service ${service.sid} has no sender for ${to}: its short codes are for other countries, and it contains no phone numbers.`);
  }
  return number.phoneNumber;
}
