/**
 * `parley tail`: follows a running Parley live (`GET /simulator/events`) and prints one line per
 * message, webhook exchange and error, until Ctrl-C. Colour only when stdout is a terminal.
 */
import { request } from 'undici';
import { ApiError } from '../api-client.js';
import { alertLine, exchangeLine, messageLine, paintFor, type AlertLine, type ExchangeLine, type MessageLine } from '../format.js';
import { CONNECTION_OPTIONS, connectionFrom, optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { readSse } from '../sse.js';
import { UsageError, type Command } from '../usage.js';

const SPECS: OptionSpec[] = [
  { flag: '--handset', value: 'E164', help: 'only the messages of this handset' },
  { flag: '--direction', value: 'LIST', help: 'only messages of these directions: inbound, outbound, outbound-api, outbound-reply, outbound-call (comma-separated)' },
  { flag: '--status', value: 'LIST', help: 'only messages with these statuses, e.g. received,delivered,undelivered (comma-separated)' },
  ...CONNECTION_OPTIONS,
];

export const tail: Command = {
  help: () => optionsHelp('parley tail [--handset HANDSET] [--direction LIST] [--status LIST]', SPECS),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const conn = connectionFrom(options);
    // The stream's own filters (GET /simulator/events), so the server checks the values and sends only what is shown.
    const query = new URLSearchParams();
    for (const [flag, name] of [['--handset', 'Handset'], ['--direction', 'Direction'], ['--status', 'Status']] as const) {
      const value = options.get(flag);
      if (value) query.set(name, value);
    }
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const paint = paintFor(process.stdout);
    try {
      let res;
      try {
        res = await request(new URL(`/simulator/events${query.size > 0 ? `?${query}` : ''}`, conn.url), {
          headers: { authorization: 'Basic ' + Buffer.from(`${conn.accountSid}:${conn.authToken}`).toString('base64'), accept: 'text/event-stream' },
          signal: abort.signal,
          bodyTimeout: 0, // the stream is quiet between events; the server sends keep-alives
        });
      } catch (error) {
        if (abort.signal.aborted) return 0;
        throw new ApiError(`cannot reach Parley at ${conn.url}: ${error instanceof Error ? (error.message || error.name) : String(error)}`, 0, null);
      }
      if (res.statusCode !== 200) {
        const text = await res.body.text();
        let body: { message?: string; code?: number } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          // not JSON: report the status alone
        }
        if (body.code === 20003) throw new ApiError(`authentication failed at ${conn.url}: check the account SID and auth token`, res.statusCode, 20003);
        throw new ApiError(body.message ?? `HTTP ${res.statusCode}`, res.statusCode, body.code ?? null);
      }
      console.error(`following ${conn.url} (Ctrl-C stops)`);
      try {
        for await (const { event, data } of readSse(res.body)) {
          const line = format(event, data, paint);
          if (line !== null) console.log(line);
        }
      } catch (error) {
        if (abort.signal.aborted) return 0;
        throw error;
      }
      if (abort.signal.aborted) return 0;
      console.error('parley: the event stream closed (Parley stopped?)');
      return 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

function format(event: string, data: string, paint: ReturnType<typeof paintFor>): string | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  switch (event) {
    case 'message':
      return messageLine((value as { message: MessageLine }).message, paint);
    case 'exchange':
      return exchangeLine(value as ExchangeLine, paint);
    case 'alert':
      return alertLine(value as AlertLine, paint);
    default:
      return null; // turn and conversation events repeat what the lines above already say
  }
}
