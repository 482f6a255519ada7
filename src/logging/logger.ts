/**
 * The one logger factory (pino). Only allowed fields are logged: request logs carry method, URL
 * and status, never headers, so Authorization headers and auth tokens cannot reach a log line.
 */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.PARLEY_LOG_LEVEL ?? 'info',
      redact: {
        paths: [
          'req.headers.authorization', 'headers.authorization', '*.headers.authorization', 'authorization', '*.authorization',
          'authToken', '*.authToken', '*.auth_token', 'secret', '*.secret', 'password', '*.password',
        ],
        censor: '[masked]',
      },
      base: null,
    },
    options.destination ?? process.stderr,
  );
}
