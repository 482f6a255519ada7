/**
 * `parley channels`: each channel of a running Parley (the simulator and the SMPP connections of its
 * configuration file) with its state, since when, why it is down, and the messages waiting and in
 * flight; read from `GET /parley/channels`.
 */
import { callApi } from '../api-client.js';
import { CONNECTION_OPTIONS, connectionFrom, optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { UsageError, type Command } from '../usage.js';
import type { ChannelJson } from '../../http/representations/channel.js';

const SPECS: OptionSpec[] = [...CONNECTION_OPTIONS, { flag: '--json', value: null, help: 'print the JSON as Parley answers it' }];

export function channelLines(channels: ChannelJson[]): string[] {
  const rows = channels.map((c) => [
    c.name, c.type, c.state, `since ${c.since.replace('T', ' ').slice(0, 19)}Z`, `waiting ${c.waiting}`, `in flight ${c.in_flight}`,
    c.numbers.length ? c.numbers.join(',') : c.type === 'simulator' ? 'every other number' : '-',
    c.reason ? `(${c.reason})` : '',
  ]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

export const channels: Command = {
  help: () => optionsHelp('parley channels [--json]', SPECS),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const answer = await callApi<{ channels: ChannelJson[] }>(connectionFrom(options), 'GET', '/parley/channels');
    console.log(options.has('--json') ? JSON.stringify(answer, null, 2) : channelLines(answer.channels).join('\n'));
    return 0;
  },
};
