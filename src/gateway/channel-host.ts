/**
 * What channels may ask of the gateway (the ChannelHost contract in ../channels/channel.ts): find a
 * number's owner, store inbound messages and the parts of long ones, record the parts a carrier
 * accepted and match its receipts. Built from narrow pieces of the gateway so that a channel never
 * holds the whole store.
 */
import type { AssembleParts, CarrierReceipt, ChannelHost, InboundInput, InboundPart } from '../channels/channel.js';
import type { Clock } from '../clock/clock.js';
import type { Delivery } from '../delivery/delivery.js';
import type { Logger } from '../logging/logger.js';
import type { MessageRecord, SubmittedPart } from '../stores/records.js';
import type { Store } from '../stores/store.js';
import { newMessage } from '../messages/message.js';
import { lookupError } from '../errors/catalog.js';
import { alertFor } from '../errors/alerts.js';
import { inboundWebhookFor } from './inbound-webhook.js';

export interface ChannelHostDeps {
  store: Store;
  clock: Clock;
  delivery: Pick<Delivery, 'report'>;
  logger: Logger;
  /** Stores an inbound message and starts its turn (the gateway's `receive`). */
  receive(input: InboundInput): Promise<MessageRecord>;
  /** Announces a message the store inserted itself (an assembled long message, from `channel`) and starts its turn. */
  accepted(message: MessageRecord, channel: string): void;
  /** Counts receipts that matched no part (metrics). */
  onUnmatchedReceipt?(receipt: CarrierReceipt): void;
  /** Throws while the gateway drains: a part is then refused (not acknowledged) like a whole message. */
  assertTakingWork?(): void;
}

/** The inbound message record of an input, with what only a channel knows (parts, 30009). */
export function inboundRecord(input: InboundInput, serviceSid: string | null, at: number): MessageRecord {
  const message = newMessage({
    accountSid: input.accountSid, direction: 'inbound', from: input.from, to: input.to, body: input.body,
    status: 'received', at, media: input.media, messagingServiceSid: serviceSid, dateSent: at,
  });
  if (input.numSegments !== undefined) message.numSegments = input.numSegments;
  if (input.errorCode !== undefined) {
    message.errorCode = input.errorCode;
    message.errorMessage = lookupError(input.errorCode)?.title ?? null;
  }
  return message;
}

export function createChannelHost(deps: ChannelHostDeps): ChannelHost {
  const { store, clock } = deps;

  /** Turns a group's parts into a record inside the store's transaction (pure and synchronous). */
  const assembler = (assemble: AssembleParts, serviceSid: string | null, complete: boolean) => (parts: readonly InboundPart[]): MessageRecord | null => {
    const input = assemble(parts, complete);
    return input ? inboundRecord(input, serviceSid, clock.now()) : null;
  };

  const afterStored = async (message: MessageRecord, channel: string): Promise<void> => {
    if (message.errorCode === 30009) {
      // The error log says a part never came; the message itself still runs its turn with what did.
      await store.alerts.insert(alertFor({
        accountSid: message.accountSid, resourceSid: message.sid, code: 30009, at: clock.now(), exchange: null,
        text: `Missing inbound message segment: ${message.numSegments} part(s) arrived before the reassembly timeout`,
      }));
    }
    deps.accepted(message, channel);
  };

  const settle = async (parts: SubmittedPart[]): Promise<void> => {
    const first = parts[0];
    if (!first || parts.length < first.total || parts.some((p) => p.state === 'submitted')) return; // parts still on their way
    const failed = parts.find((p) => p.state === 'undelivered');
    await deps.delivery.report({ sid: first.messageSid, accountSid: first.accountSid }, failed ? 'undelivered' : 'delivered', failed ? failed.errorCode ?? 30008 : null, { accepted: true });
  };

  return {
    findNumber: async (candidates) => {
      for (const candidate of candidates) {
        const number = await store.numbers.findByPhoneNumber(candidate);
        if (number) return { accountSid: number.accountSid, phoneNumber: number.phoneNumber };
      }
      return null;
    },
    receive: (input) => deps.receive(input),
    receivePart: async (part, assemble) => {
      deps.assertTakingWork?.();
      const { serviceSid } = await inboundWebhookFor(store, part.accountSid, part.to);
      const message = await store.inboundParts.add(part, assembler(assemble, serviceSid, true));
      if (message) await afterStored(message, part.channel);
      return message;
    },
    flushParts: async (channel, before, assemble) => {
      const stored: MessageRecord[] = [];
      for (const group of await store.inboundParts.stale(channel, before, 500)) {
        const { serviceSid } = await inboundWebhookFor(store, group.accountSid, group.to);
        const message = await store.inboundParts.complete(channel, group.groupKey, assembler(assemble, serviceSid, false));
        if (!message) continue;
        await afterStored(message, channel);
        stored.push(message);
      }
      return stored;
    },
    recordSubmitted: async (part) => {
      const parts = await store.carrierParts.record(part);
      if (parts) await settle(parts); // a receipt came before its part was recorded
    },
    submittedParts: (sid) => store.carrierParts.ofMessage(sid),
    receipt: async (receipt) => {
      const parts = await store.carrierParts.applyReceipt(receipt);
      if (!parts) {
        deps.onUnmatchedReceipt?.(receipt);
        deps.logger.warn({ channel: receipt.channel, smscId: receipt.smscId, receiptKey: receipt.receiptKey, state: receipt.state }, 'a delivery receipt matched no message (kept a while in case its message is recorded later)');
        return 'unmatched';
      }
      await settle(parts);
      return 'matched';
    },
    report: (message, status, errorCode) => deps.delivery.report(message, status, errorCode ?? null),
  };
}
