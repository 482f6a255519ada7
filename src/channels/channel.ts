/**
 * The Channel seam: how messages reach handsets and come back from them. The simulator is the
 * first channel; an SMPP channel to real carriers comes next and implements the same contract.
 *
 * Contract:
 * - `send` MUST resolve once the message has been handed to the network (outcome `sent`), or
 *   with `retry` (a temporary failure: the gateway tries again later) or `failed` (final, with a
 *   Twilio delivery error code such as 30003). It MUST NOT throw for delivery problems.
 * - A channel SHOULD report the final delivery state through `host.report` (delivered or
 *   undelivered) when its network gives delivery receipts.
 * - Inbound messages MUST go through `host.receive`, which resolves only after they are stored;
 *   a channel acknowledges its network only after that.
 * - `stop` MUST stop taking inbound traffic and release every socket and timer.
 */
import type { MediaRecord, MessageRecord } from '../stores/records.js';

export type SendOutcome =
  | { kind: 'sent' }
  | { kind: 'retry'; errorCode: number; retryAfterMs: number }
  | { kind: 'failed'; errorCode: number };

export interface InboundInput {
  accountSid: string;
  from: string;
  to: string;
  body: string;
  media: Array<Omit<MediaRecord, 'sid'>>;
}

export interface ChannelHost {
  receive(input: InboundInput): Promise<MessageRecord>;
  report(messageSid: string, status: 'delivered' | 'undelivered', errorCode?: number): Promise<void>;
}

export interface Channel {
  readonly name: string;
  start(host: ChannelHost): Promise<void>;
  send(message: MessageRecord): Promise<SendOutcome>;
  stop(): Promise<void>;
  /**
   * Optional, for channels that simulate handsets: an unreachable handset's messages MUST end
   * `undelivered` with 30003 (as a carrier's receipt reports it) until it is reachable again.
   */
  setHandsetReachable?(accountSid: string, handset: string, reachable: boolean): void;
}
