/**
 * The one schema of `parley serve` settings: defaults, validation, `--help` text and the README's
 * configuration table all come from here. Load order: defaults < environment < flags.
 * The result is validated once at start-up and frozen.
 */
import { parseDuration } from './duration.js';

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
  readonly traceRetentionMs: number;
  readonly allowedHosts: readonly string[];
}

interface Setting<K extends keyof ServeConfig> {
  key: K;
  flag: string;
  env?: string;
  value: string | null; // placeholder shown in --help; null for boolean switches
  defaultText: string;
  help: string;
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

function nonEmpty(text: string): string {
  if (text.trim() === '') throw new Error('must not be empty');
  return text;
}

export const SERVE_SETTINGS = [
  { key: 'port', flag: '--port', env: 'PARLEY_PORT', value: 'N', defaultText: '3000', help: 'HTTP port (0 picks a free one)', parse: port },
  { key: 'host', flag: '--host', env: 'PARLEY_HOST', value: 'H', defaultText: '127.0.0.1', help: 'address to bind; anything but loopback exposes Parley to the network', parse: nonEmpty },
  { key: 'db', flag: '--db', env: 'PARLEY_DB', value: 'FILE|:memory:', defaultText: './parley.db', help: 'SQLite database file (WAL mode), or :memory:', parse: nonEmpty },
  { key: 'sessionTtlMs', flag: '--session-ttl', env: 'PARLEY_SESSION_TTL', value: 'DURATION', defaultText: '4h', help: 'forget a conversation\'s cookies after this long without a message (90s, 15m, 4h)', parse: parseDuration },
  { key: 'dev', flag: '--dev', value: null, defaultText: 'off', help: 'development mode: the clock can be advanced (POST /simulator/clock)', parse: () => true },
  { key: 'logLevel', flag: '--log-level', env: 'PARLEY_LOG_LEVEL', value: 'LEVEL', defaultText: 'info', help: 'fatal, error, warn, info, debug or trace', parse: (t) => {
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(t)) throw new Error(`unknown log level "${t}"`);
    return t;
  } },
  { key: 'traceRetentionMs', flag: '--trace-retention', env: 'PARLEY_TRACE_RETENTION', value: 'DURATION', defaultText: '30d', help: 'keep webhook exchange records and the error log this long (messages stay)', parse: parseDuration },
  { key: 'allowedHosts', flag: '--allowed-hosts', env: 'PARLEY_ALLOWED_HOSTS', value: 'NAMES', defaultText: 'none', help: 'more host names browsers may use to reach the console (comma-separated), besides localhost, IP addresses and --host', parse: hostNames },
  { key: 'blockPrivateWebhooks', flag: '--block-private-webhooks', env: 'PARLEY_BLOCK_PRIVATE_WEBHOOKS', value: null, defaultText: 'off', help: 'refuse webhooks to loopback, private and link-local addresses (error 11205); for shared deployments', parse: (t) => !['', '0', 'false', 'off', 'no'].includes(t.toLowerCase()) },
] as const satisfies ReadonlyArray<Setting<keyof ServeConfig>>;

export const ENV_CREDENTIALS = { accountSid: 'PARLEY_ACCOUNT_SID', authToken: 'PARLEY_AUTH_TOKEN' } as const;

export class ConfigError extends Error {}

export function loadServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig {
  const values: Record<string, unknown> = {
    port: 3000, host: '127.0.0.1', db: './parley.db', sessionTtlMs: 4 * 3_600_000, dev: false, logLevel: 'info', blockPrivateWebhooks: false,
    traceRetentionMs: DEFAULT_TRACE_RETENTION_MS, allowedHosts: Object.freeze([]),
    accountSid: env[ENV_CREDENTIALS.accountSid] || undefined,
    authToken: env[ENV_CREDENTIALS.authToken] || undefined,
  };
  const apply = (setting: (typeof SERVE_SETTINGS)[number], text: string, source: string): void => {
    try {
      values[setting.key] = setting.parse(text);
    } catch (error) {
      throw new ConfigError(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  for (const setting of SERVE_SETTINGS) {
    const envName = 'env' in setting ? setting.env : undefined;
    const text = envName ? env[envName] : undefined;
    if (text !== undefined && text !== '') apply(setting, text, envName!);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const setting = SERVE_SETTINGS.find((s) => s.flag === flag);
    if (!setting) throw new ConfigError(`unknown option "${arg}" (see parley serve --help)`);
    if (setting.value === null) {
      apply(setting, 'true', flag);
      continue;
    }
    const text = inline ?? argv[++i];
    if (text === undefined) throw new ConfigError(`${flag} needs a value (${setting.value})`);
    apply(setting, text, flag);
  }
  return Object.freeze(values as unknown as ServeConfig);
}

export function serveHelp(command = 'serve'): string {
  const rows = SERVE_SETTINGS.map((s) => {
    const left = `  ${s.flag}${s.value ? ` ${s.value}` : ''}`;
    const env = 'env' in s ? ` [env ${s.env}]` : '';
    return `${left.padEnd(30)}${s.help} (default ${s.defaultText})${env}`;
  });
  return [
    `Usage: parley ${command} [options]`,
    '',
    'Options:',
    ...rows,
    '',
    `Credentials: ${ENV_CREDENTIALS.accountSid} (AC + 32 hex) and ${ENV_CREDENTIALS.authToken} (32 hex) set the default`,
    'account; without them Parley generates them once, keeps them in the database and prints them.',
  ].join('\n');
}
