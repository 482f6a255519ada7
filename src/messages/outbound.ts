/**
 * Messages created through the REST API: validated at the edge into Twilio's error codes, stored
 * (durably) first, counted as activity on their conversation, then handed to the channel through
 * `Delivery`. With a `MessagingServiceSid` and no `From`, the service's pool picks the sender.
 * Scheduled messages (`SendAt` + `ScheduleType=fixed`) wait in the store as
 * `scheduled` and are handed over when due; a restart keeps them.
 * https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 */
import type { Gateway } from '../gateway/gateway.js';
import type { AccountRecord, MessageRecord, MessagingServiceRecord } from '../stores/records.js';
import { conversationId } from '../stores/records.js';
import { TwilioError } from '../errors/twilio-error.js';
import { isAlphanumericSender, isE164, isShortCode, withoutChannelPrefix } from '../phone/numbers.js';
import { newMessage } from './message.js';
import { parseIso8601Filter } from '../http/representations/dates.js';
import { MAX_BODY_LENGTH } from './segments.js';
import { smartEncoded } from './smart-encoding.js';
import { isOptedOut } from './opt-outs.js';
import { senderFor } from './sender-selection.js';
import { DEFAULT_VALIDITY_PERIOD_S, parseValidityPeriod } from './validity.js';

export const MAX_MEDIA = 10;

/** A create request as the API received it (PascalCase parameters already read). */
export interface CreateMessageInput {
  to: string | undefined;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string | undefined;
  mediaUrls: string[];
  statusCallback: string | undefined;
  validityPeriod: string | undefined;
  sendAt: string | undefined;
  scheduleType: string | undefined;
  /** `SmartEncoded`: Smart Encoding for this message; absent, the Messaging Service's setting (off without one). */
  smartEncoded?: boolean | undefined;
}

/** `whatsapp:+1…` and other channel addresses carry an E.164 number after the prefix. */
function isAddress(value: string): boolean {
  const colon = value.indexOf(':');
  return isE164(colon > 0 && /^[a-z-]+$/.test(value.slice(0, colon)) ? value.slice(colon + 1) : value);
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && value.length <= 4000;
  } catch {
    return false;
  }
}

export class OutboundMessages {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(private readonly gateway: Gateway, private readonly pollMs = 1000) {}

  /** Validates, stores and (unless scheduled) sends. Resolves with the stored record. */
  async create(account: AccountRecord, input: CreateMessageInput): Promise<MessageRecord> {
    const { store, clock } = this.gateway;
    this.gateway.assertTakingWork();
    const to = input.to ?? '';
    let from = input.from ?? '';
    const body = input.body ?? '';
    // The order of checks follows what Twilio reports first for a request with several problems.
    if (to === '') throw new TwilioError(21604, "A 'To' phone number is required.");
    if (from === '' && !input.messagingServiceSid) throw new TwilioError(21603, "A 'From' phone number is required.");
    if (body === '' && input.mediaUrls.length === 0) throw new TwilioError(21602, 'Message body is required.');
    if (!isAddress(to)) throw new TwilioError(21211, `The 'To' number ${to} is not a valid phone number.`);
    let service: MessagingServiceRecord | null = null;
    if (input.messagingServiceSid) {
      service = await store.services.get(account.sid, input.messagingServiceSid);
      if (!service) throw new TwilioError(21705, `The Messaging Service Sid ${input.messagingServiceSid} is invalid.`);
    }
    // Without From, Twilio answers `accepted` (the service picks the sender), then queues it.
    const accepted = from === '' && service !== null;
    if (from === '' && service) from = await senderFor(store.services, service, to);
    const alphanumeric = isAlphanumericSender(from);
    if (!alphanumeric && !isAddress(from) && !isShortCode(from)) throw new TwilioError(21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
    // An alphanumeric sender ID belongs to no number: the channel that carries it is its permission.
    const number = alphanumeric ? null : await store.numbers.findByPhoneNumber(withoutChannelPrefix(from));
    if (!alphanumeric && (!number || number.accountSid !== account.sid)) {
      throw new TwilioError(21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`);
    }
    const sender = number?.phoneNumber ?? from;
    // Without the simulator, a number no channel carries has no network to send on.
    if (!this.gateway.channels.carries(sender, to)) {
      const what = alphanumeric ? `The alphanumeric sender ID ${from}` : `The From phone number ${from}`;
      throw new TwilioError(21606, this.gateway.channels.lists(sender)
        ? `${what} is carried to ${to} by no channel (Parley runs with --carriers-only); add a prefix of ${to} to the destinations of a channel that lists it.`
        : `${what} is carried by no channel (Parley runs with --carriers-only); add it to a channel's numbers.`);
    }
    // Twilio numbers cannot message themselves (Twilio reports it as 21211, an invalid 'To').
    if (withoutChannelPrefix(to) === sender) {
      throw new TwilioError(21211, `The 'To' number ${to} is the 'From' number: a number cannot send a message to itself.`);
    }
    if ([...body].length > MAX_BODY_LENGTH) throw new TwilioError(21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (input.mediaUrls.length > MAX_MEDIA) throw new TwilioError(21623, `Too many media files: ${input.mediaUrls.length} (at most ${MAX_MEDIA}).`);
    const badMedia = input.mediaUrls.find((u) => !isHttpUrl(u));
    if (badMedia !== undefined) throw new TwilioError(21620, `Invalid media URL: ${badMedia}`);
    const validity = input.validityPeriod !== undefined
      ? parseValidityPeriod(input.validityPeriod)
      : service?.validityPeriod ?? DEFAULT_VALIDITY_PERIOD_S;
    if (input.statusCallback !== undefined && input.statusCallback !== '' && !isHttpUrl(input.statusCallback)) {
      throw new TwilioError(21609, `Invalid 'StatusCallback': ${input.statusCallback}`);
    }
    const now = clock.now();
    const sendAt = this.sendAtOf(input, now);
    if (await isOptedOut(store, account.sid, from, to)) {
      throw new TwilioError(21610, 'Attempt to send to unsubscribed recipient');
    }

    // The body stored is the one sent and counted: after Smart Encoding's replacements.
    const smart = input.smartEncoded ?? (service !== null && service.smartEncoding !== false);
    const message = newMessage({
      accountSid: account.sid, direction: 'outbound-api', from, to, body: smart ? smartEncoded(body) : body, at: now,
      status: sendAt !== null ? 'scheduled' : accepted ? 'accepted' : 'queued',
      media: input.mediaUrls.map((url) => ({ url })),
      messagingServiceSid: service?.sid ?? null,
      statusCallback: input.statusCallback || service?.statusCallback || null,
      // A scheduled message joins the outgoing queue at its SendAt, so its validity counts from then.
      validUntil: (sendAt ?? now) + validity * 1000,
    });
    await store.messages.insert(message, sendAt === null ? {} : { sendAt });
    this.gateway.events.emit({ type: 'message', message });
    if (sendAt === null) await this.send(message);
    return message;
  }

  /** Starts handing over scheduled messages as they fall due (also those left by a previous run). */
  start(): void {
    if (this.timer) return;
    // A sweep can fail (a database restart, on a shared store): the next one tries again.
    const sweep = (): void => void this.sweep().catch((error: unknown) => this.gateway.logger.warn({ err: error }, 'scheduled-message sweep failed; the next one tries again'));
    this.timer = setInterval(sweep, this.pollMs);
    this.timer.unref();
    sweep();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  /** Hands over every scheduled message that is due now. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const due = await this.gateway.store.messages.due(this.gateway.clock.now(), 500);
        for (const m of due) {
          const at = this.gateway.clock.now();
          // Only from `scheduled`: when several nodes share the store, the one whose change applies sends it.
          if (!await this.gateway.store.messages.setStatus(m.sid, 'queued', { at }, undefined, { from: ['scheduled'] })) continue;
          const queued: MessageRecord = { ...m, status: 'queued', dateUpdated: at };
          this.gateway.events.emit({ type: 'message', message: queued }); // every status change is an event (metrics, streams)
          await this.send(queued);
        }
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  /**
   * Activity on the conversation (keeps its jar alive), then the channel. Not awaited past hand-over.
   * A first hand-over (SendOptions.firstHandover): the message was just made, or just left
   * `scheduled` through this node's own status change; one resumed after a crash comes through
   * Delivery's resume instead.
   */
  private async send(message: MessageRecord): Promise<void> {
    const key = { accountSid: message.accountSid, number: withoutChannelPrefix(message.from), handset: withoutChannelPrefix(message.to) };
    await this.gateway.store.conversations.touch({
      id: conversationId(key), accountSid: key.accountSid, number: key.number, handset: key.handset, lastActivity: this.gateway.clock.now(),
    });
    void this.gateway.delivery.deliver(message, { firstHandover: true }).catch(() => undefined);
  }

  private sendAtOf(input: CreateMessageInput, now: number): number | null {
    if (input.scheduleType === undefined && input.sendAt === undefined) return null;
    if (input.scheduleType !== 'fixed') throw new TwilioError(20001, "ScheduleType must be 'fixed' when SendAt is given.");
    const at = input.sendAt === undefined ? null : parseIso8601Filter(input.sendAt);
    if (at === null) throw new TwilioError(20001, 'SendAt must be an ISO 8601 date and time.');
    if (at <= now) throw new TwilioError(20001, 'SendAt must be in the future.');
    return at;
  }
}
