/**
 * `parley-sms/testing`: an in-process Parley for an SMS app's automated tests. It listens on a free
 * port with an in-memory database and a manual clock, so a test can text the app from simulated
 * handsets, assert on the replies and the cookie jar, and jump past the session expiry:
 *
 *   const gateway = await startTestGateway();
 *   const number = await gateway.numbers.create({ phoneNumber: '+15005550006', smsUrl: app.smsUrl });
 *   const phone = gateway.handset('+15551230001');
 *   const [reply] = await phone.send('hi', { to: number.phoneNumber });
 *   await gateway.clock.advance('4h');
 *   await gateway.stop();
 *
 * Everything goes through Parley's HTTP API, as with a real deployment; only the clock's reading
 * is taken in-process. Each gateway has its own store, port, clock and connection pool, so several
 * can run in one process, and `stop()` leaves no open handles.
 */
import { Agent } from 'undici';
import { ManualClock } from '../clock/clock.js';
import { parseDuration } from '../config/duration.js';
import { createLogger } from '../logging/logger.js';
import { startParley, type RunningParley } from '../runtime/parley.js';
import { ApiError, callApi, type Connection } from '../cli/api-client.js';
import type { CookieView } from '../stores/records.js';
import { Handset } from './handset.js';
import { NUMBERS, SHORT_CODES, kindOf, kindPath, listAll, type AddressKind } from '../cli/address-kinds.js';
import type { PhoneNumberJson } from '../http/representations/phone-number.js';

export { Handset, TurnError, summarizeExchanges, type SendOptions, type TestMessage, type Turn } from './handset.js';
export type { CookieView, WebhookExchange } from '../stores/records.js';
export { ApiError } from '../cli/api-client.js';

export interface TestGatewayOptions {
  /** How long a conversation's cookies live without activity (default '4h', as on Twilio). */
  sessionTtl?: string | number;
  accountSid?: string;
  authToken?: string;
  /** Parley's log level (default: PARLEY_LOG_LEVEL, else 'silent'). */
  logLevel?: string;
}

export interface NumberFields {
  smsUrl?: string;
  smsMethod?: 'GET' | 'POST';
  smsFallbackUrl?: string;
  smsFallbackMethod?: 'GET' | 'POST';
  statusCallback?: string;
  friendlyName?: string;
}

export interface TestNumber {
  sid: string;
  phoneNumber: string;
  friendlyName: string;
  smsUrl: string;
  smsMethod: string;
  smsFallbackUrl: string;
  statusCallback: string;
}

export interface TestClock {
  /** Parley's current time. */
  now(): Date;
  /** Moves Parley's clock forward ('90s', '15m', '4h' or ms); expires cookie jars past their TTL and sends scheduled messages that fell due. */
  advance(by: string | number): Promise<Date>;
}

export interface TestGateway {
  url: string;
  accountSid: string;
  authToken: string;
  numbers: {
    create(fields: NumberFields & { phoneNumber: string }): Promise<TestNumber>;
    update(sidOrNumber: string, fields: NumberFields): Promise<TestNumber>;
    list(): Promise<TestNumber[]>;
    remove(sidOrNumber: string): Promise<void>;
  };
  handset(phoneNumber: string): Handset;
  /** The cookies Parley keeps for this conversation right now (empty once expired or forgotten). */
  cookies(number: string, handset: string): Promise<CookieView[]>;
  clock: TestClock;
  stop(): Promise<void>;
}

const FIELD_PARAMS: Record<keyof NumberFields, string> = {
  smsUrl: 'SmsUrl', smsMethod: 'SmsMethod', smsFallbackUrl: 'SmsFallbackUrl', smsFallbackMethod: 'SmsFallbackMethod',
  statusCallback: 'StatusCallback', friendlyName: 'FriendlyName',
};

/** An IncomingPhoneNumber's JSON, or a ShortCode's (its address under `short_code`, no status callback). */
type AddressJson = Pick<PhoneNumberJson, 'sid' | 'friendly_name' | 'sms_url' | 'sms_method' | 'sms_fallback_url'> & { status_callback?: string };

function toTestNumber(kind: AddressKind, n: AddressJson): TestNumber {
  return {
    sid: n.sid, phoneNumber: kind.address(n), friendlyName: n.friendly_name, smsUrl: n.sms_url, smsMethod: n.sms_method,
    smsFallbackUrl: n.sms_fallback_url, statusCallback: n.status_callback ?? '',
  };
}

function formOf(fields: NumberFields): Array<[string, string]> {
  return (Object.keys(FIELD_PARAMS) as Array<keyof NumberFields>).flatMap((key): Array<[string, string]> => {
    const value = fields[key];
    return value === undefined ? [] : [[FIELD_PARAMS[key], value]];
  });
}

function durationMs(value: string | number): number {
  return typeof value === 'number' ? value : parseDuration(value);
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const clock = new ManualClock();
  const parley: RunningParley = await startParley({
    port: 0, host: '127.0.0.1', db: ':memory:', dev: true, clock,
    sessionTtlMs: durationMs(options.sessionTtl ?? '4h'),
    accountSid: options.accountSid, authToken: options.authToken,
    logger: createLogger({ level: options.logLevel ?? process.env.PARLEY_LOG_LEVEL ?? 'silent' }),
  });
  // Our own pool, so stop() can close its sockets rather than leave keep-alives behind.
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  const conn: Connection = { url: parley.url, accountSid: parley.account.sid, authToken: parley.account.authToken, dispatcher: agent };
  const list = async (): Promise<TestNumber[]> => {
    const all: TestNumber[] = [];
    for (const kind of [NUMBERS, SHORT_CODES]) all.push(...(await listAll<AddressJson>(conn, kind)).map((n) => toTestNumber(kind, n)));
    return all;
  };
  const find = async (ref: string): Promise<TestNumber> => {
    const found = (await list()).find((n) => n.sid === ref || n.phoneNumber === ref);
    if (!found) throw new ApiError(`${ref} is not a number of this test gateway`, 404, 20404);
    return found;
  };
  const defaultNumber = async (): Promise<string> => {
    const all = await list();
    if (all.length !== 1) {
      throw new Error(`say which number to text with { to }: this gateway has ${all.length === 0 ? 'no numbers (create one with gateway.numbers.create)' : `${all.length} numbers`}`);
    }
    return all[0]!.phoneNumber;
  };

  let stopped: Promise<void> | null = null;
  return {
    url: parley.url,
    accountSid: parley.account.sid,
    authToken: parley.account.authToken,
    numbers: {
      create: async (fields) => {
        const kind = kindOf(fields.phoneNumber);
        return toTestNumber(kind, await callApi<AddressJson>(conn, 'POST', `${kindPath(conn, kind)}.json`, [[kind.addressParam, fields.phoneNumber], ...formOf(fields)]));
      },
      update: async (ref, fields) => {
        const existing = await find(ref);
        const kind = kindOf(existing.sid);
        return toTestNumber(kind, await callApi<AddressJson>(conn, 'POST', `${kindPath(conn, kind)}/${existing.sid}.json`, formOf(fields)));
      },
      list,
      remove: async (ref) => {
        const existing = await find(ref);
        await callApi<undefined>(conn, 'DELETE', `${kindPath(conn, kindOf(existing.sid))}/${existing.sid}.json`);
      },
    },
    handset: (phoneNumber) => {
      if (!/^\+[1-9]\d{1,14}$/.test(phoneNumber)) throw new RangeError(`a handset needs an E.164 number such as +15551230001, not "${phoneNumber}"`);
      return new Handset(phoneNumber, conn, defaultNumber);
    },
    cookies: async (number, handset) => {
      try {
        const view = await callApi<{ cookies: CookieView[] }>(conn, 'GET', `/simulator/conversations/${encodeURIComponent(number)}/${encodeURIComponent(handset)}`);
        return view.cookies;
      } catch (error) {
        if (error instanceof ApiError && error.code === 20404) return []; // no conversation yet
        throw error;
      }
    },
    clock: {
      now: () => new Date(clock.now()),
      advance: async (by) => {
        const ms = durationMs(by);
        const after = await callApi<{ now: string }>(conn, 'POST', '/simulator/clock', [['Advance', `${ms}ms`]]);
        return new Date(after.now);
      },
    },
    stop: () => (stopped ??= (async () => {
      await agent.destroy(); // aborts any long-poll still waiting, so the server can close at once
      await parley.stop();
    })()),
  };
}
