/**
 * The gateway's structured log lines, written from the event bus: one line per turn at `debug`,
 * and one per failure with its Twilio code: an error-log entry (webhook, TwiML, callback) at
 * `warn`, or at `error` when the error log calls it an error; a message that ended `failed` or
 * `undelivered` at `warn`. Only SIDs, numbers, codes, durations and masked URLs are written:
 * never a body, a header or a parameter list (the secrets tests read these lines at trace level).
 */
import type { Gateway } from '../gateway/gateway.js';
import type { Logger } from './logger.js';

/** Subscribes; returns the unsubscribe. */
export function logEvents(gateway: Gateway, logger: Logger): () => void {
  // Checked once: at the default level (info) a turn costs no log object at all.
  const turns = logger.isLevelEnabled('debug');
  return gateway.events.subscribe((event) => {
    switch (event.type) {
      case 'turn':
        if (turns) {
          logger.debug({
            messageSid: event.messageSid, accountSid: event.accountSid, conversationId: event.conversationId,
            code: event.errorCode, durationMs: Math.round(event.durationMs * 10) / 10,
          }, 'turn');
        }
        return;
      case 'alert': {
        const a = event.alert;
        const line = { code: a.errorCode, alertSid: a.sid, accountSid: a.accountSid, resourceSid: a.resourceSid, url: a.requestUrl, text: a.alertText };
        if (a.logLevel === 'error') logger.error(line, 'error log');
        else logger.warn(line, 'error log');
        return;
      }
      case 'message': {
        const m = event.message;
        if ((m.status !== 'failed' && m.status !== 'undelivered') || event.sameStatus) return;
        logger.warn({
          code: m.errorCode, messageSid: m.sid, accountSid: m.accountSid, status: m.status, from: m.from, to: m.to,
          channel: gateway.channels.channelFor(m.from, m.to).name,
        }, `message ${m.status}`);
        return;
      }
      default:
        return;
    }
  });
}
