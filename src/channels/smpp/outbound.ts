/**
 * An outbound message as the submit_sm PDUs that carry it: addresses (E.164 → TON 1/NPI 1,
 * alphanumeric → TON 5), the text encoded and split by the codec (outbound-text.ts), one
 * concatenation reference per message, and `registered_delivery` asking for the receipts the
 * channel's `receipts` names (a final one by default).
 *
 * The reference comes from the message SID, not from a counter, so a message whose first parts
 * went out before a restart gets the same reference for the rest (the handset joins them).
 */
import type { MessageRecord } from '../../stores/records.js';
import type { AddressCode, SmppChannelConfig } from '../../config/channels.js';
import { withoutChannelPrefix } from '../../phone/numbers.js';
import type { PduOptions } from './library.js';
import { toSmppAddress, type SmppAddress } from './addresses.js';
import { encodeOutbound, type OutboundText, type SubmitPart, type SubmitTlvs } from './outbound-text.js';
import { encodeSubmitSm, type SubmitSmFields } from './submit-sm.js';
import { EncodedRequest } from './session.js';

/** registered_delivery (SMPP 3.4 5.2.17) for each `receipts` setting: a final receipt, success or failure (1), one on failure only (2), none (0). */
const REGISTERED_DELIVERY = { all: 0x01, failures: 0x02, none: 0x00 } as const;

export interface PreparedMessage {
  source: SmppAddress;
  destination: SmppAddress;
  text: OutboundText;
  /** The channel's `service-type`, `priority` and `receipts` (as registered_delivery). */
  serviceType: string;
  priority: number;
  registeredDelivery: number;
}

type AddressSettings = Pick<SmppChannelConfig, 'sourceTon' | 'sourceNpi' | 'destTon' | 'destNpi' | 'serviceType' | 'priority' | 'receipts'>;

/** Why a message cannot go over SMPP at all: it fails with `errorCode` before anything is sent. */
export class Unsendable extends Error {
  constructor(message: string, readonly errorCode: number) {
    super(message);
  }
}

/** A stable 16-bit reference for a message (FNV-1a of its SID). */
export function referenceOf(sid: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sid.length; i++) {
    hash ^= sid.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash ^ (hash >>> 16)) & 0xffff;
}

export function prepare(message: MessageRecord, config: Pick<SmppChannelConfig, 'dataCoding' | 'longMessages'> & AddressSettings): PreparedMessage {
  let destination: SmppAddress;
  let source: SmppAddress;
  try {
    destination = toSmppAddress(withoutChannelPrefix(message.to));
  } catch (error) {
    throw new Unsendable(`To ${message.to}: ${(error as Error).message}`, 30005);
  }
  try {
    source = toSmppAddress(withoutChannelPrefix(message.from));
  } catch (error) {
    throw new Unsendable(`From ${message.from}: ${(error as Error).message}`, 30007);
  }
  // SMS carries no media: the body goes, and a message that is media alone cannot.
  if (message.body === '') throw new Unsendable('an SMPP message needs a body (media cannot travel over SMPP)', 30008);
  try {
    const text = encodeOutbound(message.body, { dataCoding: config.dataCoding, longMessages: config.longMessages, reference: referenceOf(message.sid) });
    return {
      source: forced(source, config.sourceTon, config.sourceNpi), destination: forced(destination, config.destTon, config.destNpi), text,
      serviceType: config.serviceType, priority: config.priority, registeredDelivery: REGISTERED_DELIVERY[config.receipts],
    };
  } catch (error) {
    throw new Unsendable(`the body cannot be sent: ${(error as Error).message}`, 30008);
  }
}

/**
 * The submit_sm of one part as the session sends it: encoded here when the part has no TLVs
 * (submit-sm.ts, finding 80), else as fields for the library to encode. `validityPeriod` is the
 * field as validity-period.ts writes it for this submit.
 */
export function submitRequest(prepared: PreparedMessage, part: SubmitPart, validityPeriod: string): PduOptions | EncodedRequest {
  const fields = submitFields(prepared, part, validityPeriod);
  return hasTlvs(part.tlvs) ? { ...fields, ...part.tlvs } : new EncodedRequest((sequence) => encodeSubmitSm(sequence, fields));
}

/** An address with the TON and NPI the configuration forces (the carrier's rule), else as Parley chose them. */
function forced(address: SmppAddress, ton: AddressCode, npi: AddressCode): SmppAddress {
  if (ton === 'auto' && npi === 'auto') return address;
  return { addr: address.addr, ton: ton === 'auto' ? address.ton : ton, npi: npi === 'auto' ? address.npi : npi };
}

function hasTlvs(tlvs: SubmitTlvs): boolean {
  for (const value of Object.values(tlvs)) if (value !== undefined) return true;
  return false;
}

function submitFields(prepared: PreparedMessage, part: SubmitPart, validityPeriod: string): SubmitSmFields {
  const { source, destination, text } = prepared;
  return {
    service_type: prepared.serviceType,
    source_addr_ton: source.ton, source_addr_npi: source.npi, source_addr: source.addr,
    dest_addr_ton: destination.ton, dest_addr_npi: destination.npi, destination_addr: destination.addr,
    esm_class: part.esmClassFlags,
    protocol_id: 0, priority_flag: prepared.priority, schedule_delivery_time: '', validity_period: validityPeriod,
    registered_delivery: prepared.registeredDelivery, replace_if_present_flag: 0,
    data_coding: text.dataCoding, sm_default_msg_id: 0,
    short_message: part.shortMessage,
  };
}
