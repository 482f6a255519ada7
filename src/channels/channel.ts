/**
 * The Channel seam: how messages reach handsets and come back from them. The simulator keeps its
 * handsets inside Parley; the SMPP channel (./smpp/) talks to a carrier's SMSC. The router
 * (./router.ts) picks a message's channel by its Parley number.
 *
 * Contract:
 * - `send` MUST resolve once the message has been handed to the network (outcome `sent`), or
 *   with `retry` (a temporary failure: the gateway tries again later) or `failed` (final, with a
 *   Twilio delivery error code such as 30003). It MUST NOT throw for delivery problems. A channel
 *   that is down SHOULD hold the message (in order per conversation) until it can send it, or until
 *   its validity period ends (then `failed` with 30036).
 * - A channel that sends in parts (SMPP) MUST record each part the network accepted through
 *   `host.recordSubmitted` before it counts as accepted, and on a second `send` of the same
 *   message (after a restart) MUST NOT send again a part `host.submittedParts` lists. With
 *   `firstHandover` (SendOptions) no channel can have had the message before, so it need not ask.
 * - A channel SHOULD report the final delivery state through `host.report` (delivered or
 *   undelivered), or through `host.receipt` when receipts must be matched to stored parts.
 * - Inbound messages MUST go through `host.receive` (or `host.receivePart` for parts of a long
 *   message), which resolve only after they are stored; a channel acknowledges its network only
 *   after that.
 * - `status` MUST answer at once, from memory.
 * - `stop` MUST stop taking inbound traffic, close its connections cleanly (SMPP: unbind) and
 *   release every socket and timer; messages it still held stay queued in the store.
 */
import type { CarrierReceipt, InboundPart, MediaRecord, MessageRecord, SubmittedPart } from '../stores/records.js';
import type { ChannelConfig } from '../config/channels.js';

export type { CarrierReceipt, InboundPart } from '../stores/records.js';

/** What the gateway knows of a message it hands over. */
export interface SendOptions {
  /**
   * The gateway made this message in this process and hands it to a channel for the first time:
   * no part of it can have been submitted before (a message resumed after a restart, or handed over
   * again after a `retry`, is never first), so asking `host.submittedParts` would find nothing.
   */
  firstHandover?: boolean;
}

export type SendOutcome =
  | { kind: 'sent' }
  /** `released`: the channel handed the message back at the router's asking (`Channel.release`), to go on another at once. */
  | { kind: 'retry'; errorCode: number; retryAfterMs: number; released?: boolean }
  | { kind: 'failed'; errorCode: number };

export interface InboundInput {
  accountSid: string;
  from: string;
  to: string;
  body: string;
  media: Array<Omit<MediaRecord, 'sid'>>;
  /** The channel it came on (for the log and metrics); the simulator when absent. */
  channel?: string;
  /** Parts received, when the channel knows (a long SMS); otherwise counted from the body. */
  numSegments?: number;
  /** Set when the message is incomplete: 30009, a part never arrived. */
  errorCode?: number;
}

/** Makes the whole inbound message out of a group's parts (all of them, or what came by the timeout). */
export type AssembleParts = (parts: readonly InboundPart[], complete: boolean) => InboundInput | null;

export interface ChannelStatus {
  name: string;
  type: string;
  /** `bound`: it can send now; `connecting`: (re)binding; `down`: waiting to retry after a failure. */
  state: 'bound' | 'connecting' | 'down';
  /** Why it is not bound (the last error), null when bound. */
  reason: string | null;
  /** When it entered this state (ms since the epoch). */
  since: number;
  /** Messages waiting to be submitted, and requests in flight without a response. */
  waiting: number;
  inFlight: number;
  /** The Parley numbers it carries (`*` for every number no other channel lists). */
  numbers: readonly string[];
  /** The certificate it presents to its peer (SMPP over TLS with `tls-cert`), so operators see it expire before the carrier refuses it. */
  clientCertificate?: ClientCertificate;
  /** The destinations it sends to, as E.164 prefixes (the `destinations` key); absent or empty: every one. */
  destinations?: readonly string[];
  /** The channels that send its messages while it is not bound, in order of preference (the `failover` key). */
  failover?: readonly string[];
  /** Each connection it keeps (SMPP binds), when it keeps any: a channel can be `bound` with some of them down. */
  binds?: readonly BindStatus[];
}

export interface BindStatus {
  /** Its mode, numbered when the channel keeps several of a mode (`transceiver 2`). */
  name: string;
  state: ChannelStatus['state'];
  reason: string | null;
  since: number;
  /** Messages (SMPP: submit_sm) it carries without a response yet. */
  inFlight: number;
}

export interface ClientCertificate {
  /** Its subject, as OpenSSL prints it (`CN=…`, one attribute a line joined with `, `). */
  subject: string;
  /** The end of its validity (ms since the epoch). */
  expiresAt: number;
}

/**
 * What a channel may ask of the gateway. Narrow on purpose: a channel stores and reports through
 * these calls only, never through the whole store.
 */
export interface ChannelHost {
  /** The account owning a Parley number, trying the candidate forms in order (`+1555…`, `1555…`). */
  findNumber(candidates: readonly string[]): Promise<{ accountSid: string; phoneNumber: string } | null>;
  receive(input: InboundInput): Promise<MessageRecord>;
  /**
   * Stores one part durably. When the part completes its group, `assemble` makes the message and it
   * is stored with the part in one transaction (its turn then runs); resolves with it, or with null
   * while parts are missing. A part that was already stored changes nothing.
   */
  receivePart(part: InboundPart, assemble: AssembleParts): Promise<MessageRecord | null>;
  /** Stores, with what came and error 30009, every group of `channel` whose first part is older than `before`. */
  flushParts(channel: string, before: number, assemble: AssembleParts): Promise<MessageRecord[]>;
  /** Records that the network accepted a part (durable when resolved). */
  recordSubmitted(part: Omit<SubmittedPart, 'state' | 'errorCode' | 'doneAt'>): Promise<void>;
  /** The parts of a message the network already accepted (a second `send` skips them). */
  submittedParts(messageSid: string): Promise<SubmittedPart[]>;
  /**
   * Matches a receipt to a stored part; once every part of its message has a final state, the
   * message becomes `delivered` or `undelivered`. Resolves once committed: `matched`, or `unmatched`
   * (kept a while in case its part is recorded later, then counted and dropped).
   */
  receipt(receipt: CarrierReceipt): Promise<'matched' | 'unmatched'>;
  /** The network says a message it took was delivered or not (the simulator's immediate receipts). */
  report(message: Pick<MessageRecord, 'sid' | 'accountSid'>, status: 'delivered' | 'undelivered', errorCode?: number): Promise<void>;
}

export interface Channel {
  readonly name: string;
  readonly type: string;
  start(host: ChannelHost): Promise<void>;
  send(message: MessageRecord, options?: SendOptions): Promise<SendOutcome>;
  stop(): Promise<void>;
  status(): ChannelStatus;
  /**
   * Optional, for a network inside Parley (the simulator), whose outcome is known at once: what
   * would become of the message if it were sent now, `null` when the channel cannot say. The
   * gateway then stores a TwiML reply already settled in its turn's own commit (one write where
   * `send` and its receipt take three), with the same statuses, events and callbacks. MUST NOT
   * change anything: the caller may still decide to `send` instead.
   */
  settleAtOnce?(message: MessageRecord): { status: 'delivered' } | { status: 'undelivered'; errorCode: number } | null;
  /**
   * Optional, for channels that simulate handsets: an unreachable handset's messages MUST end
   * `undelivered` with 30003 (as a carrier's receipt reports it) until it is reachable again.
   */
  setHandsetReachable?(accountSid: string, handset: string, reachable: boolean): void;
  /**
   * Optional, for channels made from the configuration file: takes a changed configuration of this
   * same channel while it runs, when what changed allows it without reconnecting (a carrier's
   * window, throughput or number of binds), and resolves true; resolves false, changing nothing,
   * when the channel must stop and start again with it. A reload (SIGHUP) asks first.
   */
  adjust?(config: ChannelConfig): Promise<boolean>;
  /**
   * Optional, for channels that hold messages while they cannot send (SMPP), so that a failover
   * channel can take them (the router asks while this one is not bound). Hands back at once every
   * held message that `leave` picks and that has nothing in flight, but only together with every
   * message held before it in its conversation, so none overtakes another. Returns them in the
   * order they were held; each one's `send` resolves `retry` with `released: true`.
   */
  release?(leave: (message: MessageRecord) => boolean): MessageRecord[];
}
