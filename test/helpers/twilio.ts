/** Assertions on the official twilio package's errors, shared by the REST tests. */
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { startParley, type ParleyOptions, type RunningParley } from '../../src/runtime/parley.js';
import { createLogger } from '../../src/logging/logger.js';
import { storeUnderTest } from './store-under-test.js';

/** The call fails with a RestException carrying this HTTP status, Twilio code and more_info link. */
export async function rejects(call: () => Promise<unknown>, status: number, code: number): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof twilio.RestException, `not a RestException: ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.code, code);
    assert.equal(error.moreInfo, `https://www.twilio.com/docs/errors/${code}`);
    return true;
  });
}

/**
 * A Parley in memory on a free port, silent, for tests that drive it with the twilio package (on a
 * fresh PostgreSQL database instead when the run is on PostgreSQL, see ./store-under-test.ts).
 */
export async function startInMemoryParley(options: Partial<ParleyOptions> = {}): Promise<RunningParley> {
  const database = await storeUnderTest(':memory:');
  const parley = await startParley({
    port: 0, host: '127.0.0.1', db: database.db, sessionTtlMs: 4 * 3_600_000, dev: false,
    logger: createLogger({ level: 'silent' }), ...options,
  });
  const stop = parley.stop;
  return { ...parley, stop: async () => {
    await stop();
    await database.cleanup();
  } };
}

/** The official client pointed at Parley, as a user would: only its domains' base URLs change. */
export function clientFor(parley: RunningParley, username = parley.account.sid, password = parley.account.authToken, accountSid?: string): twilio.Twilio {
  const client = twilio(username, password, accountSid ? { accountSid } : {});
  client.api.baseUrl = parley.url;
  client.messaging.baseUrl = parley.url;
  client.monitor.baseUrl = parley.url;
  return client;
}

type FetchedMessage = Awaited<ReturnType<ReturnType<twilio.Twilio['messages']>['fetch']>>;

/**
 * The message once the simulator has delivered it (waits on the gateway's event, not a sleep): a
 * Messaging Service's message is `accepted` without a sender at first, and has its `From` after.
 */
export async function delivered(parley: RunningParley, client: twilio.Twilio, sid: string): Promise<FetchedMessage> {
  const done = parley.gateway.events.waitFor((e) => e.type === 'message' && e.message.sid === sid && e.message.status === 'delivered', 5000);
  const now = await client.messages(sid).fetch();
  if (now.status === 'delivered') {
    done.catch(() => undefined);
    return now;
  }
  await done;
  return client.messages(sid).fetch();
}
