/**
 * One turn of a conversation: an inbound message becomes webhook requests, the TwiML answers run
 * as Twilio runs them, and the outcome (replies, cookie jar, exchanges, errors) commits at once.
 *
 * Rules (../shared/twilio-behavior.md, sections 1 and 4, and Parley's decisions):
 * - SmsUrl first; on a connection failure, timeout, non-2xx, or TwiML error 12100/12102/12300 (and
 *   11750), SmsFallbackUrl with the same parameters plus ErrorCode and ErrorUrl.
 * - <Redirect> fetches more TwiML with the same parameters and cookies; its document replaces the
 *   rest of the current one. <Message action> does the same once the reply has been sent.
 * - At most 10 replies (14109) and 50 documents (14106) per inbound message.
 */
import type { AlertRecord, MessageRecord, PhoneNumberRecord, TurnOutcome, WebhookExchange } from '../stores/records.js';
import { conversationRecord } from '../stores/records.js';
import type { TwimlWarning, MessageVerb } from '../twiml/verbs.js';
import type { ErrorCode } from '../errors/catalog.js';
import { ERROR_CATALOG } from '../errors/catalog.js';
import { alertFor } from '../errors/alerts.js';
import { parseTwiml } from '../twiml/parse.js';
import { newMessage } from '../messages/message.js';
import { inboundParams } from '../webhooks/params.js';
import { fetchDocument, type DocumentRequest, type FetchContext } from './documents.js';
import type { ConversationState } from './state.js';
import { smartEncoded } from '../messages/smart-encoding.js';

export const MAX_REPLIES = 10;
export const MAX_DOCUMENTS = 50;
const FALLBACK_CODES = new Set([11100, 11200, 11205, 11206, 11210, 11215, 11750, 12100, 12102, 12300]);

export interface TurnDeps {
  fetch: Omit<FetchContext, 'jar' | 'messageSid' | 'conversationId' | 'accountSid' | 'authToken' | 'nextSeq'>;
  /** Commits part of the outcome and sends its replies (used before a <Message action> request). */
  checkpoint: (outcome: TurnOutcome) => Promise<MessageRecord[]>;
}

export interface TurnInput {
  inbound: MessageRecord;
  number: PhoneNumberRecord | null;
  authToken: string;
  conversation: ConversationState;
  /** Smart Encoding for the replies (their number's Messaging Service has it on). */
  smartEncoding: boolean;
}

interface Failure {
  code: ErrorCode;
  message: string;
  exchange: WebhookExchange | null;
}

/** Runs the turn and returns its outcome; never throws for app misbehaviour. */
export async function runTurn(deps: TurnDeps, input: TurnInput): Promise<TurnOutcome> {
  const { inbound, number, conversation } = input;
  const now = deps.fetch.now;
  let seq = 0;
  // Listed, not spread: V8's optimized code gives `{ ...x, newKey }` a hidden class of its own per
  // object, and every read of the context missed its inline cache (bench/README.md, finding 48).
  const ctx: FetchContext = {
    client: deps.fetch.client,
    now: deps.fetch.now,
    jar: conversation.jar,
    accountSid: inbound.accountSid,
    authToken: input.authToken,
    messageSid: inbound.sid,
    conversationId: conversation.record.id,
    nextSeq: () => seq++,
  };
  const outcome: TurnOutcome = {
    inboundSid: inbound.sid, errorCode: null, errorMessage: null, replies: [], exchanges: [], alerts: [],
    conversation: conversation.record,
  };
  let replyCount = 0;
  const baseParams = inboundParams(inbound, number?.isoCountry);
  const warn = (w: TwimlWarning, exchange: WebhookExchange | null): void => {
    outcome.alerts.push(alertOf(inbound, w.code, w.message, exchange, now()));
  };

  if (!number || !number.smsUrl) {
    return finish(outcome, conversation, now());
  }
  let doc: DocumentRequest | null = { purpose: 'sms', method: number.smsMethod, url: number.smsUrl, params: baseParams };
  let documents = 0;
  let fallbackUsed = false;
  while (doc) {
    if (++documents > MAX_DOCUMENTS) {
      outcome.alerts.push(alertOf(inbound, 14106, `Document retrieval limit reached (${MAX_DOCUMENTS} documents)`, null, now()));
      break;
    }
    const fetched = await fetchDocument(ctx, doc);
    outcome.exchanges.push(...fetched.exchanges);
    const exchange = fetched.exchanges[fetched.exchanges.length - 1]!;
    const failure = classify(fetched.result, fetched.redirectError, exchange);
    let verbs: ReturnType<typeof parseTwiml> | null = null;
    if (!failure) {
      const response = fetched.result.response!;
      verbs = parseTwiml(response.body, response.contentType);
    }
    const problem: Failure | null = failure
      ?? (verbs && !verbs.ok ? { code: verbs.code, message: verbs.message, exchange } : null);
    if (problem) {
      outcome.alerts.push(alertOf(inbound, problem.code, problem.message, problem.exchange, now()));
      if (doc.purpose === 'sms' || doc.purpose === 'redirect') {
        outcome.errorCode ??= problem.code;
        outcome.errorMessage ??= problem.message;
      }
      if (!fallbackUsed && doc.purpose === 'sms' && number.smsFallbackUrl && FALLBACK_CODES.has(problem.code)) {
        fallbackUsed = true;
        doc = {
          purpose: 'fallback', method: number.smsFallbackMethod, url: number.smsFallbackUrl,
          params: [...baseParams, ['ErrorCode', String(problem.code)], ['ErrorUrl', exchange.request.url]],
        };
        continue;
      }
      break;
    }
    if (!verbs || !verbs.ok) break;
    for (const w of verbs.warnings) warn(w, exchange);
    doc = null;
    for (const verb of verbs.verbs) {
      if (verb.kind === 'Redirect') {
        exchange.steps.push(`Redirect ${verb.method} ${verb.url}`);
        doc = { purpose: 'redirect', method: verb.method, url: resolveUrl(verb.url, fetched.finalUrl), params: baseParams };
        break;
      }
      if (replyCount >= MAX_REPLIES) {
        warn({ code: 14109, message: `More than ${MAX_REPLIES} replies to one message; the rest were not sent` }, exchange);
        break;
      }
      const reply = replyOf(inbound, verb, replyCount++, number, now(), input.smartEncoding);
      exchange.steps.push(`${verb.verb} to ${reply.to}${verb.media.length ? ` with ${verb.media.length} media` : ''}`);
      outcome.replies.push(reply);
      if (verb.action) {
        exchange.steps.push(`action ${verb.method} ${verb.action}`);
        const sent = await deps.checkpoint(checkpointOf(outcome, conversation, now()));
        const status = sent.find((m) => m.replySeq === reply.replySeq)?.status ?? reply.status;
        outcome.replies = [];
        outcome.exchanges = [];
        outcome.alerts = [];
        doc = {
          purpose: 'action', method: verb.method, url: resolveUrl(verb.action, fetched.finalUrl),
          params: [...baseParams, ['MessageStatus', status]],
        };
        break;
      }
    }
  }
  return finish(outcome, conversation, now());
}

function classify(result: Awaited<ReturnType<typeof fetchDocument>>['result'], redirectError: 11215 | null, exchange: WebhookExchange): Failure | null {
  if (redirectError) return { code: redirectError, message: 'HTTP too many redirects', exchange };
  if (result.errorCode) return { code: result.errorCode, message: result.errorMessage ?? ERROR_CATALOG[result.errorCode].title, exchange };
  const response = result.response!;
  if (response.tooLarge) return { code: 11750, message: 'TwiML response body too large (over 64 kB)', exchange };
  if (response.status < 200 || response.status > 299) {
    return { code: 11200, message: `HTTP retrieval failure: the app answered ${response.status}`, exchange };
  }
  return null;
}

function replyOf(inbound: MessageRecord, verb: MessageVerb, seq: number, number: PhoneNumberRecord, at: number, smart: boolean): MessageRecord {
  return newMessage({
    accountSid: inbound.accountSid, direction: 'outbound-reply', from: verb.from ?? inbound.to, to: verb.to ?? inbound.from,
    body: smart ? smartEncoded(verb.body) : verb.body, status: 'queued', at, media: verb.media.slice(0, 10).map((url) => ({ url })),
    messagingServiceSid: inbound.messagingServiceSid, statusCallback: verb.statusCallback ?? (number.statusCallback || null),
    inboundSid: inbound.sid, replySeq: seq,
  });
}

function checkpointOf(outcome: TurnOutcome, conversation: ConversationState, at: number): TurnOutcome {
  return { ...outcome, conversation: conversationRecord(conversation.record, Math.max(conversation.record.lastActivity, at), conversation.jar.serialize()) };
}

function finish(outcome: TurnOutcome, conversation: ConversationState, at: number): TurnOutcome {
  const lastActivity = outcome.replies.length ? Math.max(conversation.record.lastActivity, at) : conversation.record.lastActivity;
  outcome.conversation = conversationRecord(conversation.record, lastActivity, conversation.jar.serialize());
  return outcome;
}

function alertOf(inbound: MessageRecord, code: number, text: string, exchange: WebhookExchange | null, at: number): AlertRecord {
  return alertFor({ accountSid: inbound.accountSid, resourceSid: inbound.sid, code, text, exchange, at });
}

function resolveUrl(target: string, base: string): string {
  try {
    return new URL(target, base).toString();
  } catch {
    return target; // reported as 11100 by the client
  }
}
