/**
 * `parley dev` (what `npm start` runs): the gateway in development mode, the bundled
 * session-counter example app, and a demo number wired to it, with a command to try it.
 */
import { ConfigError, loadServeConfig, serveHelp } from '../../config/schema.js';
import { startParley } from '../../runtime/parley.js';
import { createLogger } from '../../logging/logger.js';
import { startSessionCounter } from '../../../examples/session-counter/server.js';
import { newSid } from '../../ids/sid.js';
import { printBanner, untilSignal } from './serve.js';
import { UsageError, type Command } from '../usage.js';

export const DEMO_NUMBER = '+15005550006';
export const DEMO_HANDSET = '+15558675310';

export const dev: Command = {
  help: () => `${serveHelp('dev')}\n\nAlso starts the session-counter example app and wires ${DEMO_NUMBER} to it.`,
  async run(args) {
    let config;
    const serveArgs = ['--dev', ...args.filter((a) => a !== '--dev')];
    try {
      config = loadServeConfig(serveArgs, process.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    const logger = createLogger({ level: config.logLevel });
    const parley = await startParley({ ...config, logger });
    const app = await startSessionCounter({ authToken: parley.account.authToken, host: '127.0.0.1' });
    const existing = await parley.store.numbers.findByPhoneNumber(DEMO_NUMBER);
    const at = parley.clock.now();
    if (!existing) {
      await parley.store.numbers.insert({
        sid: newSid('PN', at), accountSid: parley.account.sid, phoneNumber: DEMO_NUMBER, friendlyName: 'Parley demo number',
        smsUrl: app.smsUrl, smsMethod: 'POST', smsFallbackUrl: '', smsFallbackMethod: 'POST', statusCallback: '',
        statusCallbackMethod: 'POST', dateCreated: at, dateUpdated: at,
      });
    } else if (existing.accountSid === parley.account.sid) {
      // The example app gets a new port on every start: point the demo number at it again.
      await parley.store.numbers.update({ ...existing, smsUrl: app.smsUrl, dateUpdated: at });
    }
    printBanner(parley, config.sessionTtlMs, true);
    console.log([
      `  Demo number: ${DEMO_NUMBER} → session-counter example app at ${app.smsUrl}`,
      '',
      'Text the demo number from a simulated handset and see the reply:',
      `  PARLEY_URL=${parley.url} PARLEY_ACCOUNT_SID=${parley.account.sid} PARLEY_AUTH_TOKEN=${parley.account.authToken} npx parley send --from ${DEMO_HANDSET} --to ${DEMO_NUMBER} "Hello"`,
      '',
      'or with curl:',
      `  curl -s -u ${parley.account.sid}:${parley.account.authToken} ${parley.url}/simulator/messages --data-urlencode From=${DEMO_HANDSET} --data-urlencode To=${DEMO_NUMBER} --data-urlencode Body=Hello`,
      `  curl -s -u ${parley.account.sid}:${parley.account.authToken} "${parley.url}/simulator/handsets/${encodeURIComponent(DEMO_HANDSET)}/messages"`,
    ].join('\n'));
    return untilSignal(parley, () => app.close(), config.drainTimeoutMs, { args: serveArgs, config, logger });
  },
};
