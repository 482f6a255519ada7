/**
 * The `channels:` list of the configuration file: which carrier connections Parley opens and which
 * Parley numbers each one carries. One field table per channel type gives the keys, defaults,
 * validation and the documentation (docs/channels.md prints the same table).
 *
 * Numbers no channel lists stay on the simulator; `"*"` makes a channel carry every number that no
 * other channel lists.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAlphanumericSender, isE164, isShortCode } from '../phone/numbers.js';
import { ERROR_CATALOG, type ErrorCode } from '../errors/catalog.js';
import {
  at, configError, field, readBoolean, readDuration, readInteger, readList, readMapping, readOneOf, readString,
  isMapping, type Field, type Reader, type Where,
} from './fields.js';

/** The number pattern that means "every number no other channel lists". */
export const ANY_NUMBER = '*';

export interface SmppChannelConfig {
  readonly type: 'smpp';
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  /** The bind's password: the `password` key's, or the text of the file `password-file` names. */
  readonly password: string;
  readonly numbers: readonly string[];
  /** The destinations it sends to, as E.164 prefixes (`+44`); empty: every destination. */
  readonly destinations: readonly string[];
  /** Other channels' names, in order of preference: they take this channel's messages while it is not bound. */
  readonly failover: readonly string[];
  /** How long it may be not bound before its messages go to its failovers (0: at once). */
  readonly failoverAfterMs: number;
  readonly systemType: string;
  /** The bind's address_range and its addr_ton / addr_npi (empty and 0/0 unless the carrier asks). */
  readonly addressRange: string;
  readonly bindTon: number;
  readonly bindNpi: number;
  readonly bind: 'transceiver' | 'transmitter-receiver';
  /** How many binds (of the `bind` kind) to keep up at once, for a carrier that allows several per account. */
  readonly binds: number;
  readonly tls: boolean;
  readonly tlsVerify: boolean;
  /** PEM text of the CA certificates to trust (read from the `tls-ca` file at start), or null for the system's. */
  readonly tlsCa: string | null;
  /** The name the SMSC's certificate must carry, when `host` is an address or another name; null checks `host`. */
  readonly tlsServername: string | null;
  /** PEM text of the client certificate (and its chain) to present, read from `tls-cert`; null presents none. */
  readonly tlsCert: string | null;
  /** PEM text of that certificate's private key, read from `tls-key`; set exactly when `tlsCert` is. */
  readonly tlsKey: string | null;
  readonly window: number;
  readonly throughput: number;
  readonly enquireLinkMs: number;
  readonly reconnectDelayMs: number;
  readonly reconnectDelayMaxMs: number;
  readonly responseTimeoutMs: number;
  readonly dataCoding: 0 | 1 | 3;
  /** submit_sm's service_type. */
  readonly serviceType: string;
  /** TON and NPI of submit_sm's addresses: `auto` takes them from each address (addresses.ts), a number forces it. */
  readonly sourceTon: AddressCode;
  readonly sourceNpi: AddressCode;
  readonly destTon: AddressCode;
  readonly destNpi: AddressCode;
  /** Which receipts submit_sm asks for (its registered_delivery): every final outcome, failures only, or none. */
  readonly receipts: 'all' | 'failures' | 'none';
  /** submit_sm's priority_flag (0 to 3). */
  readonly priority: number;
  /** submit_sm's validity_period: the SMSC's own (`none`), a duration in ms, or the message's ValidityPeriod (validity-period.ts). */
  readonly validityPeriod: ValidityPeriodSetting;
  readonly longMessages: 'udh' | 'sar' | 'payload';
  readonly receiptId: 'as-is' | 'hex' | 'decimal';
  readonly interfaceVersion: '3.3' | '3.4' | '5.0';
  readonly reassemblyTimeoutMs: number;
  readonly retryDelayMs: number;
  readonly retryDelayMaxMs: number;
  readonly errorCodes: SmppErrorCodes;
}

/** The `validity-period` key: `none`, `message`, or a duration in ms (src/channels/smpp/validity-period.ts). */
export type ValidityPeriodSetting = 'none' | 'message' | number;

/** A TON or NPI the configuration forces, or `auto`: Parley's choice for each address. */
export type AddressCode = number | 'auto';

/** Per-carrier changes to the SMPP → Twilio error mapping (docs/channels.md). */
export interface SmppErrorCodes {
  /** A submit_sm_resp command status → the code the message fails with, or `retry`. */
  readonly commandStatus: Readonly<Record<number, ErrorCode | 'retry'>>;
  /** A receipt's error (`err:` or network_error_code) → the code the message is undelivered with. */
  readonly receiptError: Readonly<Record<number, ErrorCode>>;
}

export type ChannelConfig = SmppChannelConfig;

const readNumberPattern = (value: unknown, where: Where): string => {
  const text = readString()(value, where);
  if (text !== ANY_NUMBER && !isE164(text) && !isShortCode(text) && !isAlphanumericSender(text)) {
    throw configError(where, `"${text}" is neither an E.164 number like +15550001111, a short code like "12345" (3 to 8 digits), an alphanumeric sender ID like "ACME" (up to 11 letters, digits, spaces and - + _ &, with a letter) nor "*"`);
  }
  return text;
};

/** A destination prefix: `+` and 1 to 15 digits, the start of the E.164 numbers it names. */
const readDestinationPrefix = (value: unknown, where: Where): string => {
  const text = readString()(value, where);
  if (!/^\+\d{1,15}$/.test(text)) throw configError(where, `"${text}" is not a destination prefix: write + and the digits numbers start with, like "+44" or "+1555"`);
  return text;
};

/** Reads a PEM file named by a key; `check` throws with what is wrong with its text. */
const readPem = (what: string, check: (pem: string) => void) => (value: unknown, where: Where): string => {
  const file = readString()(value, where);
  try {
    const pem = readFileSync(file, 'utf8');
    check(pem);
    return pem;
  } catch (error) {
    throw configError(where, `cannot use "${file}" as ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
};

const hasCertificate = (pem: string): void => {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
};

const readPemFile = readPem('a CA bundle', hasCertificate);

/** A host name: TLS sends no address as a server name (RFC 6066), and a certificate's IP entries are checked against `host`. */
const readServerName: Reader<string> = (value, where) => {
  const name = readString({ maxLength: 253 })(value, where);
  if (isIP(name) !== 0) throw configError(where, `"${name}" is an address; give the host name the SMSC's certificate carries (host may stay an address)`);
  return name;
};
const readCertificateFile = readPem('a client certificate', (pem) => {
  hasCertificate(pem);
  void new X509Certificate(pem); // the first certificate is the one presented: it must parse
});
const readKeyFile = readPem('a private key', (pem) => void privateKey(pem));

const ENCRYPTED_KEY = 'it is encrypted; give Parley the key unencrypted, in a file only its user can read';

function privateKey(pem: string): KeyObject {
  // An encrypted key would need its passphrase at every start; Parley reads keys unencrypted.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) throw new Error(ENCRYPTED_KEY);
  try {
    return createPrivateKey(pem);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE') throw new Error(ENCRYPTED_KEY);
    throw new Error(`no private key Parley can read in it (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * The file `password-file` names: its text without one final newline, as `echo secret > file` or
 * systemd's `LoadCredential=` leave it; at most 8 bytes, as the `password` key.
 */
const readPasswordFile: Reader<string> = (value, where) => {
  const file = readString()(value, where);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configError(where, `cannot read "${file}": ${(error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error))}`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password.includes('\n')) throw configError(where, `"${file}" holds more than one line; the password is its one line`);
  const bytes = Buffer.byteLength(password);
  if (bytes > 8) throw configError(where, `"${file}" holds ${bytes} bytes; an SMPP password has at most 8`);
  return password;
};

/** SMPP 3.4's type-of-number values (5.2.5) and numbering-plan values (5.2.6). */
const TONS = [0, 1, 2, 3, 4, 5, 6] as const;
const NPIS = [0, 1, 3, 4, 6, 8, 9, 10, 14, 18] as const;
const readTon = readOneOf(TONS);
const readNpi = readOneOf(NPIS);
const readTonOrAuto: Reader<AddressCode> = readOneOf(['auto', ...TONS] as const);
const readNpiOrAuto: Reader<AddressCode> = readOneOf(['auto', ...NPIS] as const);

const DAY_MS = 86_400_000;

/** `none`, `message`, or a duration from a minute to a year. */
const readValidityPeriod: Reader<ValidityPeriodSetting> = (value, where) => {
  if (value === 'none' || value === 'message') return value;
  let ms: number;
  try {
    ms = readDuration(value, where);
  } catch {
    throw configError(where, `must be "none", "message" or a duration like 48h, not ${JSON.stringify(value)}`);
  }
  if (ms < 60_000 || ms > 365 * DAY_MS) throw configError(where, `must be from 1m to 365d, not ${JSON.stringify(value)}`);
  return ms;
};

/** A Twilio delivery error code (3xxxx) of the catalog. */
const readDeliveryCode = (value: unknown, where: Where): ErrorCode => {
  const code = readInteger(30001, 30999)(value, where);
  if (!(code in ERROR_CATALOG)) throw configError(where, `${code} is not a delivery error code Parley knows (see docs/errors.md)`);
  return code as ErrorCode;
};

/** A map key written as a decimal or 0x hexadecimal number (YAML may have read it as either). */
const readNumericKey = (key: string, where: Where, max: number): number => {
  const n = /^0x[0-9a-f]+$/i.test(key) ? Number.parseInt(key.slice(2), 16) : /^\d+$/.test(key) ? Number(key) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > max) throw configError(where, `"${key}" is not a number from 0 to ${max} (decimal or 0x hexadecimal)`);
  return n;
};

const readCodeMap = <T>(value: unknown, where: Where, max: number, readValue: Reader<T>): Readonly<Record<number, T>> => {
  if (!isMapping(value)) throw configError(where, 'must be a mapping of numbers to error codes');
  const out: Record<number, T> = {};
  for (const [key, v] of Object.entries(value)) out[readNumericKey(key, at(where, key), max)] = readValue(v, at(where, key));
  return Object.freeze(out);
};

const ERROR_CODE_FIELDS = [
  field('command-status', (v, w) => readCodeMap(v, w, 0xffffffff, (x, xw) => (x === 'retry' ? 'retry' as const : readDeliveryCode(x, xw))), { defaultValue: {}, defaultText: '{}', help: 'command status → Twilio code or `retry`' }),
  field('receipt-error', (v, w) => readCodeMap(v, w, 0xffff, readDeliveryCode), { defaultValue: {}, defaultText: '{}', help: "receipt error (`err:` or network_error_code) → Twilio code" }),
] as ReadonlyArray<Field<unknown>>;

const readErrorCodes: Reader<SmppErrorCodes> = (value, where) => Object.freeze(readMapping(ERROR_CODE_FIELDS, value, where) as unknown as SmppErrorCodes);

/** Every key of an `smpp` channel, in the order docs/channels.md lists them. */
export const SMPP_FIELDS: ReadonlyArray<Field<unknown>> = [
  field('name', readString({ maxLength: 64 }), { help: 'unique name; shows in logs, the console, `parley channels` and metrics' }),
  field('type', readOneOf(['smpp'] as const), { help: 'the channel type' }),
  field('host', readString(), { help: 'the SMSC host name or address' }),
  field('port', readInteger(1, 65535), { help: 'the SMSC port (2775 is usual for plain SMPP, 3550 for SMPP over TLS)' }),
  field('system-id', readString({ maxLength: 15 }), { help: 'the account (system_id) the carrier gave you' }),
  field<string | null>('password', readString({ maxLength: 8, allowEmpty: true }), { defaultValue: null, defaultText: 'required, or password-file', help: 'its password (never logged)' }),
  field<string | null>('password-file', readPasswordFile, { prop: 'passwordFromFile', defaultValue: null, defaultText: 'none', help: 'a file holding the password instead (one line; a final newline is dropped), so the configuration can be readable while the password is not' }),
  field('numbers', readList(readNumberPattern, { nonEmpty: true }), { help: 'the Parley numbers (E.164) and short codes (`12345`) this connection carries, and the alphanumeric sender IDs it may send from (`ACME`); `"*"` = every number and sender ID no other channel lists' }),
  field('destinations', readList(readDestinationPrefix), { defaultValue: Object.freeze([]), defaultText: '[] (every destination)', help: 'the destinations this connection sends to, as E.164 prefixes (`+44`, `+1555`): a message goes on the channel that lists its sender and the longest prefix of its `To` (see "Routing by destination")' }),
  field('failover', readList(readString({ maxLength: 64 })), { defaultValue: Object.freeze([]), defaultText: '[]', help: 'other channels, by name and in order of preference, that send this channel\'s messages while it is not bound (see "Failover")' }),
  field('failover-after', readDuration, { prop: 'failoverAfterMs', defaultValue: 0, defaultText: '0', help: 'how long this channel may be not bound before its messages go on its failovers: a reconnect shorter than this keeps them here (0 = at once)' }),
  field('system-type', readString({ maxLength: 12, allowEmpty: true }), { defaultValue: '', defaultText: '""', help: 'system_type sent in the bind, if the carrier asks for one' }),
  field('address-range', readString({ maxLength: 40, allowEmpty: true }), { defaultValue: '', defaultText: '""', help: 'address_range sent in the bind (the numbers a receiving bind serves, as the carrier writes them), if the carrier asks for one' }),
  field('bind-ton', readTon, { defaultValue: 0, help: 'addr_ton sent in the bind (with address-range)' }),
  field('bind-npi', readNpi, { defaultValue: 0, help: 'addr_npi sent in the bind (with address-range)' }),
  field('bind', readOneOf(['transceiver', 'transmitter-receiver'] as const), { defaultValue: 'transceiver', help: 'one transceiver bind, or a transmitter bind plus a receiver bind' }),
  field('binds', readInteger(1, 32), { defaultValue: 1, help: 'how many such binds to keep up at once (transceivers, or transmitter and receiver pairs), for a carrier that allows several per account; submits go to the bind with the most room, deliver_sm come on any' }),
  field('tls', readBoolean, { defaultValue: false, help: 'SMPP over TLS' }),
  field('tls-verify', readBoolean, { defaultValue: true, help: "verify the SMSC's certificate and host name (turn off only for a test SMSC)" }),
  field<string | null>('tls-ca', readPemFile, { defaultValue: null, defaultText: 'system CAs', help: 'a PEM file of CA certificates to trust instead of the system ones' }),
  field<string | null>('tls-servername', readServerName, { defaultValue: null, defaultText: 'host', help: "the name the SMSC's certificate must carry (and the TLS server name sent), when `host` is an address or another name" }),
  field<string | null>('tls-cert', readCertificateFile, { defaultValue: null, defaultText: 'none', help: 'a PEM file with the client certificate to present (then its chain, if any), for an SMSC that asks for one; needs `tls-key`' }),
  field<string | null>('tls-key', readKeyFile, { defaultValue: null, defaultText: 'none', help: "a PEM file with that certificate's private key, unencrypted" }),
  field('window', readInteger(1, 1000), { defaultValue: 10, help: 'submit_sm in flight without a response, per bind' }),
  field('throughput', readInteger(0, 100_000), { defaultValue: 0, help: 'submit_sm per second at most, for the channel as a whole (all its binds together; 0 = no cap)' }),
  field('enquire-link', readDuration, { prop: 'enquireLinkMs', defaultValue: 30_000, defaultText: '30s', help: 'enquire_link period; a link that leaves one unanswered for `response-timeout` is dropped' }),
  field('reconnect-delay', readDuration, { prop: 'reconnectDelayMs', defaultValue: 5_000, defaultText: '5s', help: 'first wait before reconnecting after a drop or a refused bind; doubles on each failure' }),
  field('reconnect-delay-max', readDuration, { prop: 'reconnectDelayMaxMs', defaultValue: 60_000, defaultText: '60s', help: 'the cap of that backoff' }),
  field('response-timeout', readDuration, { prop: 'responseTimeoutMs', defaultValue: 30_000, defaultText: '30s', help: 'how long to wait for a response (bind, submit_sm, enquire_link) before giving up on it' }),
  field('data-coding', readOneOf([0, 1, 3] as const), { defaultValue: 0, help: 'data_coding for GSM-7 text: 0 (SMSC default alphabet, GSM 03.38), 1 (IA5/ASCII) or 3 (Latin-1); other text goes as UCS-2 (8)' }),
  field('service-type', readString({ maxLength: 5, allowEmpty: true }), { defaultValue: '', defaultText: '""', help: 'service_type of every submit_sm (`CMT`, `WAP`, …), if the carrier asks for one' }),
  field<AddressCode>('source-ton', readTonOrAuto, { defaultValue: 'auto', help: "source_addr_ton of submit_sm: `auto` (1 for E.164, 5 for an alphanumeric sender, 3 for a short code) or the number the carrier requires" }),
  field<AddressCode>('source-npi', readNpiOrAuto, { defaultValue: 'auto', help: 'source_addr_npi: `auto` (1 for E.164, 0 otherwise) or a number' }),
  field<AddressCode>('dest-ton', readTonOrAuto, { defaultValue: 'auto', help: 'dest_addr_ton: `auto` (1 for E.164) or a number' }),
  field<AddressCode>('dest-npi', readNpiOrAuto, { defaultValue: 'auto', help: 'dest_addr_npi: `auto` (1 for E.164) or a number' }),
  field('receipts', readOneOf(['all', 'failures', 'none'] as const), { defaultValue: 'all', help: 'the receipts each submit_sm asks for (registered_delivery 1, 2 or 0): every final outcome, failures only (a delivered message stays `sent`), or none, for a carrier that charges for them or sends none' }),
  field('priority', readInteger(0, 3), { defaultValue: 0, help: 'priority_flag of every submit_sm, from 0 (normal) to 3 (highest), if the carrier honours it' }),
  field<ValidityPeriodSetting>('validity-period', readValidityPeriod, { defaultValue: 'none', help: "validity_period of submit_sm, how long the SMSC may keep trying a handset that is off: `none` (the SMSC's own), a duration (`48h`), or `message` (what is left of the message's ValidityPeriod); see below" }),
  field('long-messages', readOneOf(['udh', 'sar', 'payload'] as const), { defaultValue: 'udh', help: 'how long messages travel: UDH concatenation, SAR TLVs, or one message_payload' }),
  field('receipt-id', readOneOf(['as-is', 'hex', 'decimal'] as const), { defaultValue: 'as-is', help: 'how receipts write the submit_sm_resp id: as-is, hex (resp id decimal, receipt hex) or decimal (resp id hex, receipt decimal)' }),
  // YAML reads `5.0` as the number 5: compare versions as numbers written with one decimal.
  field('interface-version', (value, where) => readOneOf(['3.4', '3.3', '5.0'] as const)(typeof value === 'number' ? value.toFixed(1) : value, where), { defaultValue: '3.4', help: 'interface_version sent in the bind' }),
  field('retry-delay', readDuration, { prop: 'retryDelayMs', defaultValue: 1_000, defaultText: '1s', help: 'first wait before a part is submitted again after a temporary error, and the pause after the SMSC throttles; doubles each time' }),
  field('retry-delay-max', readDuration, { prop: 'retryDelayMaxMs', defaultValue: 60_000, defaultText: '60s', help: 'the cap of that backoff (a message still fails with 30036 when its ValidityPeriod ends first)' }),
  field<SmppErrorCodes>('error-codes', readErrorCodes, { defaultValue: Object.freeze({ commandStatus: {}, receiptError: {} }), defaultText: '{}', help: 'changes to the error mapping for this carrier: `command-status` (submit_sm_resp status → Twilio code or `retry`) and `receipt-error` (receipt error → Twilio code); see the tables below' }),
  field('reassembly-timeout', readDuration, { prop: 'reassemblyTimeoutMs', defaultValue: 120_000, defaultText: '2m', help: 'how long the parts of a long inbound message may take to arrive; after it the message is stored with what came, with error 30009' }),
];

const CHANNEL_FIELDS: Readonly<Record<ChannelConfig['type'], ReadonlyArray<Field<unknown>>>> = { smpp: SMPP_FIELDS };

/**
 * Reads and checks the `channels:` list: known types, unique names, no number carried twice to the
 * same destinations, failovers that exist.
 */
export function readChannels(value: unknown, where: Where): readonly ChannelConfig[] {
  if (!Array.isArray(value)) throw configError(where, 'must be a list of channels');
  const channels = value.map((entry, i) => readChannel(entry, at(where, i)));
  const names = new Set<string>();
  // "number prefix" → the channel that carries it (prefix '' without destinations: every one).
  const carriedBy = new Map<string, string>();
  channels.forEach((channel, i) => {
    const here = at(where, i);
    if (names.has(channel.name)) throw configError(at(here, 'name'), `"${channel.name}" names two channels; names must be unique`);
    names.add(channel.name);
    checkDestinations(channel, here);
    for (const number of channel.numbers) {
      for (const prefix of channel.destinations.length > 0 ? channel.destinations : ['']) {
        const other = carriedBy.get(`${number} ${prefix}`);
        if (other !== undefined) throw configError(at(here, 'numbers'), carriedTwice(number, prefix, other, channel.name));
        carriedBy.set(`${number} ${prefix}`, channel.name);
      }
    }
  });
  channels.forEach((channel, i) => checkFailover(channel, names, at(where, i)));
  return Object.freeze(channels);
}

function carriedTwice(number: string, prefix: string, one: string, other: string): string {
  const to = prefix === '' ? '' : ` to ${prefix}`;
  if (number === ANY_NUMBER) {
    return `channels "${one}" and "${other}" both say "*"${to}; only one channel can carry every other number${to ? ' there' : ''} (give them different destinations)`;
  }
  return `${number} is carried${to} by both "${one}" and "${other}" (give them different destinations)`;
}

function checkDestinations(channel: ChannelConfig, here: Where): void {
  const seen = new Set<string>();
  channel.destinations.forEach((prefix, i) => {
    if (seen.has(prefix)) throw configError(at(at(here, 'destinations'), i), `"${prefix}" is listed twice`);
    seen.add(prefix);
  });
}

/** A channel's failovers: other channels of the file, each named once; a delay only with them. */
function checkFailover(channel: ChannelConfig, names: ReadonlySet<string>, here: Where): void {
  if (channel.failover.length === 0 && channel.failoverAfterMs > 0) {
    throw configError(at(here, 'failover-after'), 'is set without failover; name the channels to fail over to');
  }
  const where = at(here, 'failover');
  const seen = new Set<string>();
  channel.failover.forEach((name, i) => {
    if (name === channel.name) throw configError(at(where, i), `"${name}" is this channel itself; name the channels that take its messages while it is down`);
    if (!names.has(name)) throw configError(at(where, i), `no channel is named "${name}" (channels: ${[...names].join(', ')})`);
    if (seen.has(name)) throw configError(at(where, i), `"${name}" is listed twice`);
    seen.add(name);
  });
}

function readChannel(value: unknown, where: Where): ChannelConfig {
  if (!isMapping(value)) throw configError(where, 'must be a mapping (name, type, host, ...)');
  const type = value.type;
  if (type === undefined) throw configError(at(where, 'type'), `is required (known types: ${Object.keys(CHANNEL_FIELDS).join(', ')})`);
  const fields = typeof type === 'string' ? CHANNEL_FIELDS[type as ChannelConfig['type']] : undefined;
  if (!fields) throw configError(at(where, 'type'), `unknown channel type ${JSON.stringify(type)} (known types: ${Object.keys(CHANNEL_FIELDS).join(', ')})`);
  const { passwordFromFile, ...values } = readMapping(fields, value, where) as unknown as Omit<ChannelConfig, 'password'> & { password: string | null; passwordFromFile: string | null };
  const channel: ChannelConfig = { ...values, password: onePassword(values.password, passwordFromFile, where) };
  checkTlsKeys(channel, where);
  return Object.freeze(channel);
}

/** Exactly one of `password` and `password-file`. */
function onePassword(password: string | null, fromFile: string | null, where: Where): string {
  if (password !== null && fromFile !== null) throw configError(at(where, 'password-file'), 'is set beside password; keep one of the two');
  const given = password ?? fromFile;
  if (given === null) throw configError(at(where, 'password'), 'is required (or password-file, naming a file that holds it)');
  return given;
}

/** The TLS files go together, and only with `tls: true`: otherwise the bind would go in the clear. */
function checkTlsKeys(channel: SmppChannelConfig, where: Where): void {
  const given = (['tls-ca', 'tls-servername', 'tls-cert', 'tls-key'] as const).filter((key) => channel[TLS_PROPS[key]] !== null);
  if (!channel.tls && given.length > 0) {
    throw configError(at(where, given[0]!), 'is set but tls is false: the bind would go unencrypted; add `tls: true`, or remove the key');
  }
  if ((channel.tlsCert === null) !== (channel.tlsKey === null)) {
    throw configError(at(where, channel.tlsCert === null ? 'tls-cert' : 'tls-key'), `is required with ${channel.tlsCert === null ? 'tls-key' : 'tls-cert'}`);
  }
  if (channel.tlsCert !== null && channel.tlsKey !== null && !new X509Certificate(channel.tlsCert).checkPrivateKey(privateKey(channel.tlsKey))) {
    throw configError(at(where, 'tls-key'), 'is not the private key of the certificate tls-cert names');
  }
}

const TLS_PROPS = { 'tls-ca': 'tlsCa', 'tls-servername': 'tlsServername', 'tls-cert': 'tlsCert', 'tls-key': 'tlsKey' } as const;

/** The certificate a channel presents (the first of its `tls-cert` file), as its status and `parley config check` show it. */
export function presentedCertificate(channel: SmppChannelConfig): { subject: string; expiresAt: number } | null {
  if (!channel.tls || channel.tlsCert === null) return null;
  const certificate = new X509Certificate(channel.tlsCert);
  return { subject: certificate.subject.split('\n').join(', '), expiresAt: Date.parse(certificate.validTo) };
}
