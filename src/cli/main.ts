#!/usr/bin/env node
/**
 * The `parley` command. Each command is a module in ./commands; this file only dispatches.
 * Exit codes: 0 success, 1 the operation failed (the message says why, with a Twilio code when
 * there is one), 2 bad usage (unknown command or option).
 */
import { COMMANDS } from './commands/index.js';
import { UsageError } from './usage.js';
import { EXIT_CODES } from './options.js';

function overview(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`);
  return ['Usage: parley <command> [options]', '', 'Commands:', ...rows, '', 'Run "parley <command> --help" for the options of a command.', '', EXIT_CODES].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) throw new UsageError(`unknown command "${name}"\n\n${overview()}`);
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help());
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError;
    console.error(`parley: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = usage ? 2 : 1;
  },
);
