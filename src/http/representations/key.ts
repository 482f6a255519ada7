/**
 * The API Key resource of the 2010-04-01 API (`api.v2010.account.key`; on create,
 * `api.v2010.account.new_key`, the only time the secret is shown).
 */
import type { ApiKeyRecord } from '../../stores/records.js';
import { accountPath } from './account.js';
import { rfc2822 } from './dates.js';

export function keysListPath(accountSid: string): string {
  return `${accountPath(accountSid)}/Keys.json`;
}

export interface KeyJson {
  date_created: string;
  date_updated: string;
  friendly_name: string;
  sid: string;
}

export function keyJson(k: ApiKeyRecord): KeyJson {
  return { date_created: rfc2822(k.dateCreated), date_updated: rfc2822(k.dateUpdated), friendly_name: k.friendlyName, sid: k.sid };
}

export function newKeyJson(k: ApiKeyRecord): KeyJson & { secret: string } {
  return { ...keyJson(k), secret: k.secret };
}
