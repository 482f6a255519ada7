/** `parley serve`: runs the gateway in the foreground until SIGTERM or SIGINT; SIGHUP reloads its channels (reload.ts). */
import { ConfigError, loadServeConfig, serveHelp, type ServeConfig } from '../../config/schema.js';
import { formatDuration } from '../../config/duration.js';
import { startParley, type RunningParley } from '../../runtime/parley.js';
import { createLogger, type Logger } from '../../logging/logger.js';
import { UsageError, type Command } from '../usage.js';
import { reloadOnHangup } from './reload.js';

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
    const logger = createLogger({ level: config.logLevel });
    const parley = await startParley({ ...config, logger });
    printBanner(parley, config.sessionTtlMs, config.dev);
    return untilSignal(parley, undefined, config.drainTimeoutMs, { args, config, logger });
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

/** Closing sockets and stores after a drain: if that ever hangs, the process exits anyway after this long. */
const BACKSTOP_MS = 15_000;

/**
 * Resolves (with the exit code) after SIGTERM/SIGINT once Parley has drained and stopped (at most `drainTimeoutMs` for
 * the running work), then `extra` (dev's example app, which the running turns still call) has
 * run. A second signal during the drain ends the process at once (Node's default). Until then,
 * SIGHUP reloads the channels and the log level from the configuration `started` was read with
 * (reload.ts).
 */
export function untilSignal(parley: RunningParley, extra: () => Promise<void> = async () => undefined, drainTimeoutMs = 30_000,
  started?: { args: readonly string[]; config: ServeConfig; logger: Logger }): Promise<number> {
  return new Promise((resolve) => {
    const stopReloading = started ? reloadOnHangup({ parley, logger: started.logger, args: started.args }, started.config) : () => undefined;
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      console.log(`\n${signal}: draining (running turns finish, at most ${formatDuration(drainTimeoutMs)}), then stopping Parley…`);
      // What has not finished is pending in the store (the next start runs it): exiting loses nothing.
      setTimeout(() => {
        console.error('parley: still stopping after the drain timeout; exiting');
        process.exit(0);
      }, drainTimeoutMs + BACKSTOP_MS).unref();
      // SIGHUP stays handled through the drain (a reload is refused then), not left to end the process.
      void parley.stop().then(extra).then(() => {
        console.log('Parley stopped.');
        resolve(0);
      }, (error: unknown) => {
        console.error(`parley: stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        resolve(1);
      }).finally(stopReloading);
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}
