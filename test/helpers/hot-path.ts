/**
 * What the two hot paths' tests share (test/http/hot-path.test.ts, test/http/hot-connections.test.ts):
 * one account with one number, its credentials, the route's gateway side, and a logger whose lines
 * the test reads.
 */
import { PassThrough } from 'node:stream';
import type { HandsetMessageTarget } from '../../src/http/routes/handset-message.js';
import type { HttpLoggers } from '../../src/http/refusals.js';
import type { InboundInput } from '../../src/channels/channel.js';
import type { AccountRecord } from '../../src/stores/records.js';
import { inboundRecord } from '../../src/gateway/channel-host.js';
import { TwilioError } from '../../src/errors/twilio-error.js';
import { createLogger } from '../../src/logging/logger.js';

export const ACCOUNT = 'AC' + '1'.repeat(32);
export const NUMBER = '+15550001111';
export const GOOD_AUTH = 'Basic ' + Buffer.from(`${ACCOUNT}:secret`).toString('base64');
export const FORM = 'application/x-www-form-urlencoded';

/** The account GOOD_AUTH signs in as; anything else is refused as the real check refuses it. */
export async function signIn(authorization: string | undefined): Promise<AccountRecord> {
  if (authorization !== GOOD_AUTH) throw new TwilioError(20003, 'Authenticate');
  return { sid: ACCOUNT } as AccountRecord;
}

/**
 * The gateway side of the route: NUMBER belongs to ACCOUNT, and each message is stored in
 * `received` after `before` (a test's failure or hold) has run.
 */
export function handsetTarget(received: InboundInput[], before: () => Promise<void>): HandsetMessageTarget {
  return {
    store: { numbers: { findByPhoneNumber: async (n) => (n === NUMBER ? { accountSid: ACCOUNT } as never : null) } },
    receive: async (input) => {
      await before();
      received.push(input);
      return inboundRecord(input, null, Date.UTC(2026, 11, 5));
    },
    assertSimulatesHandsets: () => undefined,
  };
}

/** Both loggers writing to one stream, and its lines parsed. */
export function capturedLoggers(level: 'debug' | 'warn'): { loggers: HttpLoggers; lines: () => Array<Record<string, unknown>> } {
  const log = new PassThrough();
  const lines: string[] = [];
  log.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const logger = createLogger({ level, destination: log });
  return { loggers: { http: logger, gateway: logger }, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
