/**
 * Error-log entries (served as Monitor alerts): one code, a text, and the webhook exchange that
 * failed, if any, with its request and the answer Parley got.
 */
import type { AlertRecord, WebhookExchange } from '../stores/records.js';
import { newSid } from '../ids/sid.js';
import { lookupError } from './catalog.js';

export interface AlertInput {
  accountSid: string;
  /** The message the alert is about. */
  resourceSid: string;
  code: number;
  text: string;
  exchange: WebhookExchange | null;
  at: number;
}

export function alertFor(input: AlertInput): AlertRecord {
  const { exchange } = input;
  return {
    sid: newSid('NO', input.at),
    accountSid: input.accountSid,
    errorCode: input.code,
    logLevel: lookupError(input.code)?.level ?? 'error',
    alertText: input.text,
    resourceSid: input.resourceSid,
    requestMethod: exchange?.request.method ?? null,
    requestUrl: exchange?.request.url ?? null,
    requestVariables: exchange ? new URLSearchParams(exchange.request.params).toString() : null,
    requestHeaders: exchange ? JSON.stringify(exchange.request.headers) : null,
    responseBody: exchange?.response?.body ?? null,
    responseHeaders: exchange?.response ? JSON.stringify(exchange.response.headers) : null,
    dateCreated: input.at,
  };
}
