/**
 * The account's two kinds of address, as a client of the REST API sees them: numbers
 * (IncomingPhoneNumbers) and short codes (SMS/ShortCodes). Shared by `parley numbers` and the test
 * harness, which take either wherever they take a number.
 */
import { isShortCode } from '../phone/numbers.js';
import { callApi, type Connection } from './api-client.js';

export interface AddressKind {
  /** Below the account's path, without `.json`. */
  readonly path: string;
  readonly listKey: string;
  /** The create parameter and list filter that name the address. */
  readonly addressParam: string;
  readonly sid: RegExp;
  readonly noun: string;
  /** The address in the resource's JSON. */
  address(json: object): string;
}

export const NUMBERS: AddressKind = {
  path: 'IncomingPhoneNumbers', listKey: 'incoming_phone_numbers', addressParam: 'PhoneNumber', sid: /^PN[0-9a-f]{32}$/i, noun: 'number',
  address: (json) => String((json as { phone_number?: unknown }).phone_number),
};

export const SHORT_CODES: AddressKind = {
  path: 'SMS/ShortCodes', listKey: 'short_codes', addressParam: 'ShortCode', sid: /^SC[0-9a-f]{32}$/i, noun: 'short code',
  address: (json) => String((json as { short_code?: unknown }).short_code),
};

/** A short code (digits without `+`) or its SC SID is a ShortCode; anything else a number. */
export function kindOf(ref: string): AddressKind {
  return SHORT_CODES.sid.test(ref) || isShortCode(ref) ? SHORT_CODES : NUMBERS;
}

export function kindPath(conn: Connection, kind: AddressKind): string {
  return `/2010-04-01/Accounts/${conn.accountSid}/${kind.path}`;
}

/** Every page of one kind. */
export async function listAll<T>(conn: Connection, kind: AddressKind): Promise<T[]> {
  const all: T[] = [];
  let path: string | null = `${kindPath(conn, kind)}.json?PageSize=1000`;
  while (path) {
    const page: Record<string, unknown> & { next_page_uri: string | null } = await callApi(conn, 'GET', path);
    all.push(...(page[kind.listKey] as T[]));
    path = page.next_page_uri;
  }
  return all;
}
