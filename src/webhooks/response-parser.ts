/**
 * Reads an HTTP/1.x response as its bytes arrive, in pieces cut anywhere: the status line and
 * headers, then the body framed by Content-Length, by chunks, or by the connection's end. Values
 * come out as undici hands them over (names in lower case, repeated headers as arrays, leading
 * whitespace dropped), so an exchange reads the same over either client. What HTTP does not allow
 * is thrown as an error with an `HPE_` code, as llhttp names it: the webhook client reports those as
 * protocol violations (11206).
 */

export interface ResponseHead {
  status: number;
  headers: Record<string, string | string[]>;
  /** HTTP/1.1 and no `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`; and framed. */
  keepAlive: boolean;
  /** The server's `Keep-Alive: timeout=N`, in ms, if it gave one. */
  keepAliveHintMs: number | null;
}

export interface ResponseSink {
  head(head: ResponseHead): void;
  /** A piece of the body; answers false to stop reading (the parser then ignores the rest). */
  data(piece: Buffer): boolean;
  /** The whole response has been read; `nothingAfter` is false when bytes followed it. */
  end(nothingAfter: boolean): void;
}

const MAX_HEAD_BYTES = 16 * 1024;
const MAX_CHUNK_LINE = 1024;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: .*)?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,8})(?:[ \t]*;.*)?$/;

function protocolError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export class ResponseParser {
  private head: Buffer | null = null;
  private headRead = false;
  private framing: 'length' | 'chunked' | 'close' | 'none' = 'none';
  private remaining = 0;
  private chunkState: 'size' | 'data' | 'data-crlf' | 'trailers' = 'size';
  private line = '';
  private stopped = false;

  constructor(private readonly method: string, private readonly sink: ResponseSink) {}

  /** Reads the next bytes; throws on what HTTP does not allow. */
  feed(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0 && !this.stopped) {
      if (!this.headRead) {
        const joined = this.head ? Buffer.concat([this.head, data]) : data;
        const end = joined.indexOf('\r\n\r\n');
        if (end < 0) {
          if (joined.length > MAX_HEAD_BYTES) throw protocolError('HPE_HEADER_OVERFLOW', 'Header overflow');
          this.head = joined;
          return;
        }
        this.head = null;
        data = joined.subarray(end + 4);
        if (!this.readHead(joined.toString('latin1', 0, end))) continue; // a 1xx: the real head follows
        if (this.framing === 'none') return this.finish(data.length === 0);
        continue;
      }
      data = this.framing === 'chunked' ? this.chunked(data) : this.body(data);
    }
  }

  /** The connection ended: true if that completed the response (a body framed by the end). */
  ended(): boolean {
    if (this.stopped || !this.headRead || this.framing !== 'close') return false;
    this.finish(false);
    return true;
  }

  /** Reads the status line and headers; false for a 1xx, after which the real head follows. */
  private readHead(text: string): boolean {
    const lines = text.split('\r\n');
    const match = STATUS_LINE.exec(lines[0]!);
    if (!match) throw protocolError('HPE_INVALID_CONSTANT', 'Expected HTTP/');
    const status = Number(match[2]);
    const headers: Record<string, string | string[]> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const rawName = line.slice(0, colon);
      if (colon <= 0 || !TOKEN.test(rawName)) throw protocolError('HPE_INVALID_HEADER_TOKEN', 'Invalid header token');
      const name = rawName.toLowerCase();
      // The value's leading spaces and tabs skipped by index, not by a regular expression's replace
      // on every header line (bench/README.md, finding 106).
      let start = colon + 1;
      while (start < line.length && (line.charCodeAt(start) === 0x20 || line.charCodeAt(start) === 0x09)) start++;
      const value = line.slice(start);
      const prior = headers[name];
      headers[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
    }
    if (status < 200) return false;
    this.headRead = true;
    const connection = String(headers.connection ?? '').toLowerCase();
    let keepAlive = match[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const encoding = headers['transfer-encoding'];
    const length = headers['content-length'];
    if (this.method === 'HEAD' || status === 204 || status === 304) this.framing = 'none';
    else if (encoding !== undefined) {
      if (Array.isArray(encoding) || !/(^|,)\s*chunked\s*$/i.test(encoding) || length !== undefined) {
        throw protocolError('HPE_INVALID_TRANSFER_ENCODING', 'Invalid Transfer-Encoding');
      }
      this.framing = 'chunked';
    } else if (length !== undefined) {
      if (Array.isArray(length) || !/^\d{1,15}$/.test(length.trim())) throw protocolError('HPE_INVALID_CONTENT_LENGTH', 'Invalid Content-Length');
      this.remaining = Number(length.trim());
      this.framing = this.remaining === 0 ? 'none' : 'length';
    } else {
      this.framing = 'close';
      keepAlive = false;
    }
    const hint = /timeout=(\d+)/i.exec(String(headers['keep-alive'] ?? ''));
    this.sink.head({ status, headers, keepAlive, keepAliveHintMs: hint ? Number(hint[1]) * 1000 : null });
    return true;
  }

  /** A body framed by length or by the connection's end; returns what follows it. */
  private body(data: Buffer): Buffer {
    if (this.framing === 'close') {
      this.deliver(data);
      return data.subarray(data.length);
    }
    const take = Math.min(this.remaining, data.length);
    this.deliver(data.subarray(0, take));
    this.remaining -= take;
    if (this.remaining === 0 && !this.stopped) this.finish(take === data.length);
    return data.subarray(take);
  }

  private chunked(data: Buffer): Buffer {
    let at = 0;
    while (at < data.length && !this.stopped) {
      if (this.chunkState === 'data') {
        const take = Math.min(this.remaining, data.length - at);
        this.deliver(data.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.chunkState = 'data-crlf';
        continue;
      }
      const eol = data.indexOf(10, at);
      if (eol < 0) {
        this.line += data.toString('latin1', at);
        if (this.line.length > MAX_CHUNK_LINE) throw protocolError('HPE_INVALID_CHUNK_SIZE', 'Invalid chunk size');
        return data.subarray(data.length);
      }
      const line = (this.line + data.toString('latin1', at, eol)).replace(/\r$/, '');
      this.line = '';
      at = eol + 1;
      if (this.chunkState === 'data-crlf') {
        if (line !== '') throw protocolError('HPE_STRICT', 'Expected CRLF after chunk');
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const size = CHUNK_SIZE.exec(line);
        if (!size) throw protocolError('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size');
        this.remaining = parseInt(size[1]!, 16);
        this.chunkState = this.remaining === 0 ? 'trailers' : 'data';
      } else if (line === '') { // the end of the trailers (which are not kept), and of the body
        this.finish(at === data.length);
        return data.subarray(data.length);
      }
    }
    return data.subarray(at);
  }

  private deliver(piece: Buffer): void {
    if (piece.length > 0 && !this.sink.data(piece)) this.stopped = true;
  }

  private finish(nothingAfter: boolean): void {
    this.stopped = true;
    this.sink.end(nothingAfter);
  }
}
