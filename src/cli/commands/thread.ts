/** `parley thread HANDSET [--number N]`: prints a simulated handset's conversation, oldest first. */
import { callApi } from '../api-client.js';
import { messageLine, paintFor, type MessageLine } from '../format.js';
import { CONNECTION_OPTIONS, connectionFrom, optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { UsageError, type Command } from '../usage.js';

const SPECS: OptionSpec[] = [
  { flag: '--number', value: 'E164', help: 'only the messages with this Parley number' },
  ...CONNECTION_OPTIONS,
];

export const thread: Command = {
  help: () => optionsHelp('parley thread HANDSET [--number NUMBER]', SPECS),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    const [handset, ...extra] = positional;
    if (!handset || extra.length > 0) throw new UsageError('parley thread needs exactly one handset number, e.g. parley thread +15551230001');
    const conn = connectionFrom(options);
    const number = options.get('--number');
    const query = number ? `?Number=${encodeURIComponent(number)}` : '';
    const result = await callApi<{ messages: MessageLine[] }>(conn, 'GET', `/simulator/handsets/${encodeURIComponent(handset)}/messages${query}`);
    const paint = paintFor(process.stdout);
    if (result.messages.length === 0) {
      console.log(`no messages for ${handset}${number ? ` with ${number}` : ''}`);
      return 0;
    }
    for (const m of result.messages) console.log(messageLine(m, paint));
    return 0;
  },
};
