/**
 * deliver_sm read directly, and its response written directly: two of each a message brings over
 * SMPP (the message, then its receipt). The `smpp` library reads a PDU by walking its field table by
 * name and then every field again for its filters, megamorphic lookups each (bench/README.md,
 * finding 83). What this reads is exactly what the library reads from the same bytes, down to the
 * object's prototype (test/channels/smpp/received-pdus.test.ts compares the two); a PDU whose
 * mandatory fields do not lie whole within it is left to the library, which reads it its own way.
 */
import { PDU_HEADER, smpp, type PDU } from './library.js';
import { headerOf, readTlvs } from './pdu-read.js';

export const DELIVER_SM = 0x00000005;
const DELIVER_SM_RESP = 0x80000005;

/** A deliver_sm (`frame` is exactly one PDU, header included), or null to leave it to the library. */
export function readDeliverSm(frame: Buffer): PDU | null {
  const length = frame.length;
  const pdu = headerOf(frame, 'deliver_sm');
  let at = PDU_HEADER;
  /** The C-octet string at `at`, if it ends within the PDU with `next` octets after it (the next field's first among them). */
  const cString = (next: number): string | null => {
    const end = frame.indexOf(0, at);
    if (end < 0 || end + next >= length) return null;
    const value = frame.toString('ascii', at, end);
    at = end + 1;
    return value;
  };
  const service = cString(3);
  if (service === null) return null;
  pdu.service_type = service;
  pdu.source_addr_ton = frame[at++];
  pdu.source_addr_npi = frame[at++];
  const source = cString(3);
  if (source === null) return null;
  pdu.source_addr = source;
  pdu.dest_addr_ton = frame[at++];
  pdu.dest_addr_npi = frame[at++];
  const destination = cString(4);
  if (destination === null) return null;
  pdu.destination_addr = destination;
  pdu.esm_class = frame[at++];
  pdu.protocol_id = frame[at++];
  pdu.priority_flag = frame[at++];
  const schedule = cString(1);
  const validity = schedule === null ? null : cString(5);
  if (schedule === null || validity === null) return null;
  const { time, message } = smpp.filters;
  pdu.schedule_delivery_time = time.decode.call(pdu, schedule);
  pdu.validity_period = time.decode.call(pdu, validity);
  pdu.registered_delivery = frame[at++];
  pdu.replace_if_present_flag = frame[at++];
  pdu.data_coding = frame[at++];
  pdu.sm_default_msg_id = frame[at++];
  const textLength = frame[at++]!;
  if (at + textLength > length) return null;
  pdu.short_message = message.decode.call(pdu, frame.subarray(at, at + textLength));
  readTlvs(pdu, frame, at + textLength);
  return pdu;
}

/** deliver_sm_resp as the library writes it: an empty message_id when accepted, no body when not. */
export function encodeDeliverSmResp(sequence: number, status: number): Buffer {
  const length = status === 0 ? PDU_HEADER + 1 : PDU_HEADER;
  const pdu = Buffer.alloc(length);
  pdu.writeUInt32BE(length, 0);
  pdu.writeUInt32BE(DELIVER_SM_RESP, 4);
  pdu.writeUInt32BE(status, 8);
  pdu.writeUInt32BE(sequence, 12);
  return pdu;
}
