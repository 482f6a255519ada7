/**
 * A new message record with Twilio's derived fields filled in one place: `SM`/`MM` SID by media,
 * `ME` SIDs for media, the segment count (1 for MMS, reference "Parley's decisions"), and the
 * empty defaults. Inbound messages, TwiML replies, API messages and keyword replies use it.
 */
import type { MessageRecord } from '../stores/records.js';
import { newSid } from '../ids/sid.js';
import { segmentsOf } from './segments.js';

/** The record's own fields a caller gives; the SID, segment count, media SIDs and creation dates are derived. */
export interface NewMessage
  extends Pick<MessageRecord, 'accountSid' | 'direction' | 'from' | 'to' | 'body' | 'status'>,
    Partial<Pick<MessageRecord, 'messagingServiceSid' | 'statusCallback' | 'inboundSid' | 'replySeq' | 'dateSent' | 'validUntil'>> {
  at: number;
  /** Media URLs, with their content type when the sender gave one. */
  media?: ReadonlyArray<{ url: string; contentType?: string }>;
}

export function newMessage(m: NewMessage): MessageRecord {
  const media = m.media ?? [];
  return {
    sid: newSid(media.length ? 'MM' : 'SM', m.at),
    accountSid: m.accountSid,
    direction: m.direction,
    from: m.from,
    to: m.to,
    body: m.body,
    status: m.status,
    numSegments: media.length ? 1 : segmentsOf(m.body).segments,
    media: media.map((item, i) => ({ sid: newSid('ME', m.at + i), url: item.url, contentType: item.contentType ?? guessContentType(item.url) })),
    errorCode: null,
    errorMessage: null,
    messagingServiceSid: m.messagingServiceSid ?? null,
    statusCallback: m.statusCallback ?? null,
    statusCallbackMethod: 'POST',
    inboundSid: m.inboundSid ?? null,
    replySeq: m.replySeq ?? null,
    dateCreated: m.at,
    dateUpdated: m.at,
    dateSent: m.dateSent ?? null,
    validUntil: m.validUntil ?? null,
  };
}

const MEDIA_TYPES: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp',
  mp4: 'video/mp4', mp3: 'audio/mpeg', pdf: 'application/pdf', vcf: 'text/vcard', txt: 'text/plain',
};

/** The content type a media URL most likely has, from its extension (MediaContentTypeN). */
export function guessContentType(url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  return (ext && MEDIA_TYPES[ext]) ?? 'application/octet-stream';
}
