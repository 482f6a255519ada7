/**
 * `parley numbers add|list|update|remove`: the account's Parley numbers and their messaging
 * webhooks, through the IncomingPhoneNumbers API (so it works against any Parley, local or remote).
 */
import { ApiError, callApi, type Connection } from '../api-client.js';
import { CONNECTION_OPTIONS, connectionFrom, optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { UsageError, type Command } from '../usage.js';
import type { PhoneNumberJson } from '../../http/representations/phone-number.js';

/** Each webhook option and the IncomingPhoneNumbers parameter it sets. */
const FIELDS: Array<OptionSpec & { param: string }> = [
  { flag: '--sms-url', value: 'URL', help: 'the webhook Parley calls for each inbound message', param: 'SmsUrl' },
  { flag: '--sms-method', value: 'GET|POST', help: 'method for --sms-url (default POST)', param: 'SmsMethod' },
  { flag: '--fallback-url', value: 'URL', help: 'called when --sms-url fails', param: 'SmsFallbackUrl' },
  { flag: '--status-callback', value: 'URL', help: 'receives delivery status of replies', param: 'StatusCallback' },
  { flag: '--friendly-name', value: 'TEXT', help: 'a label for the number', param: 'FriendlyName' },
];
const SPECS: OptionSpec[] = [...FIELDS.map(({ flag, value, help }) => ({ flag, value, help })), ...CONNECTION_OPTIONS];

const ACTIONS: Array<[string, string]> = [
  ['add NUMBER', 'add an E.164 number (with --sms-url, ...)'],
  ['list', 'list the numbers of the account'],
  ['update NUMBER|PN…', 'change the webhooks of a number'],
  ['remove NUMBER|PN…', 'delete a number'],
];

/** The API's IncomingPhoneNumber JSON: the same type the server builds it with. */
export type NumberJson = PhoneNumberJson;

const listPath = (conn: Connection): string => `/2010-04-01/Accounts/${conn.accountSid}/IncomingPhoneNumbers`;

function describe(n: NumberJson): string {
  return `${n.phone_number}  ${n.sid}  ${n.sms_url ? `${n.sms_method} ${n.sms_url}` : '(no SmsUrl)'}  ${JSON.stringify(n.friendly_name)}`;
}

function formOf(options: Map<string, string>): Array<[string, string]> {
  return FIELDS.flatMap((f): Array<[string, string]> => {
    const value = options.get(f.flag);
    return value === undefined ? [] : [[f.param, value]];
  });
}

/** Finds a number by its E.164 form or its PN SID; a missing one is Twilio's 20404. */
async function resolve(conn: Connection, ref: string): Promise<NumberJson> {
  if (/^PN[0-9a-f]{32}$/i.test(ref)) return callApi<NumberJson>(conn, 'GET', `${listPath(conn)}/${ref}.json`);
  const page = await callApi<{ incoming_phone_numbers: NumberJson[] }>(conn, 'GET', `${listPath(conn)}.json?PhoneNumber=${encodeURIComponent(ref)}`);
  const found = page.incoming_phone_numbers.find((n) => n.phone_number === ref);
  if (!found) throw new ApiError(`${ref} is not a number of account ${conn.accountSid}`, 404, 20404);
  return found;
}

export const numbers: Command = {
  help: () => optionsHelp('parley numbers add|list|update|remove [NUMBER] [options]', SPECS, ACTIONS),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    const [action, ref, ...extra] = positional;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const needsRef = (): string => {
      if (!ref) throw new UsageError(`parley numbers ${action ?? ''} needs a number (E.164 or PN SID)`);
      return ref;
    };
    switch (action) {
      case 'add': {
        const phone = needsRef();
        const conn = connectionFrom(options);
        const created = await callApi<NumberJson>(conn, 'POST', `${listPath(conn)}.json`, [['PhoneNumber', phone], ...formOf(options)]);
        console.log(`added ${describe(created)}`);
        return 0;
      }
      case 'list': {
        if (ref) throw new UsageError(`unexpected argument "${ref}"`);
        const conn = connectionFrom(options);
        const all: NumberJson[] = [];
        let path: string | null = `${listPath(conn)}.json?PageSize=1000`;
        while (path) {
          const page: { incoming_phone_numbers: NumberJson[]; next_page_uri: string | null } = await callApi(conn, 'GET', path);
          all.push(...page.incoming_phone_numbers);
          path = page.next_page_uri;
        }
        if (all.length === 0) console.log('no numbers (add one with: parley numbers add +15005550006 --sms-url URL)');
        for (const n of all) console.log(describe(n));
        return 0;
      }
      case 'update': {
        const form = formOf(options);
        if (form.length === 0) throw new UsageError('parley numbers update needs at least one of --sms-url, --sms-method, --fallback-url, --status-callback, --friendly-name');
        const conn = connectionFrom(options);
        const existing = await resolve(conn, needsRef());
        const updated = await callApi<NumberJson>(conn, 'POST', `${listPath(conn)}/${existing.sid}.json`, form);
        console.log(`updated ${describe(updated)}`);
        return 0;
      }
      case 'remove': {
        const conn = connectionFrom(options);
        const existing = await resolve(conn, needsRef());
        await callApi<undefined>(conn, 'DELETE', `${listPath(conn)}/${existing.sid}.json`);
        console.log(`removed ${existing.phone_number} (${existing.sid})`);
        return 0;
      }
      default:
        throw new UsageError(action ? `unknown action "numbers ${action}" (add, list, update or remove)` : 'parley numbers needs an action: add, list, update or remove');
    }
  },
};
