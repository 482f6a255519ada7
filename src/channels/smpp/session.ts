/**
 * One SMPP session: a TCP (or TLS) connection to the SMSC, bound once, until it ends. It fills the
 * `smpp` library's gaps (reference 1.2, 1.6): every request has its own response timer; the
 * enquire_link timer expects an answer within the response timeout and drops a silent link; the
 * SMSC's enquire_link and unbind are always answered; a PDU that cannot be read ends the session
 * (the library's own reader would stall); and a session is never re-dialled: the link (link.ts)
 * opens a new one per attempt, so an SMSC never sees an old bind come back.
 */
import { isIP } from 'node:net';
import { smpp, STATUS, statusText, type PDU, type PduOptions, type Session } from './library.js';
import { PduFramer, UnreadablePdu } from './framing.js';
import { encodeDeliverSmResp } from './deliver-sm.js';
import { describeTlsAlert } from './tls-alerts.js';

export type BindMode = 'transceiver' | 'transmitter' | 'receiver';

export interface SessionSettings {
  host: string;
  port: number;
  /**
   * SMPP over TLS: the CA bundle to trust (null: the system's), whether to verify at all, the name
   * the SMSC's certificate must carry (null: `host`), and the client certificate and key to present
   * when the SMSC asks for one (null: none).
   */
  tls: { ca: string | null; verify: boolean; servername: string | null; client: { cert: string; key: string } | null } | null;
  systemId: string;
  password: string;
  systemType: string;
  /** The bind's address_range, addr_ton and addr_npi. */
  addressRange: string;
  bindTon: number;
  bindNpi: number;
  interfaceVersion: number;
  enquireLinkMs: number;
  responseTimeoutMs: number;
}

export interface SessionHandlers {
  /** A deliver_sm; the handler answers it with `respond` once it is committed. */
  deliver(pdu: PDU, session: SmppSession): void;
  /** The session ended (called once), with why. */
  closed(reason: string): void;
}

/** Why a request got no response: it timed out, or the session ended first. */
export class SessionError extends Error {
  constructor(message: string, readonly kind: 'timeout' | 'closed' | 'refused') {
    super(message);
  }
}

interface Pending {
  command: string;
  resolve(pdu: PDU): void;
  reject(error: SessionError): void;
  timer: NodeJS.Timeout;
}

/** A request already encoded but for its sequence number (submit-sm.ts): sent as it is, bypassing the library's encoder. */
export class EncodedRequest {
  constructor(readonly encode: (sequence: number) => Buffer) {}
}

export class SmppSession {
  private readonly pending = new Map<number, Pending>();
  private enquireTimer: NodeJS.Timeout | null = null;
  private endReason: string | null = null;
  private closed = false;
  /** Bound once: only then does the end of the session concern the handlers. */
  private bound = false;
  private corked = false;
  /** The last request's sequence number: numbered here, not by the library, so that PDUs encoded here share the count. */
  private sequence = 0;
  private readonly closedPromise: Promise<void>;
  private markClosed!: () => void;

  private constructor(private readonly lib: Session, private readonly settings: SessionSettings, private readonly handlers: SessionHandlers) {
    this.closedPromise = new Promise((resolve) => { this.markClosed = resolve; });
    // Parley reads the socket itself (framing.ts): the library's reader, added as it connected, comes off first.
    lib.socket.removeAllListeners('readable');
    const framer = new PduFramer((pdu) => this.onPdu(pdu));
    lib.socket.on('data', (chunk: Buffer) => {
      try {
        framer.push(chunk);
      } catch (error) {
        if (!(error instanceof UnreadablePdu)) throw error;
        this.end(`unreadable PDU from the SMSC: ${error.message}`);
      }
    });
    lib.on('error', (error: Error) => this.end(describeError(error)));
    lib.on('close', () => this.onClose());
  }

  /**
   * Connects and binds; resolves with the bound session, or rejects with why not (a refused bind
   * says the SMSC's command status). Both steps together are bounded by the response timeout.
   */
  static open(settings: SessionSettings, mode: BindMode, handlers: SessionHandlers): Promise<SmppSession> {
    const lib = smpp.connect(connectOptions(settings));
    const session = new SmppSession(lib, settings, handlers);
    return session.bind(mode);
  }

  get isOpen(): boolean {
    return !this.closed && this.endReason === null;
  }

  /** Requests sent and not yet answered, of one command (all commands when omitted). */
  inFlight(command?: string): number {
    if (command === undefined) return this.pending.size;
    let n = 0;
    for (const p of this.pending.values()) if (p.command === command) n++;
    return n;
  }

  /**
   * Sends a request; resolves with its response whatever its command status (a generic_nack
   * included), or rejects with a SessionError when none comes within the response timeout or the
   * session ends first.
   */
  request(command: string, options: PduOptions | EncodedRequest): Promise<PDU> {
    return new Promise<PDU>((resolve, reject) => this.requestThen(command, options, resolve, reject));
  }

  /**
   * `request` with callbacks: `answered` runs as the response is read, before the PDUs read with it
   * are handled. The send queue records an accepted part there, so that a receipt right behind its
   * submit_sm_resp, in the same read, finds the part (bench/README.md, finding 91). `failed` never
   * runs inside the caller, nor inside the session's own ending (a microtask after either).
   */
  requestThen(command: string, options: PduOptions | EncodedRequest, answered: (response: PDU) => void, failed: (error: SessionError) => void): void {
    if (!this.isOpen) {
      const error = new SessionError(`the session is closed (${this.endReason ?? 'closed'})`, 'closed');
      queueMicrotask(() => failed(error));
      return;
    }
    const seq = this.nextSequence();
    this.cork();
    const pdu = options instanceof EncodedRequest ? options.encode(seq) : new smpp.PDU(command, { ...options, sequence_number: seq }).toBuffer();
    if (!this.write(pdu)) {
      queueMicrotask(() => failed(new SessionError('the connection is not writable', 'closed')));
      return;
    }
    const timer = setTimeout(() => {
      this.pending.delete(seq);
      failed(new SessionError(`no ${command}_resp within ${this.settings.responseTimeoutMs} ms`, 'timeout'));
    }, this.settings.responseTimeoutMs);
    this.pending.set(seq, { command, resolve: answered, reject: failed, timer });
  }

  /** Answers a request from the SMSC; false when the session has ended (the SMSC will send it again). */
  respond(request: PDU, status: number = STATUS.OK): boolean {
    if (this.closed) return false;
    this.cork();
    return this.write(request.command === 'deliver_sm'
      ? encodeDeliverSmResp(request.sequence_number, status)
      : request.response(status === STATUS.OK ? {} : { command_status: status }).toBuffer());
  }

  /** Sequence numbers run from 1 to 0x7FFFFFFF and start again (SMPP 3.4 section 3.2). */
  private nextSequence(): number {
    this.sequence = this.sequence === 0x7fffffff ? 1 : this.sequence + 1;
    return this.sequence;
  }

  /**
   * Writes one PDU, whoever encoded it; false when the socket is not writable. Every PDU goes this
   * way: the library's `send` would add a write callback and a `send` event nothing listens for.
   */
  private write(pdu: Buffer): boolean {
    if (!this.lib.socket.writable) return false;
    this.lib.socket.write(pdu);
    return true;
  }

  /**
   * Gathers the PDUs written in one tick into one write: Nagle is off (a lone PDU goes at once),
   * and the responses to a group commit's worth of deliver_sm go out together, one system call.
   */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.lib.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      this.lib.socket.uncork();
    });
  }

  /**
   * Ends the session cleanly: unbind, wait for unbind_resp (bounded by the response timeout), then
   * close the connection. Resolves once it is closed.
   */
  async unbind(): Promise<void> {
    if (this.isOpen) {
      this.stopEnquireLink();
      await this.request('unbind', {}).catch(() => undefined);
      this.end('unbound by Parley', false);
      // An SMSC that keeps its side open after unbind_resp is not waited for.
      const timer = setTimeout(() => this.lib.destroy(), this.settings.responseTimeoutMs);
      await this.closedPromise;
      clearTimeout(timer);
    }
    await this.closedPromise;
  }

  /** Ends the session at once (a silent link, a parse error, a session-level error status). */
  destroy(reason: string): Promise<void> {
    this.end(reason);
    return this.closedPromise;
  }

  private async bind(mode: BindMode): Promise<SmppSession> {
    const connectTimer = setTimeout(() => this.end(`could not connect within ${this.settings.responseTimeoutMs} ms`), this.settings.responseTimeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        this.lib.once(this.settings.tls ? 'secureConnect' : 'connect', () => resolve());
        void this.closedPromise.then(() => reject(new SessionError(this.endReason ?? 'connection closed', 'closed')));
      });
    } finally {
      clearTimeout(connectTimer);
    }
    this.lib.socket.setNoDelay(true);
    const { systemId, password, systemType, interfaceVersion, addressRange, bindTon, bindNpi } = this.settings;
    const response = await this.request(`bind_${mode}`, {
      system_id: systemId, password, system_type: systemType, interface_version: interfaceVersion, addr_ton: bindTon, addr_npi: bindNpi, address_range: addressRange,
    }).catch((error: unknown) => {
      this.end(error instanceof Error ? error.message : String(error));
      throw error;
    });
    if (response.command_status !== STATUS.OK) {
      const reason = `bind refused: ${statusText(response.command_status)}`;
      this.end(reason);
      await this.closedPromise;
      throw new SessionError(reason, 'refused');
    }
    if (!this.isOpen) throw new SessionError(this.endReason ?? 'connection closed', 'closed');
    this.bound = true;
    this.enquireTimer = setInterval(() => this.enquireLink(), this.settings.enquireLinkMs);
    this.enquireTimer.unref();
    return this;
  }

  /** A link that leaves an enquire_link unanswered for the response timeout is dropped. */
  private enquireLink(): void {
    if (this.inFlight('enquire_link') > 0) return;
    this.request('enquire_link', {}).catch((error: unknown) => {
      if (error instanceof SessionError && error.kind === 'timeout') this.end(`the SMSC left enquire_link unanswered for ${this.settings.responseTimeoutMs} ms`);
    });
  }

  private stopEnquireLink(): void {
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    this.enquireTimer = null;
  }

  private onPdu(pdu: PDU): void {
    if (pdu.isResponse()) {
      const pending = this.pending.get(pdu.sequence_number);
      if (!pending) return; // an answer after its timeout: the request was already given up
      this.pending.delete(pdu.sequence_number);
      clearTimeout(pending.timer);
      pending.resolve(pdu);
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        this.respond(pdu);
        return;
      case 'unbind':
        this.respond(pdu);
        this.end('the SMSC unbound', false);
        return;
      case 'deliver_sm':
        this.handlers.deliver(pdu, this);
        return;
      case 'alert_notification':
      case 'outbind':
        return; // no response exists for these
      default:
        // Anything else (data_sm, query_sm, an unknown command): not supported, and said so.
        this.respond(pdu, STATUS.INVALID_COMMAND_ID);
    }
  }

  /**
   * Starts ending the session: `hard` destroys the socket (a dead or broken link); otherwise the
   * connection is closed after what was written (after an unbind exchange).
   */
  private end(reason: string, hard = true): void {
    if (this.closed) return;
    this.endReason ??= reason;
    this.stopEnquireLink();
    if (hard) this.lib.destroy();
    else this.lib.close();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    // An SMSC that checks client certificates may close a connection whose certificate it refuses
    // without an alert (a Node server does): say so where that is the likeliest cause.
    this.endReason ??= !this.bound && this.settings.tls?.client
      ? 'the SMSC closed the connection before answering the bind; check that it trusts the client certificate (tls-cert)'
      : 'the SMSC closed the connection';
    this.stopEnquireLink();
    for (const [seq, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(seq);
      const error = new SessionError(`the session ended before ${pending.command}_resp (${this.endReason})`, 'closed');
      queueMicrotask(() => pending.reject(error)); // after the session has ended, never inside it
    }
    this.markClosed();
    if (this.bound) this.handlers.closed(this.endReason);
  }
}

function connectOptions(settings: SessionSettings): Parameters<typeof smpp.connect>[0] {
  const { host, port, tls } = settings;
  if (!tls) return { host, port };
  return {
    host, port, tls: true, rejectUnauthorized: tls.verify,
    ...(tls.ca !== null ? { ca: tls.ca } : {}),
    ...(tls.client !== null ? { cert: tls.client.cert, key: tls.client.key } : {}),
    // SNI and the certificate's name check use the configured server name, else the host name; an
    // IP address is checked against the IP SANs.
    ...(tls.servername !== null ? { servername: tls.servername } : isIP(host) === 0 ? { servername: host } : {}),
  };
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  const alert = code === undefined ? null : describeTlsAlert(code, error.message);
  if (alert !== null) return alert;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ERR_TLS/.test(code)) return `TLS: ${error.message} (${code})`;
  return code ? `${error.message} (${code})` : error.message;
}
