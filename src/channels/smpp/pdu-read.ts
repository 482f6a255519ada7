/**
 * Reading a received PDU as the `smpp` library reads it, for the commands Parley reads itself
 * (deliver-sm.ts, submit-sm.ts): the same object, field for field, with the same prototype.
 */
import { smpp, type PDU } from './library.js';

/** The header fields, then `command`, in the order the library sets them (one hidden class for all). */
export function headerOf(frame: Buffer, command: string): PDU {
  const pdu = Object.create(smpp.PDU.prototype) as PDU;
  pdu.command_length = frame.length;
  pdu.command_id = frame.readUInt32BE(4);
  pdu.command_status = frame.readUInt32BE(8);
  pdu.sequence_number = frame.readUInt32BE(12);
  pdu.command = command;
  return pdu;
}

/**
 * The optional parameters (TLVs) after the mandatory fields, with the library's own table of TLVs
 * and their value types: known tags by name (the repeatable ones into arrays), unknown ones as raw
 * octets under their numeric tag, then each known tag's decode filter. For commands whose TLVs the
 * library does not rename (deliver_sm and submit_sm_resp have no `tlvMap`).
 */
export function readTlvs(pdu: PDU, frame: Buffer, from: number): void {
  const length = frame.length;
  let at = from;
  let filtered: string[] | null = null;
  while (at + 4 <= length) {
    const id = frame.readUInt16BE(at);
    const size = frame.readUInt16BE(at + 2);
    at += 4;
    const tlv = smpp.tlvsById[id];
    if (!tlv) {
      pdu[id] = frame.subarray(at, at + size);
    } else if (tlv.multiple) {
      const values = (pdu[tlv.tag] || (pdu[tlv.tag] = [])) as unknown[];
      values.push(tlv.type.read(frame, at, size));
    } else {
      setTlv(pdu, tlv.tag, tlv.type.read(frame, at, size));
    }
    if (tlv?.filter && !filtered?.includes(tlv.tag)) (filtered ??= []).push(tlv.tag);
    at += size;
  }
  if (filtered) for (const tag of filtered) decode(pdu, tag);
}

/** The library's decode filter of one TLV (`PDU.prototype._filter`), called as it calls it. */
function decode(pdu: PDU, tag: string): void {
  const tlv = smpp.tlvs[tag]!;
  const filter = tlv.filter!;
  if (tlv.multiple) {
    (pdu[tag] as unknown[]).forEach((value, i, values) => { values[i] = filter.decode.call(pdu, value, true); });
  } else if (tag === 'message_payload') {
    const shortMessage = pdu.short_message as { message?: { length: number } } | undefined;
    pdu[tag] = filter.decode.call(pdu, pdu[tag], shortMessage && shortMessage.message && shortMessage.message.length);
  } else {
    setTlv(pdu, tag, filter.decode.call(pdu, pdu[tag], true));
  }
}

/**
 * `pdu[tag] = value`, with the TLVs of a receipt written by name. One keyed store taking TLVs of
 * every name adds properties to an object of some twenty through V8's runtime, about 3,400
 * instructions a TLV; a store by name is a transition the inline cache keeps (bench/README.md,
 * finding 114).
 */
function setTlv(pdu: PDU, tag: string, value: unknown): void {
  switch (tag) {
    case 'receipted_message_id':
      pdu.receipted_message_id = value;
      break;
    case 'message_state':
      pdu.message_state = value;
      break;
    case 'network_error_code':
      pdu.network_error_code = value;
      break;
    default:
      pdu[tag] = value;
  }
}
