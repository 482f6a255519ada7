/** `parley send --from H --to N "text"`: texts a Parley number from a simulated handset and prints the replies. */
import { callApi } from '../api-client.js';
import { CONNECTION_OPTIONS, connectionFrom, durationOption, optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { UsageError, type Command } from '../usage.js';
import { parseDuration } from '../../config/duration.js';

const SPECS: OptionSpec[] = [
  { flag: '--from', value: 'E164', help: 'the simulated handset' },
  { flag: '--to', value: 'E164', help: 'the Parley number' },
  { flag: '--media', value: 'URL', help: 'a media URL (MMS)' },
  { flag: '--timeout', value: 'DURATION', help: 'how long to wait for the replies (default 20s)' },
  ...CONNECTION_OPTIONS,
];

interface TurnView {
  message: { sid: string };
  turn: { status: string; error_code: number | null; error_message: string | null };
  replies: Array<{ body: string; from: string; to: string; status: string }>;
}

export const send: Command = {
  help: () => optionsHelp('parley send --from HANDSET --to NUMBER "text"', SPECS),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    const from = options.get('--from');
    const to = options.get('--to');
    if (!from || !to) throw new UsageError('--from and --to are required');
    if (positional.length > 1) throw new UsageError('give the text as one argument (quote it)');
    const conn = connectionFrom(options);
    const timeoutMs = durationOption(options, '--timeout', '20s', parseDuration);
    const form: Array<[string, string]> = [['From', from], ['To', to], ['Body', positional[0] ?? '']];
    const media = options.get('--media');
    if (media) form.push(['MediaUrl', media]);
    const inbound = await callApi<{ sid: string }>(conn, 'POST', '/simulator/messages', form);
    const view = await callApi<TurnView>(conn, 'GET', `/simulator/messages/${inbound.sid}?Wait=${Math.ceil(timeoutMs / 1000)}s`);
    if (view.turn.status !== 'done') {
      console.error(`parley: no reply within ${Math.round(timeoutMs / 1000)} s (message ${inbound.sid} is still waiting for the app)`);
      return 1;
    }
    for (const reply of view.replies) console.log(reply.body);
    if (view.turn.error_code) {
      console.error(`parley: the webhook failed: ${view.turn.error_message ?? ''} (Twilio error ${view.turn.error_code})`);
      return 1;
    }
    return 0;
  },
};
