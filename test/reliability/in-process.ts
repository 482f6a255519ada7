/**
 * Test helper: a whole Parley in this process (SQLite in memory, port 0) with its log lines
 * captured, and an authenticated API client for it.
 */
import { Writable } from 'node:stream';
import { startParley, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { Api, newCredentials, type Credentials } from '../helpers/gateway-process.js';

export interface TestParley {
  parley: RunningParley;
  api: Api;
  credentials: Credentials;
  /** Every log line written so far. */
  logs: () => string;
  stop: () => Promise<void>;
}

export async function startTestParley(options: { logLevel?: string; blockPrivateWebhooks?: boolean } = {}): Promise<TestParley> {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const credentials = newCredentials();
  const parley = await startParley({
    port: 0, host: '127.0.0.1', db: ':memory:', sessionTtlMs: 4 * 3600_000, dev: false,
    accountSid: credentials.accountSid, authToken: credentials.authToken,
    logger: createLogger({ level: options.logLevel ?? 'trace', destination }),
    ...(options.blockPrivateWebhooks ? { blockPrivateWebhooks: true } : {}),
  });
  return {
    parley,
    api: new Api(parley.url, credentials),
    credentials,
    logs: () => chunks.join(''),
    stop: () => parley.stop(),
  };
}
