/**
 * A client command that reads one route of a running Parley and prints it (`parley channels`,
 * `parley nodes`): with `--json`, the JSON as Parley answered it; otherwise the lines `view` makes
 * of it. A view can also say that the answer reports a failure, printed to stderr with exit 1.
 */
import { callApi } from './api-client.js';
import { CONNECTION_OPTIONS, connectionFrom, optionsHelp, parseOptions, type OptionSpec } from './options.js';
import { UsageError, type Command } from './usage.js';

const SPECS: OptionSpec[] = [...CONNECTION_OPTIONS, { flag: '--json', value: null, help: 'print the JSON as Parley answers it' }];

export interface RouteView {
  lines: string[];
  /** Set when the answer reports that the operation failed. */
  failure?: string;
}

export function routeReader<T>(usage: string, path: string, view: (answer: T) => RouteView): Command {
  return {
    help: () => optionsHelp(usage, SPECS),
    async run(args) {
      const { options, positional } = parseOptions(args, SPECS);
      if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
      const answer = await callApi<T>(connectionFrom(options), 'GET', path);
      const { lines, failure } = view(answer);
      if (options.has('--json')) console.log(JSON.stringify(answer, null, 2));
      else if (lines.length > 0) console.log(lines.join('\n'));
      if (failure === undefined) return 0;
      console.error(`parley: ${failure}`);
      return 1;
    },
  };
}
