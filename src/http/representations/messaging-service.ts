/**
 * The Messaging Service resource (`messaging.v1.service`) and its PhoneNumber, ShortCode and
 * AlphaSender sub-resources (`messaging.v1.service.phone_number`, `….short_code`,
 * `….alpha_sender`) as Twilio's v1 messaging API serves them: ISO 8601
 * dates, absolute `url`s, `links` to sub-resources. Settings Parley does not model are shown
 * with Twilio's defaults.
 */
import type { AlphaSenderRecord, DestinationAlphaSenderRecord, MessagingServiceRecord } from '../../stores/records.js';
import type { PoolEntry } from '../../stores/store.js';
import { countryOf } from '../../phone/numbers.js';
import { iso8601 } from './dates.js';
import { absoluteUrl } from './paging.js';

export const SERVICES_LIST_PATH = '/v1/Services';

export function servicePath(sid: string): string {
  return `${SERVICES_LIST_PATH}/${sid}`;
}

const LINKS = ['PhoneNumbers', 'ShortCodes', 'AlphaSenders', 'Messages', 'Compliance/Usa2p', 'Compliance/Usa2p/Usecases', 'ChannelSenders', 'DestinationAlphaSenders'];
const LINK_KEYS = ['phone_numbers', 'short_codes', 'alpha_senders', 'messages', 'us_app_to_person', 'us_app_to_person_usecases', 'channel_senders', 'destination_alpha_senders'];

export function serviceJson(baseUrl: string, s: MessagingServiceRecord): Record<string, unknown> {
  const url = absoluteUrl(baseUrl, servicePath(s.sid));
  return {
    account_sid: s.accountSid,
    area_code_geomatch: true,
    date_created: iso8601(s.dateCreated),
    date_updated: iso8601(s.dateUpdated),
    fallback_method: s.fallbackMethod,
    fallback_to_long_code: true,
    fallback_url: s.fallbackUrl || null,
    friendly_name: s.friendlyName,
    inbound_method: s.inboundMethod,
    inbound_request_url: s.inboundRequestUrl || null,
    links: Object.fromEntries(LINK_KEYS.map((k, i) => [k, `${url}/${LINKS[i]!}`])),
    mms_converter: true,
    scan_message_content: 'inherit',
    sid: s.sid,
    smart_encoding: s.smartEncoding !== false,
    status_callback: s.statusCallback || null,
    sticky_sender: s.stickySender,
    synchronous_validation: true,
    url,
    us_app_to_person_registered: false,
    // Records stored before the setting existed lack it: Twilio's default, false.
    use_inbound_webhook_on_number: s.useInboundWebhookOnNumber === true,
    usecase: 'undeclared',
    validity_period: s.validityPeriod,
  };
}

/** Which of the pool's sub-resources an entry is shown as: its path and the key of its address. */
export interface PoolEntryKind {
  readonly path: 'PhoneNumbers' | 'ShortCodes';
  readonly addressKey: 'phone_number' | 'short_code';
}

/** A number (`messaging.v1.service.phone_number`) or short code (`….short_code`) of a service's pool. */
export function servicePoolEntryJson(baseUrl: string, kind: PoolEntryKind, service: Pick<MessagingServiceRecord, 'sid' | 'accountSid'>, entry: PoolEntry): Record<string, unknown> {
  return {
    account_sid: service.accountSid,
    capabilities: ['SMS', 'MMS'],
    country_code: entry.isoCountry ?? countryOf(entry.phoneNumber),
    date_created: iso8601(entry.dateCreated),
    date_updated: iso8601(entry.dateCreated),
    [kind.addressKey]: entry.phoneNumber,
    service_sid: service.sid,
    sid: entry.numberSid,
    url: absoluteUrl(baseUrl, `${servicePath(service.sid)}/${kind.path}/${entry.numberSid}`),
  };
}

export function alphaSenderJson(baseUrl: string, s: MessagingServiceRecord, alpha: AlphaSenderRecord, resource = 'AlphaSenders'): Record<string, unknown> {
  return {
    account_sid: s.accountSid,
    alpha_sender: alpha.alphaSender,
    capabilities: ['SMS'],
    date_created: iso8601(alpha.dateCreated),
    date_updated: iso8601(alpha.dateCreated),
    service_sid: s.sid,
    sid: alpha.sid,
    url: absoluteUrl(baseUrl, `${servicePath(s.sid)}/${resource}/${alpha.sid}`),
  };
}

/** `messaging.v1.service.destination_alpha_sender`: an alpha sender and its country (`""`, as Twilio's: every country). */
export function destinationAlphaSenderJson(baseUrl: string, s: MessagingServiceRecord, alpha: DestinationAlphaSenderRecord): Record<string, unknown> {
  return { ...alphaSenderJson(baseUrl, s, alpha, 'DestinationAlphaSenders'), iso_country_code: alpha.isoCountryCode ?? '' };
}
