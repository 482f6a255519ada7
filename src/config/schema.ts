/**
 * The one schema of `parley serve` settings: defaults, validation, `--help` text and the README's
 * configuration table all come from here. Load order: defaults < configuration file (`--config`,
 * `PARLEY_CONFIG`) < environment < flags. The file's top-level keys are the flag names without
 * `--`, plus `channels` (./channels.ts). The result is validated once at start-up and frozen.
 */
import { parseDuration } from './duration.js';
import { ConfigError, configError, type Where } from './fields.js';
import { readConfigFile } from './file.js';
import { readChannels, type ChannelConfig } from './channels.js';

export { ConfigError } from './fields.js';

export interface ServeConfig {
  readonly port: number;
  readonly host: string;
  readonly db: string;
  readonly sessionTtlMs: number;
  readonly dev: boolean;
  readonly accountSid: string | undefined;
  readonly authToken: string | undefined;
  readonly logLevel: string;
  readonly blockPrivateWebhooks: boolean;
  /** Production without the simulator: numbers no channel carries send nothing, and no handset is simulated. */
  readonly carriersOnly: boolean;
  readonly traceRetentionMs: number;
  readonly allowedHosts: readonly string[];
  /** Reverse proxies whose X-Forwarded-* headers are believed (addresses or CIDRs; empty = none). */
  readonly trustProxy: readonly string[];
  /** How long a node's claim on work lasts without a heartbeat (shared PostgreSQL stores). */
  readonly leaseMs: number;
  /** How long a SIGTERM drain may take before Parley exits anyway. */
  readonly drainTimeoutMs: number;
  /** SQLite: the least time between two commits, so a steady stream of writes shares them (0: every tick). */
  readonly commitDelayMs: number;
  /** The configuration file read, if any. */
  readonly configFile: string | null;
  readonly channels: readonly ChannelConfig[];
}

/** How a setting's value is written in the configuration file. */
type FileKind = 'integer' | 'string' | 'duration' | 'boolean' | 'list';

interface Setting<K extends keyof ServeConfig> {
  key: K;
  flag: string;
  env?: string;
  value: string | null; // placeholder shown in --help; null for boolean switches
  defaultText: string;
  help: string;
  kind: FileKind;
  parse: (text: string) => ServeConfig[K];
}

/** How long webhook exchange records and the error log are kept unless told otherwise. */
export const DEFAULT_TRACE_RETENTION_MS = 30 * 86_400_000;

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`"${text}" is not a port number (0-65535)`);
  return n;
}

/** Comma-separated host names (no ports, no schemes), as browsers send them in `Host`. */
function hostNames(text: string): readonly string[] {
  const names = text.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  for (const name of names) {
    if (!/^[a-z0-9.-]+$/.test(name)) throw new Error(`"${name}" is not a host name (give names like parley.example.com, without port or scheme)`);
  }
  return Object.freeze(names);
}

/** Comma-separated addresses or CIDR ranges of trusted proxies, or `loopback`. */
function proxyAddresses(text: string): readonly string[] {
  const entries = text.split(',').map((h) => h.trim()).filter((h) => h !== '');
  for (const entry of entries) {
    if (!/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(entry)) {
      throw new Error(`"${entry}" is not an address, a CIDR range or "loopback"`);
    }
  }
  return Object.freeze(entries);
}

function nonEmpty(text: string): string {
  if (text.trim() === '') throw new Error('must not be empty');
  return text;
}

/** A commit delay: 0 (none) or a duration up to a second; each waiting write holds its reply that long. */
function commitDelay(text: string): number {
  if (text.trim() === '0') return 0;
  const ms = parseDuration(text);
  if (ms > 1000) throw new Error(`"${text}" is too long: every message could wait that long for its commit (at most 1s)`);
  return ms;
}

function switchOn(text: string): boolean {
  return !['', '0', 'false', 'off', 'no'].includes(text.toLowerCase());
}

export const SERVE_SETTINGS = [
  { key: 'port', flag: '--port', env: 'PARLEY_PORT', value: 'N', defaultText: '3000', help: 'HTTP port (0 picks a free one)', kind: 'integer', parse: port },
  { key: 'host', flag: '--host', env: 'PARLEY_HOST', value: 'H', defaultText: '127.0.0.1', help: 'address to bind; anything but loopback exposes Parley to the network', kind: 'string', parse: nonEmpty },
  { key: 'db', flag: '--db', env: 'PARLEY_DB', value: 'FILE|:memory:|URL', defaultText: './parley.db', help: 'SQLite database file (WAL mode), :memory:, or postgres://USER@HOST:PORT/DATABASE', kind: 'string', parse: nonEmpty },
  { key: 'sessionTtlMs', flag: '--session-ttl', env: 'PARLEY_SESSION_TTL', value: 'DURATION', defaultText: '4h', help: 'forget a conversation\'s cookies after this long without a message (90s, 15m, 4h)', kind: 'duration', parse: parseDuration },
  { key: 'dev', flag: '--dev', value: null, defaultText: 'off', help: 'development mode: the clock can be advanced (POST /simulator/clock)', kind: 'boolean', parse: switchOn },
  { key: 'logLevel', flag: '--log-level', env: 'PARLEY_LOG_LEVEL', value: 'LEVEL', defaultText: 'info', help: 'fatal, error, warn, info, debug or trace', kind: 'string', parse: (t) => {
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(t)) throw new Error(`unknown log level "${t}"`);
    return t;
  } },
  { key: 'traceRetentionMs', flag: '--trace-retention', env: 'PARLEY_TRACE_RETENTION', value: 'DURATION', defaultText: '30d', help: 'keep webhook exchange records and the error log this long (messages stay)', kind: 'duration', parse: parseDuration },
  { key: 'allowedHosts', flag: '--allowed-hosts', env: 'PARLEY_ALLOWED_HOSTS', value: 'NAMES', defaultText: 'none', help: 'more host names browsers may use to reach the console (comma-separated), besides localhost, IP addresses and --host', kind: 'list', parse: hostNames },
  { key: 'trustProxy', flag: '--trust-proxy', env: 'PARLEY_TRUST_PROXY', value: 'ADDRESSES', defaultText: 'none', help: 'reverse proxies (addresses, CIDR ranges or loopback, comma-separated) whose X-Forwarded-For/-Proto/-Host headers Parley believes', kind: 'list', parse: proxyAddresses },
  { key: 'blockPrivateWebhooks', flag: '--block-private-webhooks', env: 'PARLEY_BLOCK_PRIVATE_WEBHOOKS', value: null, defaultText: 'off', help: 'refuse webhooks to loopback, private and link-local addresses (error 11205); for shared deployments', kind: 'boolean', parse: switchOn },
  { key: 'carriersOnly', flag: '--carriers-only', env: 'PARLEY_CARRIERS_ONLY', value: null, defaultText: 'off', help: 'production without the simulator: a number no channel carries cannot send (the API answers 21606, a reply fails with 30008), and simulated handsets are refused (20006)', kind: 'boolean', parse: switchOn },
  { key: 'leaseMs', flag: '--lease', env: 'PARLEY_LEASE', value: 'DURATION', defaultText: '30s', help: 'with a shared PostgreSQL database: how long a silent node keeps its conversations before another node takes them over', kind: 'duration', parse: parseDuration },
  { key: 'commitDelayMs', flag: '--commit-delay', env: 'PARLEY_COMMIT_DELAY', value: 'DURATION', defaultText: '0', help: 'with a SQLite database: the least time between two commits while writes keep coming, so several turns share one: less CPU at a steady moderate rate for about that much more latency (1ms is a good start; 0 commits every tick)', kind: 'duration', parse: commitDelay },
  { key: 'drainTimeoutMs', flag: '--drain-timeout', env: 'PARLEY_DRAIN_TIMEOUT', value: 'DURATION', defaultText: '30s', help: 'on SIGTERM, how long to let running work finish before exiting (what is left stays pending)', kind: 'duration', parse: parseDuration },
] as const satisfies ReadonlyArray<Setting<keyof ServeConfig>>;

type ServeSetting = (typeof SERVE_SETTINGS)[number];

/** `--config FILE`: read before everything else, since the file sits under environment and flags. */
export const CONFIG_FLAG = { flag: '--config', env: 'PARLEY_CONFIG', value: 'FILE', help: 'a YAML configuration file: the options below by flag name (port, db, session-ttl, ...) and channels' } as const;

export const ENV_CREDENTIALS = { accountSid: 'PARLEY_ACCOUNT_SID', authToken: 'PARLEY_AUTH_TOKEN' } as const;

const DEFAULTS = {
  port: 3000, host: '127.0.0.1', db: './parley.db', sessionTtlMs: 4 * 3_600_000, dev: false, logLevel: 'info', blockPrivateWebhooks: false, carriersOnly: false,
  traceRetentionMs: DEFAULT_TRACE_RETENTION_MS, allowedHosts: Object.freeze([]), trustProxy: Object.freeze([]), leaseMs: 30_000,
  drainTimeoutMs: 30_000, commitDelayMs: 0, configFile: null, channels: Object.freeze([]),
};

/** Splits `--name value` and `--name=value`; the value is undefined for a switch. */
function flagsOf(argv: readonly string[]): Array<{ flag: string; text: string | undefined; arg: string }> {
  const out: Array<{ flag: string; text: string | undefined; arg: string }> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const takesValue = flag === CONFIG_FLAG.flag || SERVE_SETTINGS.some((s) => s.flag === flag && s.value !== null);
    if (!takesValue) {
      out.push({ flag, text: inline, arg });
      continue;
    }
    const text = inline ?? argv[++i];
    if (text === undefined) throw new ConfigError(`${flag} needs a value (${flag === CONFIG_FLAG.flag ? CONFIG_FLAG.value : SERVE_SETTINGS.find((s) => s.flag === flag)!.value})`);
    out.push({ flag, text, arg });
  }
  return out;
}

export function loadServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig {
  const values: Record<string, unknown> = {
    ...DEFAULTS,
    accountSid: env[ENV_CREDENTIALS.accountSid] || undefined,
    authToken: env[ENV_CREDENTIALS.authToken] || undefined,
  };
  const apply = (setting: ServeSetting, text: string, source: string): void => {
    try {
      values[setting.key] = setting.parse(text);
    } catch (error) {
      throw new ConfigError(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const flags = flagsOf(argv);
  for (const { flag, arg } of flags) {
    if (flag !== CONFIG_FLAG.flag && !SERVE_SETTINGS.some((s) => s.flag === flag)) throw new ConfigError(`unknown option "${arg}" (see parley serve --help)`);
  }
  const file = flags.filter((f) => f.flag === CONFIG_FLAG.flag).pop()?.text ?? (env[CONFIG_FLAG.env] || undefined);
  if (file !== undefined) applyFile(values, file, apply);
  for (const setting of SERVE_SETTINGS) {
    const envName = 'env' in setting ? setting.env : undefined;
    const text = envName ? env[envName] : undefined;
    if (text !== undefined && text !== '') apply(setting, text, envName!);
  }
  for (const { flag, text } of flags) {
    const setting = SERVE_SETTINGS.find((s) => s.flag === flag);
    if (!setting) continue;
    apply(setting, setting.value === null ? text ?? 'true' : text!, flag);
  }
  // Development mode is the simulator's (its manual clock, `parley dev`'s demo number): the two cannot go together.
  if (values.carriersOnly === true && values.dev === true) throw new ConfigError('--carriers-only cannot go with --dev: development mode runs on the simulator, which --carriers-only turns off');
  return Object.freeze(values as unknown as ServeConfig);
}

/** The file's keys, each checked against the setting of that flag name (or `channels`). */
function applyFile(values: Record<string, unknown>, file: string, apply: (setting: ServeSetting, text: string, source: string) => void): void {
  const document = readConfigFile(file);
  values.configFile = file;
  const root: Where = { file, path: '' };
  for (const [key, value] of Object.entries(document)) {
    const where: Where = { file, path: key };
    if (key === 'channels') {
      values.channels = readChannels(value, where);
      continue;
    }
    const setting = SERVE_SETTINGS.find((s) => s.flag === `--${key}`);
    if (!setting) {
      const known = ['channels', ...SERVE_SETTINGS.map((s) => s.flag.slice(2))].join(', ');
      throw configError({ ...root, path: key }, `unknown key (known keys: ${known})`);
    }
    if (value === null || value === undefined) throw configError(where, 'needs a value');
    apply(setting, fileText(setting.kind, value, where), `${file}: ${key}`);
  }
}

/** A file value as the text its flag would take, after checking its YAML type. */
function fileText(kind: FileKind, value: unknown, where: Where): string {
  if (kind === 'boolean') {
    if (typeof value !== 'boolean') throw configError(where, `must be true or false, not ${JSON.stringify(value)}`);
    return value ? 'true' : 'false';
  }
  if (kind === 'list' && Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string')) throw configError(where, 'must be a list of strings');
    return value.join(',');
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && kind !== 'list') return String(value);
  throw configError(where, `must be ${kind === 'integer' ? 'a number' : kind === 'duration' ? 'a duration like 30s' : 'a string'}, not ${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : JSON.stringify(value)}`);
}

export function serveHelp(command = 'serve'): string {
  const rows = SERVE_SETTINGS.map((s) => {
    const left = `  ${s.flag}${s.value ? ` ${s.value}` : ''}`;
    const env = 'env' in s ? ` [env ${s.env}]` : '';
    return `${left.padEnd(30)}${s.help} (default ${s.defaultText})${env}`;
  });
  const configRow = `${`  ${CONFIG_FLAG.flag} ${CONFIG_FLAG.value}`.padEnd(30)}${CONFIG_FLAG.help} [env ${CONFIG_FLAG.env}]`;
  return [
    `Usage: parley ${command} [options]`,
    '',
    'Options:',
    configRow,
    ...rows,
    '',
    'Precedence: defaults < configuration file < environment < flags. Channels (SMPP connections to carriers)',
    'are configured in the file only; see docs/channels.md.',
    '',
    `Credentials: ${ENV_CREDENTIALS.accountSid} (AC + 32 hex) and ${ENV_CREDENTIALS.authToken} (32 hex) set the default`,
    'account; without them Parley generates them once, keeps them in the database and prints them.',
  ].join('\n');
}
