/**
 * `parley channels`: each channel of a running Parley (the simulator and the SMPP connections of its
 * configuration file) with its state, since when, why it is down, the messages waiting and in
 * flight, the channels it fails over to, how many of its binds are up when it keeps several and why
 * the others are not, and until when its client certificate is valid; read from `GET /parley/channels`.
 */
import { routeReader } from '../route-reader.js';
import { alignedColumns, utcTime } from '../format.js';
import type { BindJson, ChannelJson } from '../../http/representations/channel.js';

export function channelLines(channels: ChannelJson[]): string[] {
  const rows = channels.map((c) => [
    c.name, c.type, c.state, `since ${utcTime(c.since)}`, `waiting ${c.waiting}`, `in flight ${c.in_flight}`,
    c.numbers.length ? c.numbers.join(',') : c.type === 'simulator' ? 'every other number' : '-',
    c.destinations.length ? `to ${c.destinations.join(',')}` : '',
    c.failover.length ? `failover ${c.failover.join(',')}` : '',
    c.binds && c.binds.length > 1 ? `binds ${c.binds.filter((b) => b.state === 'bound').length}/${c.binds.length} bound` : '',
    c.client_certificate ? `certificate until ${utcTime(c.client_certificate.expires_at)}` : '',
    c.reason ? `(${c.reason})` : bindsNotBound(c.binds),
  ]);
  return alignedColumns(rows);
}

/** A bound channel's binds that are not (it still works on the others), with why. */
function bindsNotBound(binds: BindJson[] | null): string {
  const others = (binds ?? []).filter((b) => b.state !== 'bound');
  return others.length ? `(${others.map((b) => `${b.name} ${b.state}${b.reason ? `: ${b.reason}` : ''}`).join('; ')})` : '';
}

export const channels = routeReader<{ channels: ChannelJson[] }>('parley channels [--json]', '/parley/channels', (answer) => ({ lines: channelLines(answer.channels) }));
