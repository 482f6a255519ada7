/**
 * The parameters of an inbound-message webhook, as Twilio sends them
 * (https://www.twilio.com/docs/messaging/guides/webhook-request and captured requests):
 * geo fields Parley cannot know are sent as empty strings, as Twilio does when it has none.
 */
import type { MessageRecord } from '../stores/records.js';
import { countryOf } from '../phone/numbers.js';
import { hash } from 'node:crypto';
import { optOutTypeOf } from '../messages/opt-outs.js';

/** `toCountry`: the country of the Parley address when its digits do not say it (a short code's). */
export function inboundParams(m: MessageRecord, toCountry?: string): Array<[string, string]> {
  const params: Array<[string, string]> = [
    ['ToCountry', toCountry ?? countryOf(m.to)], ['ToState', ''], ['SmsMessageSid', m.sid], ['NumMedia', String(m.media.length)],
    ['ToCity', ''], ['FromZip', ''], ['SmsSid', m.sid], ['FromState', ''], ['SmsStatus', 'received'], ['FromCity', ''],
    ['Body', m.body], ['FromCountry', countryOf(m.from)], ['To', m.to], ['ToZip', ''],
    ['NumSegments', String(m.numSegments)], ['MessageSid', m.sid], ['AccountSid', m.accountSid], ['From', m.from],
    ['ApiVersion', '2010-04-01'],
  ];
  if (m.messagingServiceSid) params.push(['MessagingServiceSid', m.messagingServiceSid]);
  // Parley handles the keyword itself (block + default reply), as Advanced Opt-Out does.
  const optOutType = optOutTypeOf(m.body);
  if (optOutType) params.push(['OptOutType', optOutType]);
  m.media.forEach((media, i) => {
    params.push([`MediaContentType${i}`, media.contentType], [`MediaUrl${i}`, media.url]);
  });
  return params;
}

/**
 * The `I-Twilio-Idempotency-Token` of one exchange: derived from the message and the exchange's
 * place in its turn, so a repeat of the same request (a retry, or a turn resumed after a crash)
 * carries the same token and the app can recognise it.
 */
export function idempotencyToken(messageSid: string, exchangeSeq: number): string {
  // crypto.hash, one call without a Hash object: half the cost of createHash for input this short.
  const h = hash('sha1', `${messageSid}:${exchangeSeq}`, 'hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
