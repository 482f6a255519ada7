/**
 * The Message resource as JSON text, written directly: the hot routes (the 201 of a handset's
 * message, every `message` event on the live stream) serialize a message four or five times per
 * turn, and `JSON.stringify` of the object escapes all twenty of its strings each time (a tenth of
 * a turn's instructions went to JSON). Here only the strings a user or an app chose (body,
 * addresses, error message) go through `JSON.stringify`; SIDs, dates, statuses and numbers are
 * known to need no escaping. The text is exactly `JSON.stringify(messageJson(m))` (a property test
 * checks it), and one record's text is made once (records are never changed in place).
 */
import type { MessageRecord } from '../../stores/records.js';
import { accountPath } from './account.js';
import { rfc2822 } from './dates.js';

const texts = new WeakMap<MessageRecord, string>();

const str = (s: string | null): string => (s === null ? 'null' : JSON.stringify(s));

export function messageJsonText(m: MessageRecord): string {
  let text = texts.get(m);
  if (text !== undefined) return text;
  const path = `${accountPath(m.accountSid)}/Messages/${m.sid}`;
  // One join, not a template of forty pieces: the template makes a tree of concatenations that
  // every use must walk and every scavenge must copy node by node while the record lives; the join
  // makes the text one flat string at once (bench/README.md, finding 69).
  text = [
    '{"account_sid":"', m.accountSid, '","api_version":"2010-04-01","body":', JSON.stringify(m.body),
    ',"date_created":"', rfc2822(m.dateCreated), '","date_sent":', m.dateSent === null ? 'null' : `"${rfc2822(m.dateSent)}"`,
    ',"date_updated":"', rfc2822(m.dateUpdated), '","direction":"', m.direction,
    '","error_code":', m.errorCode === null ? 'null' : String(m.errorCode), ',"error_message":', str(m.errorMessage),
    ',"from":', m.status === 'accepted' ? 'null' : JSON.stringify(m.from), ',"messaging_service_sid":', str(m.messagingServiceSid),
    ',"num_media":"', String(m.media.length), '","num_segments":"', String(m.numSegments), '","price":null,"price_unit":"USD","sid":"', m.sid,
    '","status":"', m.status, '","subresource_uris":{"media":"', path, '/Media.json","feedback":"', path, '/Feedback.json"},"to":', JSON.stringify(m.to),
    ',"uri":"', path, '.json"}',
  ].join('');
  texts.set(m, text);
  return text;
}
