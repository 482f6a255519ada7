/**
 * The Account resource of the 2010-04-01 API (OpenAPI schema `api.v2010.account`), and the
 * account-relative paths every other 2010-04-01 representation builds its `uri` from.
 */
import type { AccountRecord } from '../../stores/records.js';
import { rfc2822 } from './dates.js';

export const API_VERSION = '2010-04-01';

/** `/2010-04-01/Accounts/AC…`: the prefix of every resource an account owns. */
export function accountPath(accountSid: string): string {
  return `/${API_VERSION}/Accounts/${accountSid}`;
}

export const ACCOUNTS_LIST_PATH = `/${API_VERSION}/Accounts.json`;

// The sub-resources a real Account lists (OpenAPI fetch example), in Twilio's order.
const SUBRESOURCES: ReadonlyArray<readonly [string, string]> = [
  ['available_phone_numbers', 'AvailablePhoneNumbers'],
  ['calls', 'Calls'],
  ['conferences', 'Conferences'],
  ['incoming_phone_numbers', 'IncomingPhoneNumbers'],
  ['notifications', 'Notifications'],
  ['outgoing_caller_ids', 'OutgoingCallerIds'],
  ['recordings', 'Recordings'],
  ['transcriptions', 'Transcriptions'],
  ['addresses', 'Addresses'],
  ['signing_keys', 'SigningKeys'],
  ['connect_apps', 'ConnectApps'],
  ['sip', 'SIP'],
  ['authorized_connect_apps', 'AuthorizedConnectApps'],
  ['usage', 'Usage'],
  ['keys', 'Keys'],
  ['applications', 'Applications'],
  ['short_codes', 'SMS/ShortCodes'],
  ['queues', 'Queues'],
  ['messages', 'Messages'],
  ['balance', 'Balance'],
];

export interface AccountJson {
  auth_token: string;
  date_created: string;
  date_updated: string;
  friendly_name: string;
  owner_account_sid: string;
  sid: string;
  status: AccountRecord['status'];
  subresource_uris: Record<string, string>;
  type: 'Full' | 'Trial';
  uri: string;
}

export function accountJson(a: AccountRecord): AccountJson {
  const base = accountPath(a.sid);
  return {
    auth_token: a.authToken,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    // "The OwnerAccountSid of a parent account is its own sid." (api.v2010.account)
    owner_account_sid: a.ownerAccountSid ?? a.sid,
    sid: a.sid,
    status: a.status,
    subresource_uris: Object.fromEntries(SUBRESOURCES.map(([key, name]) => [key, `${base}/${name}.json`])),
    // Parley has no trial restrictions (no "Sent from your Twilio trial account" prefix).
    type: 'Full',
    uri: `${base}.json`,
  };
}
