/** A small flag parser shared by the client commands: `--name value`, `--name=value`, switches. */
import { UsageError } from './usage.js';
import type { Connection } from './api-client.js';

export interface OptionSpec {
  flag: string;
  value: string | null; // null = a switch
  help: string;
}

export const CONNECTION_OPTIONS: OptionSpec[] = [
  { flag: '--url', value: 'URL', help: 'Parley to talk to (env PARLEY_URL; default http://127.0.0.1:3000)' },
  { flag: '--account-sid', value: 'AC…', help: 'account SID (env PARLEY_ACCOUNT_SID)' },
  { flag: '--auth-token', value: 'TOKEN', help: 'auth token (env PARLEY_AUTH_TOKEN)' },
];

export function parseOptions(args: string[], specs: OptionSpec[]): { options: Map<string, string>; positional: string[] } {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = specs.find((s) => s.flag === flag);
    if (!spec) throw new UsageError(`unknown option "${flag}"`);
    if (spec.value === null) {
      options.set(flag, 'true');
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value (${spec.value})`);
    options.set(flag, value);
  }
  return { options, positional };
}

export function connectionFrom(options: Map<string, string>, env: NodeJS.ProcessEnv = process.env): Connection {
  const accountSid = options.get('--account-sid') ?? env.PARLEY_ACCOUNT_SID;
  const authToken = options.get('--auth-token') ?? env.PARLEY_AUTH_TOKEN;
  if (!accountSid || !authToken) {
    throw new UsageError('credentials needed: --account-sid and --auth-token (or PARLEY_ACCOUNT_SID and PARLEY_AUTH_TOKEN)');
  }
  return { url: options.get('--url') ?? env.PARLEY_URL ?? 'http://127.0.0.1:3000', accountSid, authToken };
}

/** Exit codes every command uses; printed in `parley --help` and each command's help. */
export const EXIT_CODES = 'Exit codes: 0 success, 1 the operation failed, 2 bad usage.';

/**
 * A command's --help, built from the same specs `parseOptions` reads, so the two cannot drift.
 * `actions` lists sub-commands (`numbers add`, `clock show`, ...) with one line each.
 */
export function optionsHelp(usage: string, specs: OptionSpec[], actions: Array<[string, string]> = []): string {
  const lines = [`Usage: ${usage}`];
  if (actions.length > 0) lines.push('', 'Actions:', ...actions.map(([name, help]) => `  ${name.padEnd(26)}${help}`));
  if (specs.length > 0) lines.push('', 'Options:', ...specs.map((s) => `  ${(s.flag + (s.value ? ` ${s.value}` : '')).padEnd(26)}${s.help}`));
  lines.push('', EXIT_CODES);
  return lines.join('\n');
}

/** A value option that must be a duration (`90s`, `4h`): a bad one is a usage error (exit 2). */
export function durationOption(options: Map<string, string>, flag: string, fallback: string, parse: (text: string) => number): number {
  const text = options.get(flag) ?? fallback;
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
