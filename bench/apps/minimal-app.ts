/**
 * The minimal webhook app every workload calls: plain node:http, as little work as an app can do.
 *
 * - POST (Parley's SmsUrl, and the HTTP ceiling): reads the form, answers a fixed TwiML
 *   `<Message>` and, on a conversation's first turn (no Cookie yet), a session cookie, so the
 *   gateway's cookie jar is exercised as a real app would exercise it.
 * - GET (Kannel's smsbox `get-url`): answers the same text as text/plain, which Kannel sends back
 *   as the reply.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tagMessageSid } from './host.js';

export const REPLY_TEXT = 'Thanks, got it.';
const TWIML = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>${REPLY_TEXT}</Message></Response>`);
const TEXT = Buffer.from(REPLY_TEXT);

let sessions = 0;

export function minimalApp(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': TEXT.length }).end(TEXT);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('latin1'));
    const sid = form.get('MessageSid');
    if (sid) tagMessageSid(res, sid);
    const headers: Record<string, string | number> = {
      'content-type': 'text/xml; charset=utf-8',
      'content-length': TWIML.length,
    };
    if (req.headers.cookie === undefined) headers['set-cookie'] = `sid=s${++sessions}; Path=/; HttpOnly`;
    res.writeHead(200, headers).end(TWIML);
  });
}
