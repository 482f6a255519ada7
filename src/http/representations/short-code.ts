/**
 * The ShortCode resource (OpenAPI `api.v2010.account.short_code`): a short code's messaging
 * webhooks. Twilio's resource has no status callback; the record's is unused here.
 */
import type { HttpMethod, PhoneNumberRecord } from '../../stores/records.js';
import { API_VERSION, accountPath } from './account.js';
import { rfc2822 } from './dates.js';

export interface ShortCodeJson {
  account_sid: string;
  api_version: typeof API_VERSION;
  date_created: string;
  date_updated: string;
  friendly_name: string;
  short_code: string;
  sid: string;
  sms_fallback_method: HttpMethod;
  sms_fallback_url: string;
  sms_method: HttpMethod;
  sms_url: string;
  uri: string;
}

export function shortCodesListPath(accountSid: string): string {
  return `${accountPath(accountSid)}/SMS/ShortCodes.json`;
}

export function shortCodeJson(n: PhoneNumberRecord): ShortCodeJson {
  return {
    account_sid: n.accountSid,
    api_version: API_VERSION,
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    friendly_name: n.friendlyName,
    short_code: n.phoneNumber,
    sid: n.sid,
    sms_fallback_method: n.smsFallbackMethod,
    sms_fallback_url: n.smsFallbackUrl,
    sms_method: n.smsMethod,
    sms_url: n.smsUrl,
    uri: `${accountPath(n.accountSid)}/SMS/ShortCodes/${n.sid}.json`,
  };
}
