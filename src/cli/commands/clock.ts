/**
 * `parley clock show` and `parley clock advance 4h`: Parley's clock over `/simulator/clock`.
 * Moving it only works when Parley runs in development mode (`parley dev`, `serve --dev`), where
 * it jumps past cookie expiry without waiting; the server answers 20004 otherwise.
 */
import { callApi } from '../api-client.js';
import { CONNECTION_OPTIONS, connectionFrom, optionsHelp, parseOptions, type OptionSpec } from '../options.js';
import { UsageError, type Command } from '../usage.js';
import { parseDuration } from '../../config/duration.js';

const SPECS: OptionSpec[] = [...CONNECTION_OPTIONS];
const ACTIONS: Array<[string, string]> = [
  ['show', "print Parley's current time"],
  ['advance DURATION', 'move the clock forward (90s, 15m, 4h, 1d); development mode only'],
];

interface ClockJson {
  now: string;
  manual: boolean;
  offset_ms: number;
}

function describe(clock: ClockJson): string {
  const mode = clock.manual ? `development mode, ${Math.round(clock.offset_ms / 1000)} s ahead of real time` : 'system clock';
  return `${clock.now} (${mode})`;
}

export const clock: Command = {
  help: () => optionsHelp('parley clock show | parley clock advance DURATION', SPECS, ACTIONS),
  async run(args) {
    const { options, positional } = parseOptions(args, SPECS);
    const [action, by, ...extra] = positional;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (action === 'show') {
      if (by) throw new UsageError(`unexpected argument "${by}"`);
      console.log(describe(await callApi<ClockJson>(connectionFrom(options), 'GET', '/simulator/clock')));
      return 0;
    }
    if (action === 'advance') {
      if (!by) throw new UsageError('parley clock advance needs a duration, e.g. 4h');
      try {
        parseDuration(by);
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      const after = await callApi<ClockJson>(connectionFrom(options), 'POST', '/simulator/clock', [['Advance', by]]);
      console.log(`advanced by ${by}: ${describe(after)}`);
      return 0;
    }
    throw new UsageError(action ? `unknown action "clock ${action}" (show or advance)` : 'parley clock needs an action: show or advance');
  },
};
