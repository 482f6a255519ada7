/**
 * An SMSC test double on the `smpp` library's server side (plain or TLS, 127.0.0.1, port 0).
 * Scriptable: refuse binds (all, or those past an account's limit), answer each submit_sm with any
 * status after any delay or never (held, answered later by the test), leave enquire_link
 * unanswered, drop every connection, send messages from handsets (any data_coding, UDH or SAR
 * parts, in any order) and delivery receipts (TLV or text form, ids in hex or decimal). It records every PDU the gateway sends, with the
 * most submit_sm ever outstanding per session and the time of each, so tests check addresses,
 * TON/NPI, data_coding, UDH, registered_delivery, the window and the throughput.
 * Tests wait on its events (`until`), never on sleeps.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { smpp, type PDU, type PduOptions, type Server, type Session } from '../../src/channels/smpp/library.js';

export interface SmscOptions {
  /** SMPP over TLS; with `clientCa` the double asks for a client certificate and ends a connection without one this CA signed. */
  tls?: { key: string; cert: string; clientCa?: string };
  systemId?: string;
  password?: string;
  /** How submit_sm_resp writes message ids (default hex). */
  messageIds?: 'hex' | 'decimal';
  /** Receipts sent by itself after each accepted submit_sm asking for one (default none). */
  autoReceipt?: ReceiptForm | 'none';
  /** The port to listen on (a restarted double takes its predecessor's). */
  port?: number;
}

export type ReceiptForm = 'tlv' | 'text' | 'both';

export interface SubmitRecord {
  pdu: PDU;
  session: number;
  at: number;
  /** The id it was (or will be) answered with. */
  messageId: string;
  status: number | null;
  answer(status?: number): void;
}

/** What to do with one submit_sm: answer now (default ESME_ROK), after a delay, or hold it. */
export interface SubmitAnswer {
  status?: number;
  delayMs?: number;
  hold?: boolean;
}

export interface DeliverSpec {
  from: string;
  to: string;
  fromTon?: number;
  toTon?: number;
  dataCoding?: number;
  esmClass?: number;
  shortMessage: Buffer;
  tlvs?: PduOptions;
}

export interface ReceiptSpec {
  /** The id as the submit_sm_resp gave it. */
  messageId: string;
  form: ReceiptForm;
  stat?: string;
  err?: string;
  /** How the text writes the id (default: as given). */
  textId?: string;
  messageState?: number;
  networkErrorCode?: Buffer;
  dataCoding?: number;
  from?: string;
  to?: string;
}

const MESSAGE_STATE: Readonly<Record<string, number>> = { ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8 };

interface BoundSession {
  id: number;
  session: Session;
  mode: string;
  outstanding: number;
  maxOutstanding: number;
}

export class SmscDouble extends EventEmitter {
  readonly pdus: Array<{ session: number; pdu: PDU; at: number }> = [];
  readonly submits: SubmitRecord[] = [];
  /** Every bind asked for; `clientCertificate` is the common name of the certificate the gateway presented over TLS, if any. */
  readonly binds: Array<{ session: number; pdu: PDU; status: number; clientCertificate: string | null }> = [];
  readonly sessions: BoundSession[] = [];
  /** Status answered to binds (0 accepts a bind with the right credentials). */
  bindStatus = 0;
  /** Binds of one account allowed at once, as carriers limit them: one more is refused with ESME_RALYBND. */
  maxBinds = Infinity;
  answerEnquireLink = true;
  onSubmit: (submit: SubmitRecord) => SubmitAnswer = () => ({});
  private nextId = 0x10000;
  private nextSession = 0;
  private closed = false;

  private constructor(private readonly server: Server, readonly port: number, readonly options: SmscOptions) {
    super();
    this.setMaxListeners(0);
  }

  static async start(options: SmscOptions = {}): Promise<SmscDouble> {
    let double: SmscDouble | null = null;
    const { tls } = options;
    const clientCertificates = tls?.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: tls.clientCa } : {};
    const server = smpp.createServer(tls ? { key: tls.key, cert: tls.cert, ...clientCertificates } : {}, (session) => double!.accept(session));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    double = new SmscDouble(server, (server.address() as AddressInfo).port, options);
    return double;
  }

  /** Sessions bound now (in bind order). */
  bound(mode?: string): BoundSession[] {
    return this.sessions.filter((s) => mode === undefined || s.mode === mode);
  }

  /** Submits held by `hold: true`, not answered yet. */
  get held(): SubmitRecord[] {
    return this.submits.filter((s) => s.status === null);
  }

  /** The most submit_sm outstanding at once on any session. */
  get maxOutstanding(): number {
    return Math.max(0, ...this.allSessions.map((s) => s.maxOutstanding));
  }

  private readonly allSessions: BoundSession[] = [];

  /** Resolves once `predicate` holds, checked after every PDU and connection change. */
  until(predicate: () => boolean, what = 'the SMSC double\'s condition', timeoutMs = 15_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.off('change', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('change', check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.on('change', check);
    });
  }

  /** A message from a handset; resolves with the deliver_sm_resp. */
  deliver(spec: DeliverSpec, session = this.receiving()): Promise<PDU> {
    return this.request(session, 'deliver_sm', {
      source_addr_ton: spec.fromTon ?? 1, source_addr_npi: 1, source_addr: spec.from,
      dest_addr_ton: spec.toTon ?? 1, dest_addr_npi: 1, destination_addr: spec.to,
      esm_class: spec.esmClass ?? 0, data_coding: spec.dataCoding ?? 0, short_message: spec.shortMessage, ...spec.tlvs,
    });
  }

  /** A delivery receipt for a submitted message; resolves with the deliver_sm_resp. */
  receipt(spec: ReceiptSpec, session = this.receiving()): Promise<PDU> {
    const stat = spec.stat ?? 'DELIVRD';
    const text = `id:${spec.textId ?? spec.messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:2412051200 done date:2412051201 stat:${stat} err:${spec.err ?? '000'} text:`;
    const tlvs: PduOptions = spec.form === 'text' ? {} : {
      receipted_message_id: spec.messageId, message_state: spec.messageState ?? MESSAGE_STATE[stat] ?? 7,
      ...(spec.networkErrorCode ? { network_error_code: spec.networkErrorCode } : {}),
    };
    const dataCoding = spec.dataCoding ?? 0;
    const body = spec.form === 'tlv' ? Buffer.alloc(0) : dataCoding === 8 ? Buffer.from(text, 'utf16le').swap16() : Buffer.from(text, 'latin1');
    return this.deliver({ from: spec.from ?? '15551230001', to: spec.to ?? '15550001111', esmClass: 0x04, dataCoding, shortMessage: body, tlvs }, session);
  }

  /** Drops every connection at once (an SMSC that crashed or a cut line). */
  dropConnections(): void {
    for (const s of [...this.sessions]) s.session.destroy();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receiving(): Session {
    const s = this.sessions.find((b) => b.mode === 'transceiver' || b.mode === 'receiver');
    if (!s) throw new Error('no session is bound to receive');
    return s.session;
  }

  private request(session: Session, command: string, options: PduOptions): Promise<PDU> {
    return new Promise((resolve, reject) => {
      const sent = session.send(new smpp.PDU(command, options), resolve);
      if (!sent) reject(new Error(`${command}: the connection is not writable`));
    });
  }

  private accept(session: Session): void {
    const id = ++this.nextSession;
    let state: BoundSession | null = null;
    session.on('error', () => undefined); // a gateway that vanishes is part of the tests
    session.on('close', () => {
      if (state) this.sessions.splice(this.sessions.indexOf(state), 1);
      this.emit('change');
    });
    session.on('pdu', (pdu: PDU) => {
      this.pdus.push({ session: id, pdu, at: performance.now() });
      if (pdu.command.startsWith('bind_') && !pdu.isResponse()) {
        const ok = this.bindStatus === 0 && pdu.system_id === (this.options.systemId ?? 'parley') && pdu.password === (this.options.password ?? 'secret');
        const full = this.sessions.length >= this.maxBinds;
        const status = this.bindStatus !== 0 ? this.bindStatus : !ok ? smpp.errors.ESME_RINVPASWD! : full ? smpp.errors.ESME_RALYBND! : 0;
        this.binds.push({ session: id, pdu, status, clientCertificate: presentedName(session) });
        session.send(pdu.response(status === 0 ? { system_id: 'double' } : { command_status: status }));
        if (status === 0) {
          state = { id, session, mode: pdu.command.slice('bind_'.length), outstanding: 0, maxOutstanding: 0 };
          this.sessions.push(state);
          this.allSessions.push(state);
        }
      } else if (pdu.command === 'enquire_link') {
        if (this.answerEnquireLink) session.send(pdu.response());
      } else if (pdu.command === 'unbind') {
        session.send(pdu.response());
        session.close();
      } else if (pdu.command === 'submit_sm' && state) {
        this.submitted(state, pdu);
      }
      this.emit('change');
    });
  }

  private submitted(state: BoundSession, pdu: PDU): void {
    state.outstanding++;
    state.maxOutstanding = Math.max(state.maxOutstanding, state.outstanding);
    const n = this.nextId++;
    const messageId = this.options.messageIds === 'decimal' ? String(n) : n.toString(16).toUpperCase();
    const record: SubmitRecord = {
      pdu, session: state.id, at: performance.now(), messageId, status: null,
      answer: (status = 0) => {
        if (record.status !== null) return;
        record.status = status;
        state.outstanding--;
        state.session.send(pdu.response(status === 0 ? { message_id: messageId } : { command_status: status }));
        if (status === 0 && this.options.autoReceipt && this.options.autoReceipt !== 'none' && (Number(pdu.registered_delivery) & 0x03) === 0x01) {
          void this.receipt({ messageId, form: this.options.autoReceipt, from: String(pdu.destination_addr), to: String(pdu.source_addr) }, state.session).catch(() => undefined);
        }
        this.emit('change');
      },
    };
    this.submits.push(record);
    const answer = this.onSubmit(record);
    if (answer.hold) return;
    if (answer.delayMs) setTimeout(() => record.answer(answer.status ?? 0), answer.delayMs);
    else record.answer(answer.status ?? 0);
  }
}

/** The submit_sm_resp-less view of a submit, for assertions: the fields tests check. */
export function submitFields(pdu: PDU): Record<string, unknown> {
  return {
    source_addr: pdu.source_addr, source_addr_ton: pdu.source_addr_ton, source_addr_npi: pdu.source_addr_npi,
    destination_addr: pdu.destination_addr, dest_addr_ton: pdu.dest_addr_ton, dest_addr_npi: pdu.dest_addr_npi,
    esm_class: pdu.esm_class, data_coding: pdu.data_coding, registered_delivery: pdu.registered_delivery,
  };
}

/** The common name of the certificate the peer presented on a TLS session, or null (plain TCP, or none presented). */
function presentedName(session: Session): string | null {
  const socket = (session as unknown as { socket: unknown }).socket;
  if (!(socket instanceof TLSSocket)) return null;
  const subject = socket.getPeerCertificate().subject as Record<string, string> | undefined;
  return subject?.CN ?? null;
}
