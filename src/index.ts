/**
 * `parley-sms`: the gateway as a library, for a program that runs Parley inside its own process
 * (the `parley` command does the same from a terminal). Tests want `parley-sms/testing` instead.
 *
 *   import { startParley } from 'parley-sms';
 *   const parley = await startParley({ port: 3000, host: '127.0.0.1', db: './parley.db', sessionTtlMs: 4 * 3600_000, dev: false });
 *   console.log(parley.url, parley.account.sid);
 *   await parley.stop();
 */
export { startParley, type ParleyOptions, type RunningParley } from './runtime/parley.js';
export type { Store } from './stores/store.js';
export type { MessageRecord, StatusChange, WebhookExchange, CookieView } from './stores/records.js';
