/**
 * A submit_sm written directly, for the parts that carry no TLVs (a one-part message, or a part
 * concatenated by UDH): most of what the channel sends. The `smpp` library writes a PDU by walking
 * its fields by name, a megamorphic lookup each, which made it the channel's largest cost after the
 * store (bench/README.md, finding 80). The bytes are exactly the library's for the same fields
 * (test/channels/smpp/submit-sm.test.ts compares the two); a part with TLVs still goes through the
 * library, which knows every TLV's layout. Its response is read directly too (finding 83).
 */
import { PDU_HEADER, type PDU } from './library.js';
import { headerOf, readTlvs } from './pdu-read.js';

/** The mandatory fields of submit_sm (SMPP 3.4 section 4.4.1), as the library names them. */
export type SubmitSmFields = {
  service_type: string;
  source_addr_ton: number;
  source_addr_npi: number;
  source_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  esm_class: number;
  protocol_id: number;
  priority_flag: number;
  /** Parley never schedules: empty (deliver at once). */
  schedule_delivery_time: '';
  /** Empty (the SMSC's default) or an SMPP time (validity-period.ts). */
  validity_period: string;
  registered_delivery: number;
  replace_if_present_flag: number;
  data_coding: number;
  sm_default_msg_id: number;
  /** At most 254 octets (its length is one octet); longer text goes in `message_payload`. */
  short_message: Buffer;
};

const SUBMIT_SM = 0x00000004;
export const SUBMIT_SM_RESP = 0x80000004;

/**
 * The PDU of `fields` with `sequence`. C-octet strings are written a byte per character, as the
 * library does (addresses are ASCII: addresses.ts).
 */
export function encodeSubmitSm(sequence: number, fields: SubmitSmFields): Buffer {
  const { service_type: service, source_addr: source, destination_addr: destination, validity_period: validity, short_message: text } = fields;
  if (text.length > 255) throw new RangeError(`short_message is ${text.length} octets; its length field holds at most 255`);
  // Four C-octet strings with their NULs, an empty one (schedule), eleven one-octet fields, the
  // text's length octet and the text.
  const length = PDU_HEADER + service.length + source.length + destination.length + validity.length + 4 + 1 + 11 + 1 + text.length;
  const pdu = Buffer.allocUnsafe(length);
  pdu.writeUInt32BE(length, 0);
  pdu.writeUInt32BE(SUBMIT_SM, 4);
  pdu.writeUInt32BE(0, 8);
  pdu.writeUInt32BE(sequence, 12);
  let at = cString(pdu, PDU_HEADER, service);
  pdu[at++] = fields.source_addr_ton;
  pdu[at++] = fields.source_addr_npi;
  at = cString(pdu, at, source);
  pdu[at++] = fields.dest_addr_ton;
  pdu[at++] = fields.dest_addr_npi;
  at = cString(pdu, at, destination);
  pdu[at++] = fields.esm_class;
  pdu[at++] = fields.protocol_id;
  pdu[at++] = fields.priority_flag;
  pdu[at++] = 0; // schedule_delivery_time: empty
  at = cString(pdu, at, validity);
  pdu[at++] = fields.registered_delivery;
  pdu[at++] = fields.replace_if_present_flag;
  pdu[at++] = fields.data_coding;
  pdu[at++] = fields.sm_default_msg_id;
  pdu[at++] = text.length;
  text.copy(pdu, at);
  return pdu;
}

function cString(pdu: Buffer, at: number, value: string): number {
  const end = at + pdu.write(value, at, 'latin1');
  pdu[end] = 0;
  return end + 1;
}

/**
 * A submit_sm_resp (`frame` is exactly one PDU) as the library reads it: the SMSC's message_id, if
 * any (a refusal may come without a body), and any TLVs; null when the id does not end within the
 * PDU, left to the library (bench/README.md, finding 83).
 */
export function readSubmitSmResp(frame: Buffer): PDU | null {
  const pdu = headerOf(frame, 'submit_sm_resp');
  if (frame.length === PDU_HEADER) return pdu;
  const end = frame.indexOf(0, PDU_HEADER);
  if (end < 0) return null;
  pdu.message_id = frame.toString('ascii', PDU_HEADER, end);
  readTlvs(pdu, frame, end + 1);
  return pdu;
}
