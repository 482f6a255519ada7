/**
 * `parley config check [the options of parley serve]`: reads the configuration exactly as `parley
 * serve` would (its flags, the environment, the file), opens nothing, and prints what it would run,
 * so that a change can be checked before a restart. Exit 0 when `serve` would start with it (with
 * a warning for a client certificate that has expired or expires within 14 days), 2 with the usage
 * error naming the key otherwise. It prints no secret: no password, no auth token.
 */
import { ConfigError, loadServeConfig, serveHelp, type ServeConfig } from '../../config/schema.js';
import { ANY_NUMBER, presentedCertificate, type ChannelConfig } from '../../config/channels.js';
import { isPostgresUrl } from '../../stores/registry.js';
import { describeUrl } from '../../stores/postgres/connection.js';
import { alignedColumns, utcTime } from '../format.js';
import { formatDuration } from '../../config/duration.js';
import { UsageError, type Command } from '../usage.js';

const USAGE = 'parley config check [the options of parley serve]';
const DAY_MS = 86_400_000;
/** A client certificate closer to its end than this is worth a warning. */
const EXPIRY_WARNING_MS = 14 * DAY_MS;

export const config: Command = {
  help: () => [
    `Usage: ${USAGE}`,
    '',
    'Reads the configuration as "parley serve" would, with the same options and environment, opens',
    'nothing, and prints what it would run. Exit 0 if serve would start with it, 2 otherwise.',
    '',
    serveHelp('config check').split('\n').slice(2).join('\n'),
  ].join('\n'),
  async run(args) {
    const [action, ...options] = args;
    if (action !== 'check') throw new UsageError(`usage: ${USAGE}`);
    let loaded: ServeConfig;
    try {
      loaded = loadServeConfig(options, process.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    const { lines, warnings } = describeConfig(loaded, Date.now());
    for (const line of lines) console.log(line);
    for (const warning of warnings) console.error(`warning: ${warning}`);
    return 0;
  },
};

/** What `serve` would run with `config`, and what deserves a warning at `now`. */
export function describeConfig(config: ServeConfig, now: number): { lines: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const channelRows = config.channels.map((channel) => {
    const certificate = presentedCertificate(channel);
    const until = certificate ? utcTime(new Date(certificate.expiresAt).toISOString()) : '';
    const left = certificate ? certificate.expiresAt - now : Number.POSITIVE_INFINITY;
    if (left <= 0) warnings.push(`${channel.name}'s client certificate expired at ${until}: the SMSC will refuse it`);
    else if (left < EXPIRY_WARNING_MS) warnings.push(`${channel.name}'s client certificate expires at ${until}, in ${Math.ceil(left / DAY_MS)} days`);
    return [`  ${channel.name}`, channel.type, connection(channel), certificate ? `client certificate ${certificate.subject}, until ${until}` : '', `numbers ${channel.numbers.join(',')}${destinations(channel)}${failover(channel)}`];
  });
  const lines = [
    `configuration: ${config.configFile ?? 'options and environment only (no file)'}`,
    `listen: http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
    `database: ${isPostgresUrl(config.db) ? `${describeUrl(config.db)} (PostgreSQL)` : `${config.db} (SQLite)`}`,
    `account: ${config.accountSid ?? 'from the database, or generated at the first start'}`,
    config.channels.length === 0 ? `channels: none; ${otherNumbers(config)}` : 'channels:',
    ...(channelRows.length > 0 ? alignedColumns(channelRows) : []),
    ...(channelRows.length > 0 && !config.channels.some((c) => c.numbers.includes(ANY_NUMBER)) ? [`other numbers: ${otherNumbers(config)}`] : []),
  ];
  if (config.carriersOnly && config.channels.length === 0) warnings.push('--carriers-only without channels: no number can send');
  return { lines, warnings };
}

/** Where the numbers no channel lists go. */
function otherNumbers(config: ServeConfig): string {
  if (config.carriersOnly) return 'cannot send (--carriers-only: no simulator)';
  return config.channels.length === 0 ? 'every number is on the simulator' : 'on the simulator';
}

function connection(channel: ChannelConfig): string {
  const address = !channel.tls ? `${channel.host}:${channel.port}, plain TCP`
    : `${channel.host}:${channel.port} over TLS${channel.tlsVerify ? '' : ' (not verified)'}${channel.tlsServername ? ` as ${channel.tlsServername}` : ''}`;
  return `${address}${binds(channel)}`;
}

/** The channels it fails over to, and after how long, when it has any. */
function destinations(channel: ChannelConfig): string {
  return channel.destinations.length === 0 ? '' : ` to ${channel.destinations.join(',')}`;
}

function failover(channel: ChannelConfig): string {
  if (channel.failover.length === 0) return '';
  return `, failover ${channel.failover.join(',')}${channel.failoverAfterMs > 0 ? ` after ${formatDuration(channel.failoverAfterMs)}` : ''}`;
}

/** The binds it keeps, when not the one transceiver of the default. */
function binds(channel: ChannelConfig): string {
  if (channel.bind === 'transceiver') return channel.binds === 1 ? '' : `, ${channel.binds} binds`;
  return channel.binds === 1 ? ', a transmitter and a receiver' : `, ${channel.binds} transmitter and receiver pairs`;
}
