/**
 * Types for the parts of the untyped `smpp` library (0.5.x) Parley uses: PDUs, the client Session
 * and the server. Only what `library.ts`, the channel and the test SMSC touch; PDU fields stay
 * `unknown` so every value read from the network is checked where it is used (pdu-fields.ts).
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  /** Options of a PDU: its fields and TLVs by the library's names, plus `command_status` and `sequence_number`. */
  export type PduOptions = Record<string, unknown>;

  export class PDU {
    constructor(command: string, options?: PduOptions);
    /** Reads one whole PDU, header included (tests compare encodings with it). */
    constructor(pdu: Buffer);
    command: string;
    command_id: number;
    command_status: number;
    command_length: number;
    sequence_number: number;
    isResponse(): boolean;
    /** The response to this request (`generic_nack` for an unknown command). */
    response(options?: PduOptions): PDU;
    toBuffer(): Buffer;
    /** Fields and TLVs, by name (unknown TLVs by their numeric tag). */
    [field: string]: unknown;
    static maxLength: number;
  }

  export interface ConnectOptions {
    host: string;
    port: number;
    /** TLS: the rest of the options go to `tls.connect` as they are. */
    tls?: boolean;
    ca?: string;
    rejectUnauthorized?: boolean;
    servername?: string;
    auto_enquire_link_period?: number;
  }

  export class Session extends EventEmitter {
    socket: Socket;
    /** Sends a PDU (a request gets the next sequence number); false when the socket is not writable. */
    send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
  }

  export interface Server extends NetServer {
    sessions: Session[];
  }

  export interface ServerOptions {
    key?: string | Buffer;
    cert?: string | Buffer;
  }

  export interface MessageFilter {
    encode(this: PDU, value: unknown): unknown;
    decode(this: PDU, value: unknown, skipUdh?: boolean): unknown;
  }

  export interface TimeFilter {
    decode(this: PDU, value: unknown): unknown;
  }

  /** A TLV as the library's table describes it (pdu-read.ts reads TLVs with it). */
  export interface TlvDefinition {
    id: number;
    tag: string;
    multiple?: boolean;
    type: { read(buffer: Buffer, offset: number, length: number): unknown };
    filter?: { decode(this: PDU, value: unknown, skipUdh?: unknown): unknown };
  }

  export function connect(options: ConnectOptions, listener?: () => void): Session;
  export function createServer(options: ServerOptions, listener?: (session: Session) => void): Server;
  export const filters: { message: MessageFilter; time: TimeFilter };
  export const tlvs: Readonly<Record<string, TlvDefinition>>;
  export const tlvsById: Readonly<Record<number, TlvDefinition>>;
  /** Command status values by name (ESME_ROK, ESME_RTHROTTLED, ...). */
  export const errors: Readonly<Record<string, number>>;

  const smpp: {
    PDU: typeof PDU;
    Session: typeof Session;
    connect: typeof connect;
    createServer: typeof createServer;
    filters: typeof filters;
    tlvs: typeof tlvs;
    tlvsById: typeof tlvsById;
    errors: typeof errors;
  };
  export default smpp;
}
