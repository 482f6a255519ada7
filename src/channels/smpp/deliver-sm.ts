/**
 * deliver_sm read directly, and its response written directly: two of each a message brings over
 * SMPP (the message, then its receipt). The `smpp` library reads a PDU by walking its field table by
 * name and then every field again for its filters, megamorphic lookups each (bench/README.md,
 * finding 83). What this reads is exactly what the library reads from the same bytes, down to the
 * object's prototype (test/channels/smpp/received-pdus.test.ts compares the two); a PDU whose
 * mandatory fields do not lie whole within it is left to the library, which reads it its own way.
 */
import { smpp, type PDU } from './library.js';
import { headerOf, readTlvs } from './pdu-read.js';

export const DELIVER_SM = 0x00000005;
const DELIVER_SM_RESP = 0x80000005;
const HEADER = 16;

/** A deliver_sm (`frame` is exactly one PDU, header included), or null to leave it to the library. */
export function readDeliverSm(frame: Buffer): PDU | null {
  const length = frame.length;
  const pdu = headerOf(frame, 'deliver_sm');
  let at = HEADER;
  // Each C-octet string must end within the PDU, and each octet after it lie within it.
  const service = frame.indexOf(0, at);
  if (service < 0 || service + 3 >= length) return null;
  pdu.service_type = frame.toString('ascii', at, service);
  pdu.source_addr_ton = frame[service + 1];
  pdu.source_addr_npi = frame[service + 2];
  at = service + 3;
  const source = frame.indexOf(0, at);
  if (source < 0 || source + 3 >= length) return null;
  pdu.source_addr = frame.toString('ascii', at, source);
  pdu.dest_addr_ton = frame[source + 1];
  pdu.dest_addr_npi = frame[source + 2];
  at = source + 3;
  const destination = frame.indexOf(0, at);
  if (destination < 0 || destination + 4 >= length) return null;
  pdu.destination_addr = frame.toString('ascii', at, destination);
  pdu.esm_class = frame[destination + 1];
  pdu.protocol_id = frame[destination + 2];
  pdu.priority_flag = frame[destination + 3];
  at = destination + 4;
  const schedule = frame.indexOf(0, at);
  if (schedule < 0 || schedule + 1 >= length) return null;
  const scheduleText = frame.toString('ascii', at, schedule);
  at = schedule + 1;
  const validity = frame.indexOf(0, at);
  if (validity < 0 || validity + 5 >= length) return null;
  const validityText = frame.toString('ascii', at, validity);
  const { time, message } = smpp.filters;
  pdu.schedule_delivery_time = time.decode.call(pdu, scheduleText);
  pdu.validity_period = time.decode.call(pdu, validityText);
  pdu.registered_delivery = frame[validity + 1];
  pdu.replace_if_present_flag = frame[validity + 2];
  pdu.data_coding = frame[validity + 3];
  pdu.sm_default_msg_id = frame[validity + 4];
  const textLength = frame[validity + 5]!;
  at = validity + 6;
  if (at + textLength > length) return null;
  pdu.short_message = message.decode.call(pdu, frame.subarray(at, at + textLength));
  readTlvs(pdu, frame, at + textLength);
  return pdu;
}

/** deliver_sm_resp as the library writes it: an empty message_id when accepted, no body when not. */
export function encodeDeliverSmResp(sequence: number, status: number): Buffer {
  const length = status === 0 ? HEADER + 1 : HEADER;
  const pdu = Buffer.alloc(length);
  pdu.writeUInt32BE(length, 0);
  pdu.writeUInt32BE(DELIVER_SM_RESP, 4);
  pdu.writeUInt32BE(status, 8);
  pdu.writeUInt32BE(sequence, 12);
  return pdu;
}
