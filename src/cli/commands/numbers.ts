/**
 * `parley numbers add|list|update|remove`: the account's Parley numbers and short codes and their
 * messaging webhooks, through the IncomingPhoneNumbers and ShortCodes APIs (so it works against
 * any Parley, local or remote).
 */
import { ApiError, callApi, type Connection } from '../api-client.js';
import { CONNECTION_OPTIONS, connectionFrom, optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { UsageError, type Command } from '../usage.js';
import { NUMBERS, SHORT_CODES, kindOf, kindPath, listAll, type AddressKind } from '../address-kinds.js';

/** Each webhook option and the IncomingPhoneNumbers parameter it sets. */
const FIELDS: Array<OptionSpec & { param: string }> = [
  { flag: '--sms-url', value: 'URL', help: 'the webhook Parley calls for each inbound message', param: 'SmsUrl' },
  { flag: '--sms-method', value: 'GET|POST', help: 'method for --sms-url (default POST)', param: 'SmsMethod' },
  { flag: '--fallback-url', value: 'URL', help: 'called when --sms-url fails', param: 'SmsFallbackUrl' },
  { flag: '--status-callback', value: 'URL', help: 'receives delivery status of replies', param: 'StatusCallback' },
  { flag: '--friendly-name', value: 'TEXT', help: 'a label for the number', param: 'FriendlyName' },
];
/** A short code's country, given when it is added (its digits do not say it). */
const COUNTRY: OptionSpec = { flag: '--country', value: 'CC', help: 'with add, a short code\'s country (ISO 3166, such as GB; default US)' };
const SPECS: OptionSpec[] = [...FIELDS.map(({ flag, value, help }) => ({ flag, value, help })), COUNTRY, ...CONNECTION_OPTIONS];

const ACTIONS: Array<[string, string]> = [
  ['add NUMBER', 'add an E.164 number or a short code (3 to 8 digits) (with --sms-url, ...)'],
  ['list', 'list the numbers and short codes of the account'],
  ['update NUMBER|PN…|SC…', 'change the webhooks of a number or short code'],
  ['remove NUMBER|PN…|SC…', 'delete a number or short code'],
];

/** What the commands print of either resource. */
interface AddressJson {
  sid: string;
  sms_url: string;
  sms_method: string;
  friendly_name: string;
}

function describe(kind: AddressKind, n: AddressJson): string {
  const address = kind.address(n);
  return `${address}  ${n.sid}  ${n.sms_url ? `${n.sms_method} ${n.sms_url}` : '(no SmsUrl)'}  ${JSON.stringify(n.friendly_name)}`;
}

function formOf(options: Map<string, string>): Array<[string, string]> {
  return FIELDS.flatMap((f): Array<[string, string]> => {
    const value = options.get(f.flag);
    return value === undefined ? [] : [[f.param, value]];
  });
}

/** Finds a number or short code by itself or its SID; a missing one is Twilio's 20404. */
async function resolve(conn: Connection, kind: AddressKind, ref: string): Promise<AddressJson> {
  if (kind.sid.test(ref)) return callApi<AddressJson>(conn, 'GET', `${kindPath(conn, kind)}/${ref}.json`);
  const query = `${kind.addressParam}=${encodeURIComponent(ref)}`;
  const page = await callApi<Record<string, AddressJson[]>>(conn, 'GET', `${kindPath(conn, kind)}.json?${query}`);
  const found = (page[kind.listKey] ?? []).find((n) => kind.address(n) === ref);
  if (!found) throw new ApiError(`${ref} is not a ${kind.noun} of account ${conn.accountSid}`, 404, 20404);
  return found;
}

export const numbers: Command = {
  help: () => optionsHelp('parley numbers add|list|update|remove [NUMBER] [options]', SPECS, ACTIONS),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    const [action, ref, ...extra] = positional;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const needsRef = (): string => {
      if (!ref) throw new UsageError(`parley numbers ${action ?? ''} needs a number (E.164, a short code, or a PN or SC SID)`);
      return ref;
    };
    switch (action) {
      case 'add': {
        const address = needsRef();
        const kind = kindOf(address);
        const country = options.get(COUNTRY.flag);
        if (country !== undefined && kind !== SHORT_CODES) throw new UsageError(`${COUNTRY.flag} is for short codes; a number's country is in its digits`);
        const conn = connectionFrom(options);
        const form: Array<[string, string]> = [[kind.addressParam, address], ...formOf(options), ...(country !== undefined ? [['IsoCountry', country] as [string, string]] : [])];
        const created = await callApi<AddressJson>(conn, 'POST', `${kindPath(conn, kind)}.json`, form);
        console.log(`added ${describe(kind, created)}`);
        return 0;
      }
      case 'list': {
        if (ref) throw new UsageError(`unexpected argument "${ref}"`);
        const conn = connectionFrom(options);
        let listed = 0;
        for (const kind of [NUMBERS, SHORT_CODES]) {
          const all = await listAll<AddressJson>(conn, kind);
          for (const n of all) console.log(describe(kind, n));
          listed += all.length;
        }
        if (listed === 0) console.log('no numbers (add one with: parley numbers add +15005550006 --sms-url URL)');
        return 0;
      }
      case 'update': {
        if (options.has(COUNTRY.flag)) throw new UsageError(`${COUNTRY.flag} is given when a short code is added; it does not change`);
        const form = formOf(options);
        if (form.length === 0) throw new UsageError('parley numbers update needs at least one of --sms-url, --sms-method, --fallback-url, --status-callback, --friendly-name');
        const conn = connectionFrom(options);
        const kind = kindOf(needsRef());
        const existing = await resolve(conn, kind, needsRef());
        const updated = await callApi<AddressJson>(conn, 'POST', `${kindPath(conn, kind)}/${existing.sid}.json`, form);
        console.log(`updated ${describe(kind, updated)}`);
        return 0;
      }
      case 'remove': {
        const conn = connectionFrom(options);
        const kind = kindOf(needsRef());
        const existing = await resolve(conn, kind, needsRef());
        await callApi<undefined>(conn, 'DELETE', `${kindPath(conn, kind)}/${existing.sid}.json`);
        console.log(`removed ${kind.address(existing)} (${existing.sid})`);
        return 0;
      }
      default:
        throw new UsageError(action ? `unknown action "numbers ${action}" (add, list, update or remove)` : 'parley numbers needs an action: add, list, update or remove');
    }
  },
};
