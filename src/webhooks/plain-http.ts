/**
 * A webhook request over plain HTTP/1.1 on `node:net`, for `http:` URLs: the request written as
 * one buffer, the response read by ./response-parser.ts, and idle connections kept per origin.
 * It does what the webhook client needs and no more (no pipelining, no upgrade, no trailers
 * kept), and so costs less than undici's general machinery around the same exchange
 * (bench/README.md, finding 61). `https:` URLs stay on undici.
 *
 * An attempt settles exactly once, with the response or with the error that ended it, and never
 * later than its deadline; a connection is reused only after a response read completely and not
 * marked `Connection: close`.
 */
import { connect, type Socket } from 'node:net';
import { BodyCollector, type ReadOutcome, type ReadResponse } from './response-reader.js';
import { ResponseParser } from './response-parser.js';

export interface PlainRequest {
  /** What to connect to: a name or an IP address (without brackets). */
  host: string;
  port: number;
  /** The Host header: the URL's host, with its port when not the default. */
  hostHeader: string;
  method: string;
  /** The path and query, as they go on the request line. */
  path: string;
  /** Lower-case names; host, connection and content-length are added here. */
  headers: Record<string, string>;
  body: string | undefined;
  connectTimeoutMs: number;
  /** For the response's head once the request is written, then between chunks of its body. */
  readTimeoutMs: number;
  /** The attempt's whole budget. */
  timeoutMs: number;
  /** Bytes of body kept; past them the response is `tooLarge` and the connection closed. */
  limit: number;
}

export interface PlainHttpOptions {
  /** Connections per origin, busy and idle. */
  connections: number;
  /** How long an idle connection is kept. */
  keepAliveMs: number;
  lookup?: (hostname: string, options: object, callback: (error: NodeJS.ErrnoException | null, address: string | unknown[], family?: number) => void) => void;
}

/** An error with the code (undici's names) and name the webhook client classifies by. */
function failure(code: string, message: string, name = 'Error'): Error {
  return Object.assign(new Error(message), { code, name });
}

/** What a header value may not hold (undici's rule): controls other than tab, and anything past latin1. */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** What a connection's listeners pass its events to while an exchange uses it. */
interface SocketUser {
  onData(chunk: Buffer): void;
  onEnd(): void;
  fail(error: Error): void;
}

/**
 * One connection of the pool. Its listeners are set once, when it opens, and pass the socket's
 * events to the exchange using it; while it is idle, any event gives it up (the server closed it,
 * or sent what it must not). Adding and removing three listeners around every exchange, and three
 * more around every idle spell, was measurable in a turn's instructions (bench/README.md, finding 62).
 */
class Connection {
  private user: SocketUser | null = null;
  /** Given up: events that still come are ignored (an error after `destroy` must not be thrown). */
  private retired = false;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(readonly socket: Socket, private readonly onIdleEnd: (connection: Connection) => void) {
    socket.on('data', (chunk: Buffer) => {
      if (this.user) this.user.onData(chunk);
      else this.endIdle();
    });
    socket.on('end', () => {
      if (this.user) this.user.onEnd();
      else this.endIdle();
    });
    // An error is not retried, even on a kept connection before any byte came back, as undici does
    // not: the app may have the request (it can hang, then drop the connection).
    socket.on('error', (error: Error) => {
      if (this.user) this.user.fail(error);
      else this.endIdle();
    });
  }

  /** An exchange takes the connection: its events go to `user`, and it keeps the process alive. */
  use(user: SocketUser): void {
    this.stopIdleTimer();
    this.user = user;
    this.socket.ref();
  }

  /** Kept for the next exchange: given up after `keepAliveMs`, and it no longer keeps the process alive. */
  rest(keepAliveMs: number): void {
    this.user = null;
    this.idleTimer = setTimeout(endIdleSpell, keepAliveMs, this);
    this.idleTimer.unref();
    this.socket.unref();
  }

  /** The idle spell is over (its time ran out, or the server spoke or closed): given up, once. */
  endIdle(): void {
    if (!this.retired) this.onIdleEnd(this);
  }

  retire(): void {
    this.retired = true;
    this.user = null;
    this.stopIdleTimer();
    this.socket.destroy();
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}

/** The idle timer's callback: one function for every connection, without a closure each. */
function endIdleSpell(connection: Connection): void {
  connection.endIdle();
}

interface Origin {
  idle: Connection[];
  busy: number;
  waiting: Array<() => void>;
}

export class PlainHttpPool {
  private readonly origins = new Map<string, Origin>();
  private readonly open = new Set<Socket>();
  private closed = false;

  constructor(private readonly options: PlainHttpOptions) {}

  request(req: PlainRequest, done: (outcome: ReadOutcome) => void): void {
    const key = `${req.host}:${req.port}`;
    let origin = this.origins.get(key);
    if (!origin) this.origins.set(key, (origin = { idle: [], busy: 0, waiting: [] }));
    const exchange = new Exchange(req, this, origin, done);
    exchange.start();
  }

  /** A connection for the exchange: an idle one, a new one, or (at the limit) the next one released. */
  acquire(origin: Origin, req: PlainRequest, ready: (connection: Connection, reused: boolean) => void, cancelled: () => boolean): void {
    if (this.closed) throw failure('UND_ERR_DESTROYED', 'the webhook client is closed');
    const idle = origin.idle.pop();
    if (idle) {
      origin.busy++;
      ready(idle, true);
      return;
    }
    if (origin.busy < this.options.connections) {
      origin.busy++;
      const socket = connect({ host: req.host, port: req.port, noDelay: true, ...(this.options.lookup ? { lookup: this.options.lookup as never } : {}) });
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
      ready(new Connection(socket, (connection) => this.dropIdle(origin, connection)), false);
      return;
    }
    origin.waiting.push(() => {
      if (!cancelled()) this.acquire(origin, req, ready, cancelled);
      else this.wakeOne(origin); // out of time while waiting: the freed slot goes to the next
    });
  }

  /** The exchange is over: keep the connection for the next, or close it; then wake a waiter. */
  release(origin: Origin, connection: Connection, reusable: boolean, keepAliveMs: number): void {
    origin.busy--;
    if (reusable && keepAliveMs > 0 && !this.closed && !connection.socket.destroyed) {
      connection.rest(keepAliveMs);
      origin.idle.push(connection);
    } else {
      connection.retire();
    }
    this.wakeOne(origin);
  }

  /** An idle connection timed out, or the server closed it or sent what it must not: given up. */
  private dropIdle(origin: Origin, connection: Connection): void {
    const i = origin.idle.indexOf(connection);
    if (i >= 0) origin.idle.splice(i, 1);
    connection.retire();
  }

  private wakeOne(origin: Origin): void {
    const next = origin.waiting.shift();
    if (next) next();
  }

  /** Keeps busy connections to the end of their exchange; closes the idle ones. */
  close(): void {
    this.closed = true;
    for (const origin of this.origins.values()) {
      for (const connection of origin.idle) connection.retire();
      origin.idle.length = 0;
    }
  }

  destroy(): void {
    this.close();
    for (const socket of this.open) socket.destroy(failure('UND_ERR_DESTROYED', 'the webhook client was destroyed'));
  }

  get defaultKeepAliveMs(): number {
    return this.options.keepAliveMs;
  }
}

/** One request and its response on one connection. */
class Exchange implements SocketUser {
  private settled = false;
  private connection: Connection | null = null;
  private readonly deadline: NodeJS.Timeout;
  private readTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private readonly parser: ResponseParser;
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  private readonly body: BodyCollector;
  private keepAlive = false;
  private keepAliveMs: number;

  constructor(private readonly req: PlainRequest, private readonly pool: PlainHttpPool, private readonly origin: Origin, private readonly done: (outcome: ReadOutcome) => void) {
    this.keepAliveMs = pool.defaultKeepAliveMs;
    this.body = new BodyCollector(req.limit);
    this.parser = new ResponseParser(req.method, {
      head: (head) => {
        this.status = head.status;
        this.headers = head.headers;
        this.keepAlive = head.keepAlive;
        // Given up a second before the server would close it, as undici does.
        if (head.keepAliveHintMs !== null) this.keepAliveMs = Math.min(this.keepAliveMs, head.keepAliveHintMs - 1000);
      },
      data: (piece) => this.keep(piece),
      end: (nothingAfter) => this.finish({ response: this.response(false) }, this.keepAlive && nothingAfter),
    });
    this.deadline = setTimeout(() => this.fail(failure('UND_ERR_ABORTED', 'the webhook ran out of its total time', 'TimeoutError')), req.timeoutMs);
  }

  start(): void {
    try {
      this.pool.acquire(this.origin, this.req, (connection, reused) => this.use(connection, reused), () => this.settled);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Called at once by `acquire`, so never after the exchange settled (a waiter out of time is skipped there). */
  private use(connection: Connection, reused: boolean): void {
    this.connection = connection;
    connection.use(this);
    if (reused) {
      this.write();
      return;
    }
    this.connectTimer = setTimeout(() => {
      this.fail(failure('UND_ERR_CONNECT_TIMEOUT', `Connect Timeout Error (attempted address: ${this.req.host}:${this.req.port}, timeout: ${this.req.connectTimeoutMs}ms)`, 'ConnectTimeoutError'));
    }, this.req.connectTimeoutMs);
    connection.socket.once('connect', () => {
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
      this.write();
    });
  }

  private write(): void {
    const { req } = this;
    let text = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${req.hostHeader}\r\nconnection: keep-alive\r\n`;
    for (const name in req.headers) {
      const value = req.headers[name]!;
      if (INVALID_HEADER_VALUE.test(value)) return this.fail(failure('UND_ERR_INVALID_ARG', `invalid ${name} header`));
      text += `${name}: ${value}\r\n`;
    }
    if (req.body !== undefined) text += `content-length: ${Buffer.byteLength(req.body)}\r\n\r\n${req.body}`;
    else text += '\r\n';
    this.connection!.socket.write(text, 'latin1');
    this.armReadTimer();
  }

  private armReadTimer(): void {
    if (this.readTimer) this.readTimer.refresh();
    else this.readTimer = setTimeout(() => this.fail(failure('UND_ERR_HEADERS_TIMEOUT', 'the app sent no complete response in time', 'TimeoutError')), this.req.readTimeoutMs);
  }

  onData(chunk: Buffer): void {
    if (this.settled) return;
    this.armReadTimer();
    try {
      this.parser.feed(chunk);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Keeps a piece of the body; past the limit, ends the exchange (the rest is not read). */
  private keep(piece: Buffer): boolean {
    if (this.settled) return false;
    if (this.body.add(piece)) return true;
    this.finish({ response: this.response(true) }, false);
    return false;
  }

  private response(tooLarge: boolean): ReadResponse {
    return { status: this.status, headers: this.headers, body: this.body.text(), tooLarge };
  }

  onEnd(): void {
    if (this.settled || this.parser.ended()) return;
    this.fail(failure('UND_ERR_SOCKET', 'other side closed'));
  }

  fail(error: Error): void {
    this.finish({ error }, false);
  }

  private finish(outcome: ReadOutcome, reusable: boolean): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.deadline);
    if (this.readTimer) clearTimeout(this.readTimer);
    if (this.connectTimer) clearTimeout(this.connectTimer);
    const { connection } = this;
    this.connection = null;
    if (connection) this.pool.release(this.origin, connection, reusable, this.keepAliveMs);
    this.done(outcome);
  }
}
