/**
 * Which webhooks an inbound message to a Parley number uses. A number in a Messaging Service
 * uses the service's `InboundRequestUrl`/`InboundMethod`/`FallbackUrl`/`FallbackMethod` unless the
 * service sets `UseInboundWebhookOnNumber=true` (Twilio's default is false: the service decides,
 * and a service with no inbound URL calls no webhook). The number's status callback stays its own.
 * TwiML replies from a service's number go through the service, with its Smart Encoding.
 * https://www.twilio.com/docs/messaging/api/service-resource
 */
import type { Store } from '../stores/store.js';
import type { PhoneNumberRecord } from '../stores/records.js';

export interface InboundWebhook {
  /** The number as its inbound messages see it (service URLs applied), or null if not the account's. */
  number: PhoneNumberRecord | null;
  /** The Messaging Service the number belongs to (shown as `MessagingServiceSid`). */
  serviceSid: string | null;
  /** Whether replies get Smart Encoding: the service's setting, off for a number in none. */
  smartEncoding: boolean;
}

export async function inboundWebhookFor(store: Store, accountSid: string, phoneNumber: string): Promise<InboundWebhook> {
  const found = await store.numbers.findByPhoneNumber(phoneNumber);
  if (!found || found.accountSid !== accountSid) return { number: null, serviceSid: null, smartEncoding: false };
  const serviceSid = await store.services.serviceOf(found.sid);
  const service = serviceSid ? await store.services.get(accountSid, serviceSid) : null;
  if (!service) return { number: found, serviceSid: null, smartEncoding: false };
  const smartEncoding = service.smartEncoding !== false;
  if (service.useInboundWebhookOnNumber === true) return { number: found, serviceSid, smartEncoding };
  return {
    number: {
      ...found,
      smsUrl: service.inboundRequestUrl,
      smsMethod: service.inboundMethod,
      smsFallbackUrl: service.fallbackUrl,
      smsFallbackMethod: service.fallbackMethod,
    },
    serviceSid,
    smartEncoding,
  };
}
