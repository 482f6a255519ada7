/**
 * Messaging TwiML as typed values: what `parseTwiml` produces and the interpreter runs.
 * https://www.twilio.com/docs/messaging/twiml
 */
import type { HttpMethod } from '../stores/records.js';

export interface MessageVerb {
  kind: 'Message';
  /** Direct text of <Message> plus every <Body>, in document order, trimmed at both ends. */
  body: string;
  /** <Media> URLs in document order (at most 10 are sent; more is a warning). */
  media: string[];
  to: string | null;
  from: string | null;
  action: string | null;
  method: HttpMethod;
  statusCallback: string | null;
  /** `Sms` for the legacy verb (accepted as an alias of Message). */
  verb: 'Message' | 'Sms';
}

export interface RedirectVerb {
  kind: 'Redirect';
  /** As written: absolute, or relative to the document's URL. */
  url: string;
  method: HttpMethod;
}

export type Verb = MessageVerb | RedirectVerb;

/** A non-fatal problem: the valid parts of the document still run (Twilio's 12200/14xxx warnings). */
export interface TwimlWarning {
  code: 12200 | 14101 | 14102 | 14103 | 14104 | 14105 | 14109 | 14110;
  message: string;
}

export type TwimlParseResult =
  | { ok: true; verbs: Verb[]; warnings: TwimlWarning[] }
  | { ok: false; code: 12100 | 12102 | 12300 | 11750; message: string };
