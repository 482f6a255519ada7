/** Records for the Store contract, built with Parley's own constructors so their SIDs are real. */
import { newSid } from '../../../src/ids/sid.js';
import { newMessage, type NewMessage } from '../../../src/messages/message.js';
import {
  conversationId, type AlertRecord, type ConversationRecord, type MessageRecord, type NewStatusCallback, type PhoneNumberRecord,
  type TurnOutcome, type WebhookExchange,
} from '../../../src/stores/records.js';

export const ACCOUNT = 'AC' + 'a1'.repeat(16);
export const OTHER_ACCOUNT = 'AC' + 'b2'.repeat(16);
export const NUMBER = '+15005550006';
export const HANDSET = '+15558670501';
export const OTHER_HANDSET = '+15558670502';

/** A clock for fixtures: every call is one millisecond later, so SIDs and dates order as created. */
let tick = Date.now();
export function later(): number {
  return ++tick;
}

export function inbound(body: string, overrides: Partial<NewMessage> = {}): MessageRecord {
  return newMessage({ accountSid: ACCOUNT, direction: 'inbound', from: HANDSET, to: NUMBER, body, status: 'received', at: later(), ...overrides });
}

export function outbound(body: string, overrides: Partial<NewMessage> = {}): MessageRecord {
  return newMessage({ accountSid: ACCOUNT, direction: 'outbound-api', from: NUMBER, to: HANDSET, body, status: 'queued', at: later(), ...overrides });
}

export function replyTo(message: MessageRecord, seq: number, body: string): MessageRecord {
  return newMessage({
    accountSid: message.accountSid, direction: 'outbound-reply', from: message.to, to: message.from, body, status: 'queued', at: later(),
    inboundSid: message.sid, replySeq: seq,
  });
}

export function conversationOf(message: MessageRecord, cookies: string | null, lastActivity = message.dateCreated): ConversationRecord {
  const key = { accountSid: message.accountSid, number: message.to, handset: message.from };
  return { id: conversationId(key), ...key, lastActivity, cookies };
}

export function exchangeFor(message: MessageRecord, purpose: WebhookExchange['purpose'] = 'sms', at = later()): WebhookExchange {
  const handset = message.direction === 'inbound' ? message.from : message.to;
  const number = message.direction === 'inbound' ? message.to : message.from;
  return {
    sid: newSid('WX', at), accountSid: message.accountSid, messageSid: message.sid,
    conversationId: conversationId({ accountSid: message.accountSid, number, handset }), purpose, seq: 0, startedAt: at,
    request: { method: 'POST', url: 'http://127.0.0.1:9/sms', headers: {}, params: [['Body', message.body]], signedString: '', signature: '' },
    response: { status: 200, headers: {}, body: '<Response/>', durationMs: 1 }, errorCode: null, errorMessage: null,
    jarBefore: [], jarAfter: [], steps: [],
  };
}

export function alertAbout(message: MessageRecord, code: number, at = later()): AlertRecord {
  return {
    sid: newSid('NO', at), accountSid: message.accountSid, errorCode: code, logLevel: 'error', alertText: `code ${code}`,
    resourceSid: message.sid, requestMethod: null, requestUrl: null, requestVariables: null, requestHeaders: null,
    responseBody: null, responseHeaders: null, dateCreated: at,
  };
}

export function outcomeOf(message: MessageRecord, parts: Partial<TurnOutcome> = {}): TurnOutcome {
  return {
    inboundSid: message.sid, errorCode: null, errorMessage: null, replies: [], exchanges: [], alerts: [],
    conversation: conversationOf(message, null), ...parts,
  };
}

export function callbackFor(message: MessageRecord, status: string, at = later()): NewStatusCallback {
  return {
    accountSid: message.accountSid, messageSid: message.sid, conversationId: null, url: 'http://127.0.0.1:9/status',
    params: [['MessageStatus', status]], createdAt: at,
  };
}

/** A number (`PN…`), or with a short code's digits and `type` `SC` a short code. */
export function phoneNumber(phone: string, accountSid = ACCOUNT, friendlyName = phone, type: 'PN' | 'SC' = 'PN'): PhoneNumberRecord {
  const at = later();
  return {
    sid: newSid(type, at), accountSid, phoneNumber: phone, friendlyName, smsUrl: 'http://127.0.0.1:9/sms', smsMethod: 'POST',
    smsFallbackUrl: '', smsFallbackMethod: 'POST', statusCallback: '', statusCallbackMethod: 'POST', dateCreated: at, dateUpdated: at,
  };
}
