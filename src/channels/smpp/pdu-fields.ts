/**
 * A received deliver_sm as a typed value, read once at the edge: the library hands its fields as
 * untyped properties (and, with library.ts loaded, `short_message` and `message_payload` as raw
 * Buffers). A field of the wrong type reads as absent, never as a crash.
 */
import type { PDU } from './library.js';
import type { SarTlvs } from './inbound-text.js';
import type { ReceiptTlvs } from './receipts.js';

export interface DeliverSm {
  source: { addr: string; ton: number };
  destination: { addr: string; ton: number };
  esmClass: number;
  dataCoding: number;
  /** The text octets: `message_payload` when the SMSC used it, else `short_message`. */
  userData: Buffer;
  sar: SarTlvs;
  receipt: ReceiptTlvs;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const int = (value: unknown): number => (typeof value === 'number' && Number.isInteger(value) ? value : 0);
const optionalInt = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);
const bytes = (value: unknown): Buffer | undefined => (Buffer.isBuffer(value) ? value : undefined);

export function readDeliverSm(pdu: PDU): DeliverSm {
  const shortMessage = bytes(pdu.short_message) ?? Buffer.alloc(0);
  const payload = bytes(pdu.message_payload);
  const receiptedId = typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id.replace(/\0/g, '').trim() : undefined;
  return {
    source: { addr: text(pdu.source_addr), ton: int(pdu.source_addr_ton) },
    destination: { addr: text(pdu.destination_addr), ton: int(pdu.dest_addr_ton) },
    esmClass: int(pdu.esm_class),
    dataCoding: int(pdu.data_coding),
    userData: payload && payload.length > 0 && shortMessage.length === 0 ? payload : shortMessage,
    sar: {
      sar_msg_ref_num: optionalInt(pdu.sar_msg_ref_num),
      sar_total_segments: optionalInt(pdu.sar_total_segments),
      sar_segment_seqnum: optionalInt(pdu.sar_segment_seqnum),
    },
    receipt: {
      receipted_message_id: receiptedId === '' ? undefined : receiptedId,
      message_state: optionalInt(pdu.message_state),
      network_error_code: bytes(pdu.network_error_code),
    },
  };
}
