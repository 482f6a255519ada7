/**
 * What comes from the SMSC in deliver_sm: messages from handsets and delivery receipts.
 *
 * - deliver_sm_resp goes only after the message (or the part, or the receipt) is committed; a
 *   store failure answers ESME_RX_T_APPN, so the SMSC delivers it again later. A destination no
 *   account owns is refused with ESME_RINVDSTADR.
 * - A part of a concatenated message (UDH IEI 0x00/0x08 or SAR TLVs) is stored durably
 *   (host.receivePart) until its group is complete, in any order; groups that stay incomplete for
 *   `reassembly-timeout` are stored with what came and error 30009 (host.flushParts).
 * - Receipts are read from their TLVs, else from their text (receipts.ts), mapped to a status and a
 *   Twilio code (errors.ts) and matched to the stored part by the host, on any node. Receipts that
 *   are not final change nothing; receipts that match nothing or cannot be read are answered with
 *   ESME_ROK all the same (an error would only make the SMSC send them again), logged and counted.
 */
import type { AssembleParts, ChannelHost, InboundInput } from '../channel.js';
import type { SmppChannelConfig } from '../../config/channels.js';
import type { Clock } from '../../clock/clock.js';
import type { Logger } from '../../logging/logger.js';
import { STATUS, type PDU } from './library.js';
import type { SmppSession } from './session.js';
import { readDeliverSm, type DeliverSm } from './pdu-fields.js';
import { destinationCandidates, fromSmppAddress } from './addresses.js';
import { alphabetOf, decodeShortMessage, decodeUserData } from './inbound-text.js';
import { concatenationKey, reassemble } from './reassembly.js';
import { deliverSmType, parseReceipt, receiptIdKey, receiptTextOf } from './receipts.js';
import { MISSING_SEGMENT_CODE, receiptOutcome, type ErrorOverrides } from './errors.js';

export interface InboundDeps {
  config: Pick<SmppChannelConfig, 'name' | 'receiptId' | 'reassemblyTimeoutMs'>;
  overrides: ErrorOverrides;
  host: () => ChannelHost | null;
  clock: Clock;
  logger: Logger;
}

export class InboundHandler {
  private readonly busy = new Set<Promise<void>>();
  private accepting = true;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** Receipts that could not be read (no id or no state): answered, logged and counted. */
  unreadableReceipts = 0;

  constructor(private deps: InboundDeps) {}

  /** A reload's new settings, taken while running (SmppChannel.adjust); the sweep follows a new reassembly timeout. */
  configure(config: InboundDeps['config'], overrides: ErrorOverrides): void {
    const sweepChanged = config.reassemblyTimeoutMs !== this.deps.config.reassemblyTimeoutMs;
    this.deps = { ...this.deps, config, overrides };
    if (sweepChanged && this.flushTimer) {
      clearInterval(this.flushTimer);
      this.start();
    }
  }

  /** Handles a deliver_sm and answers it once what it carries is committed. */
  handle(pdu: PDU, session: SmppSession): void {
    if (!this.accepting) {
      session.respond(pdu, STATUS.TEMPORARY_APP_ERROR);
      return;
    }
    const work = this.process(readDeliverSm(pdu)).then(
      (status) => void session.respond(pdu, status),
      (error: unknown) => {
        this.deps.logger.error({ err: error, channel: this.deps.config.name }, 'could not store a deliver_sm; the SMSC is asked to send it again');
        session.respond(pdu, STATUS.TEMPORARY_APP_ERROR);
      },
    ).finally(() => this.busy.delete(work));
    this.busy.add(work);
  }

  /** Starts the reassembly timeout's sweep (a quarter of the timeout, between 250 ms and 30 s). */
  start(): void {
    const every = Math.min(Math.max(this.deps.config.reassemblyTimeoutMs / 4, 250), 30_000);
    this.flushTimer = setInterval(() => {
      this.flushing ??= this.flush().catch((error: unknown) => {
        this.deps.logger.error({ err: error, channel: this.deps.config.name }, 'could not store incomplete long messages');
      }).finally(() => { this.flushing = null; });
    }, every);
    this.flushTimer.unref();
  }

  /** Stops taking deliver_sm (they are refused as temporary) and waits for those being stored. */
  async stop(): Promise<void> {
    this.accepting = false;
    if (this.flushTimer) clearInterval(this.flushTimer);
    await Promise.allSettled([...this.busy, this.flushing]);
  }

  /** Stores, with error 30009, long messages whose parts did not all come within the timeout. */
  async flush(): Promise<void> {
    const host = this.deps.host();
    if (!host) return;
    await host.flushParts(this.deps.config.name, this.deps.clock.now() - this.deps.config.reassemblyTimeoutMs, this.assemble);
  }

  private async process(deliver: DeliverSm): Promise<number> {
    const host = this.deps.host();
    if (!host) return STATUS.TEMPORARY_APP_ERROR;
    const type = deliverSmType(deliver.esmClass);
    if (type === 'delivery-receipt' || type === 'intermediate-notification') return this.receipt(host, deliver);
    if (type !== 'message') return STATUS.OK; // SME acknowledgements: nothing to store
    return this.message(host, deliver);
  }

  private async message(host: ChannelHost, deliver: DeliverSm): Promise<number> {
    const { name } = this.deps.config;
    const owner = await host.findNumber(destinationCandidates(deliver.destination));
    if (!owner) {
      this.deps.logger.warn({ channel: name, destination: deliver.destination.addr }, 'deliver_sm for a number no account has; refused');
      return STATUS.INVALID_DESTINATION;
    }
    const from = fromSmppAddress(deliver.source);
    const to = owner.phoneNumber;
    const decoded = decodeShortMessage({ shortMessage: deliver.userData, dataCoding: deliver.dataCoding, esmClass: deliver.esmClass, sar: deliver.sar });
    const concatenation = decoded.concatenation;
    if (concatenation && concatenation.total > 1) {
      await host.receivePart({
        channel: name, groupKey: concatenationKey(from, to, concatenation), accountSid: owner.accountSid, from, to,
        seq: concatenation.seq, total: concatenation.total, payload: decoded.userData, dataCoding: deliver.dataCoding, receivedAt: this.deps.clock.now(),
      }, this.assemble);
    } else {
      await host.receive({ accountSid: owner.accountSid, from, to, body: decoded.text, media: [], channel: name, numSegments: 1 });
    }
    return STATUS.OK;
  }

  /** The whole message of a group's parts (all of them, or what came by the timeout: 30009). */
  private readonly assemble: AssembleParts = (parts, complete) => {
    const first = parts[0];
    if (!first) return null;
    const texts = parts.map((p) => ({ seq: p.seq, text: decodeUserData(p.payload, alphabetOf(p.dataCoding)) }));
    const whole = reassemble(first.total, texts);
    const input: InboundInput = {
      accountSid: first.accountSid, from: first.from, to: first.to, body: whole.text, media: [], channel: this.deps.config.name,
      numSegments: complete && whole.complete ? first.total : parts.length,
    };
    if (!complete || !whole.complete) input.errorCode = MISSING_SEGMENT_CODE;
    return input;
  };

  private async receipt(host: ChannelHost, deliver: DeliverSm): Promise<number> {
    const { name, receiptId } = this.deps.config;
    const text = receiptTextOf(deliver.userData, deliver.dataCoding);
    const receipt = parseReceipt({ text, tlvs: deliver.receipt });
    const tlvId = receipt?.ids.find((i) => i.source === 'tlv');
    const textId = receipt?.ids.find((i) => i.source === 'text');
    if (!receipt || (!tlvId && !textId)) {
      this.unreadableReceipts++;
      this.deps.logger.warn({ channel: name, text: text.slice(0, 160) }, 'a delivery receipt without an id or a state; answered and dropped');
      return STATUS.OK;
    }
    const outcome = receiptOutcome(receipt, this.deps.overrides);
    if (outcome.status === 'sent') return STATUS.OK; // ENROUTE, ACCEPTD, ...: nothing final yet
    // The TLV id is the submit_sm_resp id as given; the text's id is keyed per `receipt-id`.
    const receiptKey = textId ? receiptIdKey(textId.id, receiptId, 'text') : receiptIdKey(tlvId!.id, receiptId, 'tlv');
    await host.receipt({
      channel: name, smscId: tlvId?.id ?? null, receiptKey, state: outcome.status,
      errorCode: outcome.status === 'undelivered' ? outcome.errorCode : null, at: this.deps.clock.now(),
    });
    return STATUS.OK;
  }
}
