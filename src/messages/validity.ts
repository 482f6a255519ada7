/**
 * Twilio's `ValidityPeriod`: how long an outbound message may wait to be handed to its channel.
 * Past it, the message is not sent and fails with 30036 (Validity Period Expired).
 * https://www.twilio.com/docs/api/errors/30036
 */
import type { MessageRecord } from '../stores/records.js';
import { TwilioError } from '../errors/twilio-error.js';

/** Twilio's default and maximum for a message: 10 hours. */
export const DEFAULT_VALIDITY_PERIOD_S = 36_000;
export const MAX_VALIDITY_PERIOD_S = 36_000;

/** A `ValidityPeriod` parameter in seconds, or 21624 (messages and Messaging Services alike). */
export function parseValidityPeriod(value: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds < 1 || seconds > MAX_VALIDITY_PERIOD_S) {
    throw new TwilioError(21624, `ValidityPeriod must be a whole number of seconds from 1 to ${MAX_VALIDITY_PERIOD_S}.`);
  }
  return seconds;
}

/** The last moment the message may still be handed to its channel. */
export function validUntilOf(message: MessageRecord): number {
  return message.validUntil ?? message.dateCreated + DEFAULT_VALIDITY_PERIOD_S * 1000;
}
