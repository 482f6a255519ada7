/**
 * The Message resource (OpenAPI `api.v2010.account.message`) and its Media sub-resource
 * (`api.v2010.account.message.media`) as the 2010-04-01 API serves them: RFC 2822 dates,
 * counts as strings, paths relative to the API host (reference section 6.4).
 */
import type { MediaRecord, MessageDirection, MessageRecord, MessageStatus } from '../../stores/records.js';
import { API_VERSION, accountPath } from './account.js';
import { rfc2822 } from './dates.js';

export function messagesListPath(accountSid: string): string {
  return `${accountPath(accountSid)}/Messages.json`;
}

function messagePath(m: Pick<MessageRecord, 'accountSid' | 'sid'>): string {
  return `${accountPath(m.accountSid)}/Messages/${m.sid}`;
}

export function mediaListPath(m: Pick<MessageRecord, 'accountSid' | 'sid'>): string {
  return `${messagePath(m)}/Media.json`;
}

/**
 * Where the media's content is served: the Media resource's URI without `.json`. Twilio answers
 * it with the file itself (a redirect here, to `MediaRecord.url`); apps build it from `uri`.
 */
export function mediaContentPath(m: Pick<MessageRecord, 'accountSid' | 'sid'>, media: Pick<MediaRecord, 'sid'>): string {
  return `${messagePath(m)}/Media/${media.sid}`;
}

export interface MessageJson {
  account_sid: string;
  api_version: typeof API_VERSION;
  body: string;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  direction: MessageDirection;
  error_code: number | null;
  error_message: string | null;
  from: string | null;
  messaging_service_sid: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: string;
  sid: string;
  status: MessageStatus;
  subresource_uris: { media: string; feedback: string };
  to: string;
  uri: string;
}

/** Keys in the alphabetical order of a current (2024) Twilio response; order is not significant. */
export function messageJson(m: MessageRecord): MessageJson {
  const path = messagePath(m);
  return {
    account_sid: m.accountSid,
    api_version: API_VERSION,
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: m.dateSent === null ? null : rfc2822(m.dateSent),
    date_updated: rfc2822(m.dateUpdated),
    direction: m.direction,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    // `accepted`: the Messaging Service has not settled the sender yet, so Twilio shows none.
    from: m.status === 'accepted' ? null : m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: String(m.media.length),
    num_segments: String(m.numSegments),
    // Parley does not bill: null is what Twilio shows until a message is priced.
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `${path}/Media.json`, feedback: `${path}/Feedback.json` },
    to: m.to,
    uri: `${path}.json`,
  };
}

export interface MediaJson {
  account_sid: string;
  content_type: string;
  date_created: string;
  date_updated: string;
  parent_sid: string;
  sid: string;
  uri: string;
}

/** One Media entry of a message. Media has no dates of its own here: it shares the message's. */
export function mediaJson(m: MessageRecord, media: MediaRecord): MediaJson {
  return {
    account_sid: m.accountSid,
    content_type: media.contentType,
    date_created: rfc2822(m.dateCreated),
    date_updated: rfc2822(m.dateUpdated),
    parent_sid: m.sid,
    sid: media.sid,
    uri: `${mediaContentPath(m, media)}.json`,
  };
}
