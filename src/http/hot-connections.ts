/**
 * The simulator's inbound route answered on its connection, before `node:http` parses anything.
 *
 * The request-level hot path (./hot-path.ts) skips the framework, but `node:http` still made each
 * request an IncomingMessage and a ServerResponse, with their streams, events and timers: about
 * 11 µs of CPU a request where a bare socket server takes 11 in all (bench/README.md, finding 108).
 * This module takes the server's connections itself and reads each request's head. While a
 * connection sends only the plain case (`POST /simulator/messages` over HTTP/1.1, a form body
 * within the limit, headers it can check, no sign of a browser), it answers here, refusals
 * included (a failed sign-in too), by the same route body and error rule as the other entrances.
 * At the first request of any other kind, it gives the connection to `node:http` with every byte
 * that request and those after it sent, and the connection stays there: node answers it as it
 * always did (400 for a malformed head, 431, 413, the framework's routes), and the request-level
 * hot path still takes the plain requests that follow.
 *
 * Requests on a connection are answered one at a time and in order: a pipelined request waits in
 * the buffer until the one before it is answered, so an answer written here never overtakes one
 * of node's.
 */
import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseForm } from 'fast-querystring';
import type { AccountRecord } from '../stores/records.js';
import { Params } from './form.js';
import { HANDSET_MESSAGE_PATH, answerHandsetMessage, receiveHandsetMessage, type HandsetMessageTarget } from './routes/handset-message.js';
import { readPlainRequest, type PlainRequest } from './plain-request.js';
import type { HttpLoggers } from './refusals.js';

export interface HotConnectionOptions {
  /** The account the Authorization header signs in as; throws when it does not. */
  authenticate(authorization: string | undefined, path: string): Promise<AccountRecord>;
  target: HandsetMessageTarget;
  /** The largest body accepted, in bytes: the framework's own limit. */
  bodyLimit: number;
  loggers: HttpLoggers;
  /** The next request id, from the counter the framework uses too. */
  requestId(): string;
  /** The client's address as the framework reports it, from the peer and its X-Forwarded-For. */
  clientAddress(remoteAddress: string | undefined, forwardedFor: string | undefined): string | undefined;
}

/** Bytes a connection may send ahead of its answers before it is paused. */
const PIPELINED_BYTES = 64 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Makes `server` (an `http.Server`, fastify's) pass each new connection through the hot path first.
 * `closeIdleConnections` and `closeAllConnections`, which a server's close calls, reach these
 * connections too.
 */
export function takeHotConnections(server: Server, options: HotConnectionOptions): void {
  const nodeListeners = server.listeners('connection') as Array<(socket: Socket) => void>;
  if (nodeListeners.length !== 1) throw new Error(`expected node's one connection listener, found ${nodeListeners.length}`);
  const giveToNode = nodeListeners[0]!;
  server.removeAllListeners('connection');
  const open = new Set<HotConnection>();
  const shared: Shared = { server, options, open, closing: false, giveToNode: (socket) => giveToNode.call(server, socket) };
  server.on('connection', (socket: Socket) => {
    open.add(new HotConnection(socket, shared));
  });
  const closeIdle = server.closeIdleConnections.bind(server);
  const closeAll = server.closeAllConnections.bind(server);
  server.closeIdleConnections = () => {
    shared.closing = true;
    for (const connection of open) connection.closeWhenIdle();
    closeIdle();
  };
  server.closeAllConnections = () => {
    shared.closing = true;
    for (const connection of open) connection.destroy();
    closeAll();
  };
}

interface Shared {
  readonly server: Server;
  readonly options: HotConnectionOptions;
  readonly open: Set<HotConnection>;
  /** Set once the server closes: answers then say `Connection: close` and end their connection. */
  closing: boolean;
  giveToNode(socket: Socket): void;
}

class HotConnection {
  /** Bytes received and not yet answered: the head and body of the next request, and any after it. */
  private pending: Buffer | null = null;
  private busy = false;
  private done = false;
  /** The client sent its FIN: what it sent before is answered, then the connection ends. */
  private clientEnded = false;
  /** When the request now in `pending` began to arrive, while it is incomplete (0 otherwise). */
  private partialSince = 0;
  private deadline: NodeJS.Timeout | null = null;
  /** The time the armed deadline allows from `partialSince`. */
  private deadlineLimit = 0;
  private readonly onData = (chunk: Buffer): void => {
    this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    if (!this.busy) this.next();
    // A client pipelining faster than it is answered waits in its socket, not in Parley's memory.
    else if (this.pending.length > PIPELINED_BYTES) this.socket.pause();
  };

  constructor(private readonly socket: Socket, private readonly shared: Shared) {
    socket.setNoDelay(true);
    if (shared.server.keepAliveTimeout > 0) socket.setTimeout(shared.server.keepAliveTimeout);
    socket.on('data', this.onData);
    socket.on('timeout', this.onIdle);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('end', this.onEnd);
  }

  /** Answers what `pending` holds, one request at a time, until it runs out or the connection goes to node. */
  private next(): void {
    const buffer = this.pending;
    if (this.done) return;
    if (buffer === null) {
      if (this.clientEnded) this.end();
      return;
    }
    const request = readPlainRequest(buffer, this.shared.options.bodyLimit);
    if (request === 'head incomplete' || request === 'body incomplete') {
      if (this.clientEnded) this.end();
      else this.waitForRest(request === 'body incomplete');
      return;
    }
    if (request === 'not plain') {
      this.handOver(buffer);
      return;
    }
    this.clearDeadline();
    this.pending = request.length === buffer.length ? null : buffer.subarray(request.length);
    this.busy = true;
    void this.answer(request);
  }

  private async answer(request: PlainRequest): Promise<void> {
    const { options } = this.shared;
    // A refused sign-in too is answered here, by the rule the framework's error handler follows.
    const { status, headers, text } = await answerHandsetMessage(
      async () => {
        const account = await options.authenticate(request.authorization, HANDSET_MESSAGE_PATH);
        return receiveHandsetMessage(options.target, account.sid, Params.from(parseForm(request.body)));
      },
      () => ({ reqId: options.requestId(), method: 'POST', url: HANDSET_MESSAGE_PATH, ip: options.clientAddress(this.socket.remoteAddress, request.forwardedFor) }),
      options.loggers,
    );
    this.busy = false;
    if (this.done) return; // the client went away, or the server closed: the message is stored all the same
    const closing = this.shared.closing;
    let headerLines = '';
    for (const name in headers) headerLines += `${name}: ${headers[name]!}\r\n`;
    this.socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headerLines}content-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(text)}\r\nDate: ${httpDate()}\r\n${closing ? 'Connection: close\r\n' : this.keepAlive()}\r\n${text}`);
    if (closing) {
      this.end();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.next();
  }

  /** Node's keep-alive headers, as it writes them for this server. */
  private keepAlive(): string {
    const timeout = this.shared.server.keepAliveTimeout;
    return timeout ? `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(timeout / 1000)}\r\n` : 'Connection: keep-alive\r\n';
  }

  /** A request not yet whole: node's own deadlines apply (the head within headersTimeout, the whole within requestTimeout). */
  private waitForRest(headWhole: boolean): void {
    if (this.partialSince === 0) this.partialSince = Date.now();
    const { headersTimeout, requestTimeout } = this.shared.server;
    const limit = headWhole ? requestTimeout || Infinity : Math.min(headersTimeout || Infinity, requestTimeout || Infinity);
    if (this.deadline !== null && this.deadlineLimit === limit) return;
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.deadline = null;
    this.deadlineLimit = limit;
    if (limit === Infinity) return;
    this.deadline = setTimeout(() => {
      this.deadline = null;
      if (this.done || this.partialSince === 0) return;
      // As node answers a request that took too long, and on the same terms.
      this.finish();
      this.socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    }, Math.max(0, this.partialSince + limit - Date.now()));
    this.deadline.unref();
  }

  private clearDeadline(): void {
    this.partialSince = 0;
    if (this.deadline !== null) {
      clearTimeout(this.deadline);
      this.deadline = null;
    }
  }

  /** Gives the connection, with `bytes` not yet read, to node's HTTP server for good. */
  private handOver(bytes: Buffer): void {
    this.finish();
    this.pending = null;
    const { socket } = this;
    // A stream that has ended takes no bytes back: a client that half-closed behind a pipelined
    // request node should answer has its connection ended instead (what it sent before was answered).
    if (this.clientEnded || socket.destroyed) {
      socket.end();
      return;
    }
    socket.pause();
    if (bytes.length > 0) socket.unshift(bytes);
    this.shared.giveToNode(socket);
    socket.resume();
  }

  /** No longer this module's: its listeners come off, and closing the server no longer looks at it. */
  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.clearDeadline();
    this.shared.open.delete(this);
    const { socket } = this;
    socket.setTimeout(0);
    socket.removeListener('data', this.onData);
    socket.removeListener('timeout', this.onIdle);
    socket.removeListener('error', this.onError);
    socket.removeListener('close', this.onClose);
    socket.removeListener('end', this.onEnd);
    // node's listener, once it has the socket, handles its errors; until then a late one must not throw.
    socket.on('error', ignore);
  }

  /** Ends the connection once what was written is sent. */
  private end(): void {
    this.finish();
    this.socket.end();
  }

  closeWhenIdle(): void {
    if (!this.busy && this.pending === null) this.destroy();
  }

  destroy(): void {
    this.finish();
    this.socket.destroy();
  }

  /** Idle past the keep-alive timeout, as node closes its own; a request still arriving has its own deadline. */
  private readonly onIdle = (): void => {
    if (!this.busy && this.pending === null) this.destroy();
  };

  private readonly onError = (): void => {
    this.destroy();
  };

  private readonly onEnd = (): void => {
    this.clientEnded = true;
    if (!this.busy) this.next();
  };

  private readonly onClose = (): void => {
    this.finish();
  };
}

function ignore(): void {}

let dateSecond = 0;
let dateText = '';

/** The Date header's value, made once a second as node makes its own. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}
