/** `parley serve`: runs the gateway in the foreground until SIGTERM or SIGINT. */
import { ConfigError, loadServeConfig, serveHelp } from '../../config/schema.js';
import { formatDuration } from '../../config/duration.js';
import { startParley, type RunningParley } from '../../runtime/parley.js';
import { createLogger } from '../../logging/logger.js';
import { UsageError, type Command } from '../usage.js';

export const serve: Command = {
  help: () => serveHelp('serve'),
  async run(args) {
    let config;
    try {
      config = loadServeConfig(args, process.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    const parley = await startParley({ ...config, logger: createLogger({ level: config.logLevel }) });
    printBanner(parley, config.sessionTtlMs, config.dev);
    await untilSignal(parley);
    return 0;
  },
};

export function printBanner(parley: RunningParley, sessionTtlMs: number, dev: boolean): void {
  const lines = [
    `Parley is listening on ${parley.url}${dev ? ' (development mode: the clock can be advanced)' : ''}`,
    `  Account SID: ${parley.account.sid}`,
    `  Auth token:  ${parley.account.authToken}${parley.generatedCredentials ? '   (generated and kept in the database)' : ''}`,
    `  Session TTL: ${formatDuration(sessionTtlMs)}`,
  ];
  console.log(lines.join('\n'));
}

/** Resolves after SIGTERM/SIGINT once Parley has stopped cleanly. */
export function untilSignal(parley: RunningParley, extra: () => Promise<void> = async () => undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      console.log(`\n${signal}: stopping Parley…`);
      void extra().then(() => parley.stop()).then(() => {
        console.log('Parley stopped.');
        resolve();
      });
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}
