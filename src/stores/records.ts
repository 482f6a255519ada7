/** The typed records Parley keeps. Stores map them to rows; everything else works on these. */

export type HttpMethod = 'GET' | 'POST';

export interface AccountRecord {
  sid: string;
  authToken: string;
  friendlyName: string;
  status: 'active' | 'suspended' | 'closed';
  /** Set for subaccounts: the account that owns this one. */
  ownerAccountSid: string | null;
  dateCreated: number;
  dateUpdated: number;
}

/** An API key (`SK…` + secret): Basic-auth credentials standing in for the account's auth token. */
export interface ApiKeyRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  secret: string;
  dateCreated: number;
  dateUpdated: number;
}

/** A Messaging Service: a pool of sender numbers with shared webhooks (Twilio's `MG…`). */
export interface MessagingServiceRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  inboundRequestUrl: string;
  inboundMethod: HttpMethod;
  fallbackUrl: string;
  fallbackMethod: HttpMethod;
  statusCallback: string;
  /** False (Twilio's default): the service's inbound URLs replace its numbers' own. */
  useInboundWebhookOnNumber: boolean;
  stickySender: boolean;
  /** Smart Encoding of the messages sent through it (src/messages/smart-encoding.ts); records stored before it existed lack it: on. */
  smartEncoding?: boolean;
  /** Its alphanumeric sender ID (the AlphaSenders sub-resource; Twilio allows one), sent from where carriers take one. */
  alphaSender?: AlphaSenderRecord | null;
  /** Its alpha senders by destination country (DestinationAlphaSenders); records stored before them lack it. */
  destinationAlphaSenders?: DestinationAlphaSenderRecord[];
  validityPeriod: number;
  dateCreated: number;
  dateUpdated: number;
}

export interface AlphaSenderRecord {
  sid: string;
  alphaSender: string;
  dateCreated: number;
}

/** An alpha sender for the destinations of one country (ISO 3166-1 alpha-2), or, with none, for every country. */
export interface DestinationAlphaSenderRecord extends AlphaSenderRecord {
  isoCountryCode: string | null;
}

export interface PhoneNumberRecord {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  smsUrl: string;
  smsMethod: HttpMethod;
  smsFallbackUrl: string;
  smsFallbackMethod: HttpMethod;
  statusCallback: string;
  statusCallbackMethod: HttpMethod;
  dateCreated: number;
  dateUpdated: number;
  /**
   * A short code's country (ISO 3166-1 alpha-2), given when it is provisioned: its digits do not
   * say it. Absent for a number, whose digits do (phone/numbers.ts `countryOf`).
   */
  isoCountry?: string;
}

export type MessageDirection = 'inbound' | 'outbound-api' | 'outbound-reply' | 'outbound-call';

export type MessageStatus =
  | 'queued' | 'sending' | 'sent' | 'failed' | 'delivered' | 'undelivered'
  | 'receiving' | 'received' | 'accepted' | 'scheduled' | 'read' | 'canceled';

/** One step of a message's status history: the status it took, and when (ms). */
export interface StatusChange {
  status: MessageStatus;
  at: number;
}

export interface MediaRecord {
  sid: string;
  url: string;
  contentType: string;
}

export interface MessageRecord {
  sid: string;
  accountSid: string;
  direction: MessageDirection;
  from: string;
  to: string;
  body: string;
  status: MessageStatus;
  numSegments: number;
  media: MediaRecord[];
  errorCode: number | null;
  errorMessage: string | null;
  messagingServiceSid: string | null;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  /** For a TwiML reply: the inbound message whose turn produced it, and its place in that turn. */
  inboundSid: string | null;
  replySeq: number | null;
  dateCreated: number;
  dateUpdated: number;
  dateSent: number | null;
  /**
   * Outbound messages: the time after which the message is no longer handed to its channel and
   * fails with 30036 instead (Twilio's `ValidityPeriod`); null for the default, 36,000 seconds after
   * `dateCreated`.
   */
  validUntil: number | null;
  /**
   * Only on a record about to be stored that went through statuses before its first write (a reply
   * the simulator settled within its turn's commit): its status history, stored with it.
   */
  statusHistory?: StatusChange[];
}

/**
 * One part of an outbound message as a carrier (SMPP) accepted it: its SMSC message id, and the
 * state its delivery receipt gave. A message is `delivered` once every part is.
 */
export interface SubmittedPart {
  messageSid: string;
  accountSid: string;
  channel: string;
  /** 0-based position, and the number of parts the message was sent in. */
  index: number;
  total: number;
  /** The id submit_sm_resp gave, as given. */
  smscId: string;
  /** The key receipts are matched on (the id under the channel's `receipt-id` mode). */
  receiptKey: string;
  state: 'submitted' | 'delivered' | 'undelivered';
  errorCode: number | null;
  submittedAt: number;
  doneAt: number | null;
}

/** One part of a long inbound message, kept durably until its group is complete. */
export interface InboundPart {
  channel: string;
  /** Identifies the group: the sender, the Parley number and the sender's reference. */
  groupKey: string;
  /** The message-to-be's account and addresses (the channel found the number's owner). */
  accountSid: string;
  from: string;
  to: string;
  /** 1-based position and the group's size, as the SMSC said. */
  seq: number;
  total: number;
  /** The part's user data as received (UDH stripped), and how to decode it. */
  payload: Buffer;
  dataCoding: number;
  receivedAt: number;
}

/** A delivery receipt as a channel read it, before it is matched to a stored part. */
export interface CarrierReceipt {
  channel: string;
  /** The id as the `receipted_message_id` TLV gave it, matched as-is; null when absent. */
  smscId: string | null;
  /** The comparison key of the receipt's id under the channel's `receipt-id` mode. */
  receiptKey: string;
  /** `enroute` receipts (ENROUTE, ACCEPTD, ...) are not final and change nothing. */
  state: 'delivered' | 'undelivered' | 'enroute';
  errorCode: number | null;
  at: number;
}

/**
 * A status callback waiting in the outbox. It is written in the same transaction as the status
 * change it reports, sent after the message's earlier callbacks, and retried with backoff.
 */
export interface StatusCallbackJob {
  id: number;
  accountSid: string;
  messageSid: string;
  /** The conversation the console files the exchange under (outbound messages only). */
  conversationId: string | null;
  url: string;
  params: Array<[string, string]>;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
}

export type NewStatusCallback = Omit<StatusCallbackJob, 'id' | 'attempts' | 'nextAttemptAt'>;

/** A conversation is (account, Parley number, handset): one cookie jar, one turn at a time. */
export interface ConversationKey {
  accountSid: string;
  number: string;
  handset: string;
}

export interface ConversationRecord extends ConversationKey {
  id: string;
  /** Last message in either direction; the jar is forgotten `sessionTtl` after it. */
  lastActivity: number;
  /** The jar as tough-cookie's serialized cookies (JSON text), or null when empty. */
  cookies: string | null;
}

export function conversationId(key: ConversationKey): string {
  return `${key.accountSid}:${key.number}:${key.handset}`;
}

/**
 * The conversation with this activity and jar, its fields listed rather than spread. V8's optimized
 * code gives a spread copy (`{ ...record, lastActivity }`) a hidden class of its own, and a copy
 * of that copy another: a conversation's record had a new one every turn, and every read of a
 * record missed its inline cache (bench/README.md, finding 48).
 */
export function conversationRecord(key: ConversationKey & { id: string }, lastActivity: number, cookies: string | null): ConversationRecord {
  return { id: key.id, accountSid: key.accountSid, number: key.number, handset: key.handset, lastActivity, cookies };
}

/**
 * The message with this status history, its fields listed rather than copied: `Object.assign` copies
 * through V8's generic path, and a spread with the key added gets a hidden class of its own (finding
 * 48). `Required` makes the compiler name any field of `MessageRecord` this list leaves out.
 */
export function messageWithHistory(m: MessageRecord, statusHistory: StatusChange[]): MessageRecord {
  const record: Required<MessageRecord> = {
    sid: m.sid, accountSid: m.accountSid, direction: m.direction, from: m.from, to: m.to, body: m.body, status: m.status,
    numSegments: m.numSegments, media: m.media, errorCode: m.errorCode, errorMessage: m.errorMessage,
    messagingServiceSid: m.messagingServiceSid, statusCallback: m.statusCallback, statusCallbackMethod: m.statusCallbackMethod,
    inboundSid: m.inboundSid, replySeq: m.replySeq, dateCreated: m.dateCreated, dateUpdated: m.dateUpdated, dateSent: m.dateSent,
    validUntil: m.validUntil, statusHistory,
  };
  return record;
}

/** One cookie as the console and the harness show it. */
export interface CookieView {
  name: string;
  value: string;
  domain: string;
  path: string;
  expires: string | null;
  httpOnly: boolean;
  secure: boolean;
}

export type ExchangePurpose = 'sms' | 'redirect' | 'action' | 'fallback' | 'status-callback';

/** A webhook request exactly as sent: the signed string and signature included, for the console. */
export interface ExchangeRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  params: Array<[string, string]>;
  signedString: string;
  signature: string;
}

/** Every HTTP request Parley makes to an app, as a typed record the console can show. */
export interface WebhookExchange {
  sid: string;
  accountSid: string;
  messageSid: string;
  conversationId: string | null;
  purpose: ExchangePurpose;
  seq: number;
  startedAt: number;
  request: ExchangeRequest;
  response: {
    status: number;
    headers: Record<string, string | string[]>;
    body: string;
    durationMs: number;
  } | null;
  errorCode: number | null;
  errorMessage: string | null;
  jarBefore: CookieView[];
  jarAfter: CookieView[];
  /** What the interpreter did with this document: `Message`, `Redirect /next`, ... */
  steps: string[];
}

/** An entry of the error log, served like Twilio Monitor's Alerts. */
export interface AlertRecord {
  sid: string;
  accountSid: string;
  errorCode: number;
  logLevel: 'error' | 'warning';
  alertText: string;
  resourceSid: string | null;
  requestMethod: string | null;
  requestUrl: string | null;
  requestVariables: string | null;
  requestHeaders: string | null;
  responseBody: string | null;
  responseHeaders: string | null;
  dateCreated: number;
}

/** Everything one turn produced, committed in one transaction so a crash never splits it. */
export interface TurnOutcome {
  inboundSid: string;
  errorCode: number | null;
  errorMessage: string | null;
  replies: MessageRecord[];
  conversation: ConversationRecord;
  exchanges: WebhookExchange[];
  alerts: AlertRecord[];
  /** Status callbacks of replies already settled in this commit (sent, delivered), in their order. */
  callbacks?: NewStatusCallback[];
}

/**
 * A node's hold on a conversation's turns. On a store shared by several nodes only the holder runs
 * the conversation's turns, and each commit of a turn carries the claim: the store refuses it once
 * another node has taken the conversation over (a fencing token). A single-node store always holds.
 */
export interface TurnClaim {
  /** Raised every time the conversation changes hands. */
  readonly token: number;
  /**
   * How this node came to hold it with this write: `acquired` a free conversation (the new turn is
   * its only pending one), already `held` it, or `taken` it from a dead node (earlier turns may wait).
   */
  readonly how: 'acquired' | 'held' | 'taken';
}

export interface PendingTurn {
  messageSid: string;
  accountSid: string;
  conversationId: string;
  /** The claim the turn runs under (shared stores; absent on a single-node store's turns). */
  claim?: TurnClaim | undefined;
  /**
   * Set when this process has just stored the inbound message and its turn has never run: the
   * turn then needs no read-back (nothing of it can be stored yet). Turns read from the store, or
   * run again after a failure, come without it.
   */
  inbound?: MessageRecord;
}
