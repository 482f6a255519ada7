/**
 * The Store seam: everything Parley keeps goes through this interface, so SQLite (embedded) and,
 * next, PostgreSQL (several nodes) are adapters behind it.
 *
 * Contract for every implementation:
 * - Every method MUST be promise-based; a synchronous driver stays inside its adapter.
 * - A write MUST be durable (committed) before its promise resolves: callers acknowledge clients
 *   only after that. Adapters SHOULD batch concurrent writes into one transaction (group commit).
 * - `turns.complete` MUST be atomic: the replies, the conversation's jar and activity, the
 *   exchanges, the alerts and the inbound message's turn state commit together or not at all.
 *   Replies are unique on (inboundSid, replySeq): completing the same turn twice MUST NOT store a
 *   second copy of a reply (this makes at-least-once turns give exactly one stored reply).
 * - Reads MUST only return rows of the account asked for; no method crosses accounts.
 * - `turns.pending` MUST return unfinished turns in arrival order.
 * - `ping` and `queueDepths` are read by readiness probes and metrics scrapes every few seconds:
 *   they MUST be cheap (no table scan) and SHOULD answer or fail within a couple of seconds.
 * - A store that several Parley nodes share offers `cluster` (an optional capability): then a
 *   conversation's turns run on the one node that holds its claim, in the order their inbound
 *   messages committed, and every commit of a turn is fenced by that claim.
 */
import type {
  AccountRecord, ApiKeyRecord, MessagingServiceRecord, AlertRecord, CarrierReceipt, ConversationRecord, InboundPart, MessageDirection, MessageRecord,
  MessageStatus, PendingTurn, NewStatusCallback, PhoneNumberRecord, StatusCallbackJob, StatusChange, SubmittedPart, TurnClaim, TurnOutcome, WebhookExchange,
} from './records.js';

/**
 * A message list's filters; every field given MUST hold (they combine with AND). `to`, `from`
 * and the dates are Twilio's own list filters; `number`, `handset`, `direction` and `status` are
 * the console's message log (the REST list never sets them).
 */
export interface MessageFilter {
  to?: string;
  from?: string;
  /** Inclusive lower and exclusive upper bounds on date_sent (date_created while unsent), in ms. */
  sentAfter?: number;
  sentBefore?: number;
  /** Messages to or from this number (a Parley number, in either direction). */
  number?: string;
  /** Messages to or from this handset. With `number`, that one conversation. */
  handset?: string;
  /** One direction, or `outbound` for every outbound direction (`outbound-api`, `outbound-reply`, ...). */
  direction?: MessageDirection | 'outbound';
  status?: MessageStatus;
}

export interface Page {
  pageSize: number;
  /** Keyset cursor: the SID of the last row of the previous page (rows are newest first). */
  afterSid?: string;
  /** The other way: the rows just before this SID in list order (a previous page). */
  beforeSid?: string;
}

export interface AccountRepository {
  get(sid: string): Promise<AccountRecord | null>;
  /** The account created first: the one `PARLEY_ACCOUNT_SID` names or Parley generated. */
  getDefault(): Promise<AccountRecord | null>;
  insert(account: AccountRecord): Promise<void>;
  update(account: AccountRecord): Promise<void>;
  listOwnedBy(ownerSid: string): Promise<AccountRecord[]>;
}

export interface PhoneNumberRepository {
  insert(number: PhoneNumberRecord): Promise<void>;
  update(number: PhoneNumberRecord): Promise<void>;
  delete(accountSid: string, sid: string): Promise<boolean>;
  get(accountSid: string, sid: string): Promise<PhoneNumberRecord | null>;
  /** Any account's number with this E.164 value (numbers are unique across the gateway). */
  findByPhoneNumber(phoneNumber: string): Promise<PhoneNumberRecord | null>;
  /** `type` keeps one resource of the two that share this repository: `PN` numbers or `SC` short codes (the SID's prefix). */
  list(accountSid: string, filter: { phoneNumber?: string; friendlyName?: string; type?: AddressType }, page: Page): Promise<PhoneNumberRecord[]>;
}

/**
 * IncomingPhoneNumbers (`PN…`) and ShortCodes (`SC…`) are one repository: both are addresses an
 * account sends from and receives on, unique across the gateway, with the same webhooks.
 */
export type AddressType = 'PN' | 'SC';

/** A number or short code in a Messaging Service's pool, with what the sender choice reads of it. */
export interface PoolEntry {
  numberSid: string;
  phoneNumber: string;
  /** A short code's country (PhoneNumberRecord.isoCountry); null for a number. */
  isoCountry: string | null;
  dateCreated: number;
}

export interface MessageRepository {
  /**
   * Stores a message. With `startTurn`, an inbound message also becomes a pending turn, and the
   * promise resolves with this node's claim on the turn's conversation, or null when another live
   * node holds it (that node runs the turn). A single-node store always holds. Without
   * `startTurn` it resolves with null. With `sendAt`, a `scheduled` message is due at that time
   * (see `due`). On a shared store, the inserts of one conversation commit one at a time, so the
   * order of its turns is the order their inserts committed, whichever nodes made them.
   */
  insert(message: MessageRecord, options?: { startTurn?: boolean; sendAt?: number }): Promise<TurnClaim | null>;
  /** Scheduled messages whose send time is at or before `now`, earliest first. */
  due(now: number, limit: number): Promise<MessageRecord[]>;
  get(accountSid: string, sid: string): Promise<MessageRecord | null>;
  list(accountSid: string, filter: MessageFilter, page: Page): Promise<MessageRecord[]>;
  /** Every message between a handset and the account's numbers, oldest first. */
  thread(accountSid: string, handset: string, options: { number?: string; limit: number }): Promise<MessageRecord[]>;
  repliesOf(accountSid: string, inboundSid: string): Promise<MessageRecord[]>;
  /**
   * Changes the status; a `callback` reporting it MUST commit in the same transaction, and so MUST
   * the new entry of the status history (see `statusHistory`). With `options.from`, the change
   * MUST apply only while the message's status is one of those (so a late `sent` never overwrites
   * a `delivered` a fast receipt already wrote), and the callback and history entry are stored only
   * when it applies. Resolves with whether it applied.
   */
  setStatus(sid: string, status: MessageStatus, changes: { errorCode?: number | null; errorMessage?: string | null; dateSent?: number; at: number },
    callback?: NewStatusCallback, options?: { from?: readonly MessageStatus[] }): Promise<boolean>;
  /**
   * Replaces the message's mutable fields; a `callback` MUST commit in the same transaction. A
   * changed status joins the status history at `message.dateUpdated`.
   */
  update(message: MessageRecord, callback?: NewStatusCallback): Promise<void>;
  /**
   * The message's status history, oldest first: the status it was stored with (at `dateCreated`),
   * then every change made by `setStatus` (at its `at`) or `update` (at `dateUpdated`). A call
   * that leaves the status as it was adds nothing. Null for an unknown message or another
   * account's. Status changes are the hot path: an adapter SHOULD keep the history on the
   * message's own row, written by the same statement that changes the status (SQLite appends
   * `status:ms` to a text column), never as a row of its own per change.
   */
  statusHistory(accountSid: string, sid: string): Promise<StatusChange[] | null>;
  delete(accountSid: string, sid: string): Promise<boolean>;
  /**
   * Outbound messages accepted (or `accepted` by a Messaging Service) but not yet handed to their
   * channel (resumed after a restart), in arrival order. On a shared store, each outbound message
   * belongs to the node that put it in a sending state, and this returns (and takes over for this
   * node) those whose node is dead, never those another live node is delivering; and this node's own
   * that have not changed for a while (they fell out of its memory after a failure: the caller
   * MUST NOT deliver again one it still holds). A node starts under a new id, so at its start that
   * is everything its previous run left.
   */
  undelivered(limit: number, afterSid?: string): Promise<MessageRecord[]>;
}

export interface TurnRepository {
  pending(limit: number): Promise<PendingTurn[]>;
  /** Whether the inbound message's turn has finished (committed). */
  isDone(messageSid: string): Promise<boolean>;
  /**
   * Commits a turn's outcome. With `final: false` (before a <Message action> request) the
   * replies, jar and records commit but the turn stays pending. With `claim` (turns of a shared
   * store), it MUST commit only while this node still holds the conversation under that claim's
   * token, checked in the same transaction; otherwise it writes nothing and rejects with
   * `LeaseLostError` (./errors.ts).
   */
  complete(outcome: TurnOutcome, options?: { final?: boolean; claim?: TurnClaim | undefined }): Promise<void>;
}

export interface ConversationRepository {
  get(id: string): Promise<ConversationRecord | null>;
  list(accountSid: string, limit: number): Promise<ConversationRecord[]>;
  /** Records activity without touching the jar (REST-created messages keep the jar alive). */
  touch(conversation: Omit<ConversationRecord, 'cookies'>): Promise<void>;
  /** Empties the jar (the console's "forget cookies"). */
  forget(accountSid: string, id: string): Promise<boolean>;
  /** Empties every jar whose last activity is before `before`; returns how many. */
  expire(before: number): Promise<number>;
}

export interface ExchangeRepository {
  insert(exchange: WebhookExchange): Promise<void>;
  listForMessage(accountSid: string, messageSid: string): Promise<WebhookExchange[]>;
  /**
   * A conversation's latest exchanges (at most `limit`), oldest first: those of its latest `limit`
   * messages in either direction (turn webhooks and status callbacks). Empty for an unknown conversation.
   */
  listForConversation(accountSid: string, conversationId: string, limit: number): Promise<WebhookExchange[]>;
  /** Deletes the records of exchanges started before `before` (ms); returns how many. */
  deleteBefore(before: number): Promise<number>;
}

export interface ApiKeyRepository {
  insert(key: ApiKeyRecord): Promise<void>;
  update(key: ApiKeyRecord): Promise<void>;
  /** Any account's key (authentication looks keys up by SID alone). */
  get(sid: string): Promise<ApiKeyRecord | null>;
  list(accountSid: string, page: Page): Promise<ApiKeyRecord[]>;
  delete(accountSid: string, sid: string): Promise<boolean>;
}

/**
 * Outbound parts a carrier accepted (SMPP submit_sm_resp), and the delivery receipts that settle
 * them. Receipts may arrive on any node and before their part is recorded (a fast SMSC), so an
 * unmatched receipt is kept and applied when its part is recorded.
 */
export interface CarrierPartRepository {
  /**
   * Records an accepted part; recording the same (messageSid, index) again changes nothing. If a
   * kept unmatched receipt matches it, that receipt MUST be applied in the same transaction, and
   * the message's parts after it are returned; otherwise null.
   */
  record(part: Omit<SubmittedPart, 'state' | 'errorCode' | 'doneAt'>): Promise<SubmittedPart[] | null>;
  /** A message's accepted parts, by index. */
  ofMessage(messageSid: string): Promise<SubmittedPart[]>;
  /**
   * Applies a receipt to the latest part of `receipt.channel` whose `smscId` equals the receipt's
   * `smscId`, or whose `receiptKey` equals its `receiptKey`. A part's final state (delivered,
   * undelivered) MUST never change again; an `enroute` receipt changes nothing. Resolves with every
   * part of the matched message after the change, or with null when nothing matched: a final
   * receipt is then kept as unmatched (until `expireUnmatched`).
   */
  applyReceipt(receipt: CarrierReceipt): Promise<SubmittedPart[] | null>;
  /** Drops unmatched receipts received before `before`; resolves with how many. */
  expireUnmatched(before: number): Promise<number>;
}

/**
 * Parts of long inbound messages, kept until their group is complete. `assemble` is a pure,
 * synchronous function run inside the adapter's transaction.
 */
export interface InboundPartRepository {
  /**
   * Stores a part (one already stored changes nothing). When the group of `part` is complete
   * (every seq of 1..total), `assemble` makes the message and the adapter MUST, in the same
   * transaction, insert it as an inbound message starting a turn (as `messages.insert` with
   * `startTurn`) and delete the group's parts. Resolves with that message, or null while parts
   * are missing. Two parts of one group stored at once (two nodes) MUST NOT both miss completion.
   */
  add(part: InboundPart, assemble: (parts: InboundPart[]) => MessageRecord | null): Promise<MessageRecord | null>;
  /** Groups of `channel` whose first part was received before `before` (at most `limit`), oldest first. */
  stale(channel: string, before: number, limit: number): Promise<Array<Pick<InboundPart, 'groupKey' | 'accountSid' | 'to'>>>;
  /**
   * Assembles a group from the parts it has (the reassembly timeout), stores the message and
   * deletes the parts, in one transaction as in `add`. Resolves with the message, or null when the
   * group is gone (another node completed it first) or `assemble` made nothing.
   */
  complete(channel: string, groupKey: string, assemble: (parts: InboundPart[]) => MessageRecord | null): Promise<MessageRecord | null>;
}

/**
 * Opt-outs (a handset replied STOP): a block on the (account, Parley number, handset) pair.
 * `add` MUST be idempotent; `remove` answers whether a block existed.
 */
export interface OptOutRepository {
  add(accountSid: string, number: string, handset: string, at: number): Promise<void>;
  remove(accountSid: string, number: string, handset: string): Promise<boolean>;
  has(accountSid: string, number: string, handset: string): Promise<boolean>;
}

/** Messaging Services and their sender pools; a number belongs to at most one service. */
export interface MessagingServiceRepository {
  /** Inserts or replaces. */
  save(service: MessagingServiceRecord): Promise<void>;
  get(accountSid: string, sid: string): Promise<MessagingServiceRecord | null>;
  list(accountSid: string, page: Page): Promise<MessagingServiceRecord[]>;
  /** Deletes the service and releases its numbers. */
  delete(accountSid: string, sid: string): Promise<boolean>;
  /** MUST reject when the number is already in a service. */
  addNumber(accountSid: string, serviceSid: string, numberSid: string, at: number): Promise<void>;
  removeNumber(accountSid: string, serviceSid: string, numberSid: string): Promise<boolean>;
  /** The pool, ordered by SID: each number's or short code's SID, address and (short codes) country, and when it joined. */
  numbers(accountSid: string, serviceSid: string): Promise<PoolEntry[]>;
  serviceOf(numberSid: string): Promise<string | null>;
}

/**
 * The status-callback outbox. Callbacks of one message MUST be handed out in insertion order:
 * `heads` returns only the oldest waiting callback of each message. A job stays until `finish`,
 * so a crash at any point means it is sent (again) after the restart: at-least-once. On a shared
 * store, `heads` claims what it returns for this node: a head claimed by another live node is
 * not returned; one claimed by a dead node is taken over.
 */
export interface StatusCallbackOutbox {
  enqueue(job: NewStatusCallback): Promise<void>;
  /** The oldest waiting callback of each message, earliest next attempt first. */
  heads(limit: number): Promise<StatusCallbackJob[]>;
  /** Records a failed attempt (its exchange too) and when to try again. */
  retryLater(id: number, attempts: number, nextAttemptAt: number, exchange: WebhookExchange): Promise<void>;
  /** Removes the job (delivered, or given up with an alert); exchange and alert commit with it. */
  finish(id: number, exchange: WebhookExchange | null, alert: AlertRecord | null): Promise<void>;
}

export interface AlertRepository {
  insert(alert: AlertRecord): Promise<void>;
  get(accountSid: string, sid: string): Promise<AlertRecord | null>;
  list(accountSid: string, page: Page): Promise<AlertRecord[]>;
  /** Deletes the alerts created before `before` (ms); returns how many. */
  deleteBefore(before: number): Promise<number>;
}

/** Work waiting, as the metrics report it (`parley_queue_depth{queue}`). */
export interface QueueDepths {
  /** Inbound messages whose turn has not finished. */
  turns: number;
  /** Outbound messages not yet handed to a channel (`accepted`, `queued`, `sending`). */
  outbound: number;
  /** Status callbacks in the outbox (waiting or being retried). */
  callbacks: number;
}

/** One node of a cluster as the shared store knows it (the status page lists them). */
export interface ClusterNode {
  id: string;
  host: string;
  pid: number;
  startedAt: Date;
  /** Its last heartbeat, in the store's clock. */
  heartbeatAt: Date;
  leaseMs: number;
  /** Its lease still runs, by the store's clock: it holds its work. */
  alive: boolean;
}

/**
 * What several Parley nodes sharing one store need from it (an optional capability of the Store):
 * membership with a lease, claims on conversations, and a best-effort message channel to the
 * other nodes. Every lease decision uses the store's clock, never a node's.
 */
export interface ClusterMembership {
  /** This node's id; a new one after the node lost its lease and joined again. */
  readonly nodeId: string;
  /**
   * Claims conversations that have pending turns and no live holder (free, or held by a dead node:
   * taken over with a new token), and returns them with those this node already holds that have
   * pending turns, oldest waiting turn first, at most `limit`. Never waits for a lock.
   */
  claimConversations(limit: number): Promise<Array<{ conversationId: string; claim: TurnClaim }>>;
  /**
   * A held conversation's pending turns, in order (at most `limit`), read under its claim; when
   * none is left the claim is released in the same transaction and this resolves with []. Rejects
   * with `LeaseLostError` when this node no longer holds it under that claim.
   */
  nextTurns(conversationId: string, claim: TurnClaim, limit: number): Promise<PendingTurn[]>;
  /**
   * What the other nodes' observers want from this node, one interest text (events/interest.ts) per
   * node that wants something; the same array until it changes. Empty: a broadcast would interest nobody.
   */
  watchers(): readonly string[];
  /**
   * Tells the other nodes what this node's observers want (an interest text, '' for nothing), and
   * keeps it for nodes that join later. Resolves once every other node alive has answered that it
   * heard (bounded by a few seconds, for a node that cannot answer); never rejects.
   */
  watch(interest: string): Promise<void>;
  /**
   * Tells every other node `payload` (best effort: a node whose connection is down misses it).
   * Payloads of one tick are sent together; each MUST be at most `maxPayloadBytes` long (UTF-8).
   */
  broadcast(payload: string): void;
  readonly maxPayloadBytes: number;
  /** Payloads other nodes broadcast. Returns the unsubscribe function. */
  onBroadcast(listener: (payload: string) => void): () => void;
  /**
   * Called when this node lost its lease (its heartbeat could not be renewed in time, so other
   * nodes may have taken its work over) and joined again under a new id: drop what it held.
   */
  onLeaseLost(listener: () => void): () => void;
  /**
   * The nodes the store knows, oldest first: every node alive, and a node whose lease ran out until
   * it is forgotten (an hour later). A node that stopped cleanly has left already.
   */
  nodes(): Promise<ClusterNode[]>;
}

export interface Store {
  readonly accounts: AccountRepository;
  readonly numbers: PhoneNumberRepository;
  readonly messages: MessageRepository;
  readonly turns: TurnRepository;
  readonly conversations: ConversationRepository;
  readonly exchanges: ExchangeRepository;
  readonly alerts: AlertRepository;
  readonly keys: ApiKeyRepository;
  readonly optOuts: OptOutRepository;
  readonly services: MessagingServiceRepository;
  readonly callbacks: StatusCallbackOutbox;
  readonly carrierParts: CarrierPartRepository;
  readonly inboundParts: InboundPartRepository;
  /** Present when several Parley nodes share this store (PostgreSQL). */
  readonly cluster?: ClusterMembership;
  /** The schema version this store is at, and the latest this build knows. */
  schemaVersion(): Promise<{ current: number; latest: number }>;
  /**
   * Resolves once the store answers a query and still holds the database it opened (readiness);
   * rejects with an Error saying why not: closed, the connection lost, the database file gone.
   */
  ping(): Promise<void>;
  /** Work waiting in the store; with a store shared by several nodes, the whole gateway's. */
  queueDepths(): Promise<QueueDepths>;
  close(): Promise<void>;
}
