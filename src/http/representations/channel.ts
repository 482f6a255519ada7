/** A channel's state as `GET /parley/channels` shows it (the console, `parley channels`). */
import type { ChannelStatus } from '../../channels/channel.js';
import type { MessageRecord, SubmittedPart } from '../../stores/records.js';

export interface ChannelJson {
  name: string;
  type: string;
  state: ChannelStatus['state'];
  reason: string | null;
  since: string;
  waiting: number;
  in_flight: number;
  numbers: string[];
  /** The destinations it sends to, as E.164 prefixes (empty: every destination). */
  destinations: string[];
  /** The channels that send its messages while it is not bound, in order of preference (empty for none). */
  failover: string[];
  /** The certificate the channel presents to its peer (SMPP `tls-cert`), null when none. */
  client_certificate: { subject: string; expires_at: string } | null;
  /** Each connection it keeps (SMPP binds, in order), null for a channel without any (the simulator). */
  binds: BindJson[] | null;
}

export interface BindJson {
  name: string;
  state: ChannelStatus['state'];
  reason: string | null;
  since: string;
  in_flight: number;
}

export function channelJson(status: ChannelStatus): ChannelJson {
  const certificate = status.clientCertificate;
  return {
    name: status.name, type: status.type, state: status.state, reason: status.reason, since: new Date(status.since).toISOString(),
    waiting: status.waiting, in_flight: status.inFlight, numbers: [...status.numbers], destinations: [...(status.destinations ?? [])], failover: [...(status.failover ?? [])],
    client_certificate: certificate ? { subject: certificate.subject, expires_at: new Date(certificate.expiresAt).toISOString() } : null,
    binds: status.binds?.map((b) => ({ name: b.name, state: b.state, reason: b.reason, since: new Date(b.since).toISOString(), in_flight: b.inFlight })) ?? null,
  };
}

export interface MessagePartsJson {
  message_sid: string;
  status: string;
  num_segments: string;
  /** The channel the first part went on, null when none went on a carrier. */
  channel: string | null;
  parts: Array<{
    index: number;
    /** The channel it went on: parts of one message can go on two when a channel failed over. */
    channel: string;
    total: number;
    smsc_message_id: string;
    state: SubmittedPart['state'];
    error_code: number | null;
    date_submitted: string;
    date_done: string | null;
  }>;
}

/** A message's parts as the SMSC accepted them (1-based `index`, as SMS parts are counted). */
export function messagePartsJson(message: MessageRecord, parts: readonly SubmittedPart[]): MessagePartsJson {
  return {
    message_sid: message.sid, status: message.status, num_segments: String(message.numSegments), channel: parts[0]?.channel ?? null,
    parts: parts.map((p) => ({
      index: p.index + 1, channel: p.channel, total: p.total, smsc_message_id: p.smscId, state: p.state, error_code: p.errorCode,
      date_submitted: new Date(p.submittedAt).toISOString(), date_done: p.doneAt === null ? null : new Date(p.doneAt).toISOString(),
    })),
  };
}
