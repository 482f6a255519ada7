/**
 * A plain `POST /simulator/messages` read from a connection's bytes, for ./hot-connections.ts: the
 * request line, the head's lines checked as node checks them, and only the headers the route and
 * its log need. Anything node must answer, or might answer otherwise, is 'not plain'.
 */
import { HANDSET_MESSAGE_PATH } from './routes/handset-message.js';
import { BROWSER_HEADERS } from '../console/host-guard.js';

/** node's own limit on a request's head (`--max-http-header-size`). */
const MAX_HEAD_BYTES = 16 * 1024;
const REQUEST_LINE = `POST ${HANDSET_MESSAGE_PATH} HTTP/1.1\r\n`;
const HEAD_END = Buffer.from('\r\n\r\n');
/** A header line as RFC 9110 allows it (a token, a colon, visible text, spaces and tabs); node answers 400 to anything else. */
const HEADER_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^\d+$/;

/** What a complete plain request brings: the bytes it took, and what the answer needs. */
export interface PlainRequest {
  readonly length: number;
  readonly authorization: string | undefined;
  readonly forwardedFor: string | undefined;
  readonly body: string;
}

/**
 * The first request in `buffer`, when it is the plain case and whole; 'head incomplete' or 'body
 * incomplete' when more bytes could still make it so; 'not plain' for anything node should answer.
 */
export function readPlainRequest(buffer: Buffer, bodyLimit: number): PlainRequest | 'head incomplete' | 'body incomplete' | 'not plain' {
  const headEnd = buffer.indexOf(HEAD_END);
  if (headEnd < 0) {
    if (buffer.length > MAX_HEAD_BYTES) return 'not plain';
    // Compare what has come of the request line: a GET need not wait for its whole head.
    const start = buffer.toString('latin1', 0, Math.min(buffer.length, REQUEST_LINE.length));
    return REQUEST_LINE.startsWith(start) ? 'head incomplete' : 'not plain';
  }
  if (headEnd + 4 > MAX_HEAD_BYTES) return 'not plain';
  const head = buffer.toString('latin1', 0, headEnd + 2);
  if (!head.startsWith(REQUEST_LINE)) return 'not plain';
  let contentLength: string | undefined;
  let contentType: string | undefined;
  let authorization: string | undefined;
  let forwardedFor: string | undefined;
  let host = false;
  for (let at = REQUEST_LINE.length; at < head.length;) {
    const end = head.indexOf('\r\n', at);
    const line = head.slice(at, end);
    at = end + 2;
    if (!HEADER_LINE.test(line)) return 'not plain';
    const colon = line.indexOf(':');
    const value = trimWhitespace(line.slice(colon + 1));
    const name = line.slice(0, colon).toLowerCase();
    switch (name) {
      case 'content-length':
        if (contentLength !== undefined || !DIGITS.test(value)) return 'not plain';
        contentLength = value;
        break;
      case 'content-type':
        if (contentType !== undefined) return 'not plain';
        contentType = value;
        break;
      case 'authorization':
        if (authorization !== undefined) return 'not plain';
        authorization = value;
        break;
      case 'host':
        if (host) return 'not plain';
        host = true;
        break;
      case 'connection':
        if (value.toLowerCase() !== 'keep-alive') return 'not plain';
        break;
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        break;
      // Bodies framed otherwise and upgrades stay with node and the framework.
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return 'not plain';
      default:
        // So do browsers: the console's Host check is the framework's.
        if (BROWSER_HEADERS.includes(name)) return 'not plain';
        break;
    }
  }
  // node answers 400 to an HTTP/1.1 request without Host.
  if (!host || contentLength === undefined || contentType === undefined || !isFormType(contentType)) return 'not plain';
  const length = Number(contentLength);
  if (length > bodyLimit) return 'not plain';
  const bodyStart = headEnd + 4;
  if (buffer.length < bodyStart + length) return 'body incomplete';
  return { length: bodyStart + length, authorization, forwardedFor, body: buffer.toString('utf8', bodyStart, bodyStart + length) };
}

/** Without the spaces and tabs around it, as node reads a header's value (`trim` would take more). */
function trimWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** Whether a Content-Type names a form, parameters aside: what both hot paths take. */
export function isFormType(type: string): boolean {
  const semicolon = type.indexOf(';');
  return (semicolon < 0 ? type : type.slice(0, semicolon)).trim().toLowerCase() === 'application/x-www-form-urlencoded';
}
