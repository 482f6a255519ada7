/**
 * The IncomingPhoneNumber resource (OpenAPI `api.v2010.account.incoming_phone_number`).
 * Parley numbers only do messaging; the voice, address and emergency fields carry the values
 * of a plain Twilio local number with nothing configured, so clients that read them still work.
 */
import type { PhoneNumberRecord } from '../../stores/records.js';
import { API_VERSION, accountPath } from './account.js';
import { rfc2822 } from './dates.js';

export function phoneNumbersListPath(accountSid: string): string {
  return `${accountPath(accountSid)}/IncomingPhoneNumbers.json`;
}

type Method = 'GET' | 'POST';

export interface PhoneNumberJson {
  account_sid: string;
  address_requirements: 'none' | 'any' | 'local' | 'foreign';
  address_sid: string | null;
  api_version: typeof API_VERSION;
  beta: boolean;
  bundle_sid: string | null;
  capabilities: { voice: boolean; sms: boolean; mms: boolean; fax: boolean };
  date_created: string;
  date_updated: string;
  emergency_address_sid: string | null;
  emergency_address_status: 'unregistered';
  emergency_status: 'Active' | 'Inactive';
  friendly_name: string;
  identity_sid: string | null;
  origin: 'twilio' | 'hosted';
  phone_number: string;
  sid: string;
  sms_application_sid: string | null;
  sms_fallback_method: Method;
  sms_fallback_url: string;
  sms_method: Method;
  sms_url: string;
  status: string;
  status_callback: string;
  status_callback_method: Method;
  subresource_uris: { assigned_add_ons: string };
  trunk_sid: string | null;
  type: string;
  uri: string;
  voice_application_sid: string | null;
  voice_caller_id_lookup: boolean;
  voice_fallback_method: Method;
  voice_fallback_url: string;
  voice_method: Method;
  voice_receive_mode: 'voice' | 'fax';
  voice_url: string;
}

/**
 * Unset URLs are `""`, as in Twilio's example. Unset SIDs are `null`, not Twilio's `""`: the
 * schema gives every SID field a pattern `""` cannot match, and both are falsy to a client.
 */
export function phoneNumberJson(n: PhoneNumberRecord): PhoneNumberJson {
  const path = `${accountPath(n.accountSid)}/IncomingPhoneNumbers/${n.sid}`;
  return {
    account_sid: n.accountSid,
    address_requirements: 'none',
    address_sid: null,
    api_version: API_VERSION,
    beta: false,
    bundle_sid: null,
    capabilities: { voice: true, sms: true, mms: true, fax: false },
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    emergency_address_sid: null,
    emergency_address_status: 'unregistered',
    emergency_status: 'Inactive',
    friendly_name: n.friendlyName,
    identity_sid: null,
    origin: 'twilio',
    phone_number: n.phoneNumber,
    sid: n.sid,
    sms_application_sid: null,
    sms_fallback_method: n.smsFallbackMethod,
    sms_fallback_url: n.smsFallbackUrl,
    sms_method: n.smsMethod,
    sms_url: n.smsUrl,
    status: 'in-use',
    status_callback: n.statusCallback,
    status_callback_method: n.statusCallbackMethod,
    subresource_uris: { assigned_add_ons: `${path}/AssignedAddOns.json` },
    trunk_sid: null,
    type: 'local',
    uri: `${path}.json`,
    voice_application_sid: null,
    voice_caller_id_lookup: false,
    voice_fallback_method: 'POST',
    voice_fallback_url: '',
    voice_method: 'POST',
    voice_receive_mode: 'voice',
    voice_url: '',
  };
}
