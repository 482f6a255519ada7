/**
 * The `smpp` library as Parley uses it: the layout of PDUs and TLVs only (the client's stream is cut
 * into PDUs by framing.ts, and the PDUs of every message are read and written directly, as the
 * library would: deliver-sm.ts, submit-sm.ts). Its text handling is switched off here, once for
 * the process, because it gets SMPP text wrong in ways carriers notice (GSM bytes labelled IA5,
 * data_coding picked on its own, UCS-2 receipts decoded as CJK, a UDH shape on decode that differs
 * from encode: reference 1.4 and 1.6). With this module loaded:
 * - `short_message` and `message_payload` of a received PDU stay the raw octets (a Buffer);
 *   Parley's codec (text codecs in this folder) decodes them with the PDU's data_coding;
 * - an outgoing `short_message` or `message_payload` must be a Buffer (the caller sets
 *   `data_coding` explicitly); anything else throws instead of being encoded by the library.
 * Everything that imports the library goes through this module (the channel and the test SMSC).
 */
import smpp from 'smpp';

export type { PDU, PduOptions, Session, Server } from 'smpp';

smpp.filters.message.encode = function encode(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value;
  throw new TypeError('short_message and message_payload must be Buffers with an explicit data_coding (Parley encodes text itself)');
};
smpp.filters.message.decode = function decode(value: unknown): unknown {
  return value;
};

// The library reads and writes a PDU by `for (key in pdu)`, which also visits the prototype's six
// methods (assigned, so enumerable) and skips them only after looking each up as a field: a third of
// the time of each PDU read or written (bench/README.md, finding 79). Hidden from `for…in`, they are
// still there to call; no field is named like a method, so every loop sees what it saw.
for (const name of Object.keys(smpp.PDU.prototype)) Object.defineProperty(smpp.PDU.prototype, name, { enumerable: false });

export { smpp };

/** The octets of every PDU's header: command_length, command_id, command_status, sequence_number. */
export const PDU_HEADER = 16;

/** Command status values Parley sends or tests for (SMPP 3.4 section 5.1.3). */
export const STATUS = {
  OK: 0x00,
  INVALID_COMMAND_ID: 0x03,
  INVALID_BIND_STATUS: 0x04,
  ALREADY_BOUND: 0x05,
  SYSTEM_ERROR: 0x08,
  INVALID_DESTINATION: 0x0b,
  BIND_FAILED: 0x0d,
  INVALID_PASSWORD: 0x0e,
  INVALID_SYSTEM_ID: 0x0f,
  QUEUE_FULL: 0x14,
  THROTTLED: 0x58,
  /** deliver_sm refused for now: the SMSC should deliver it again later. */
  TEMPORARY_APP_ERROR: 0x64,
} as const;

const NAMES = new Map<number, string>(Object.entries(smpp.errors).map(([name, value]) => [value, name]));

/** `ESME_RTHROTTLED (0x00000058)`: a command status as logs and `status()` show it. */
export function statusText(status: number): string {
  const hex = `0x${status.toString(16).toUpperCase().padStart(8, '0')}`;
  const name = NAMES.get(status);
  return name ? `${name} (${hex})` : hex;
}

/** The interface_version byte of a configured SMPP version. */
export function interfaceVersionByte(version: '3.3' | '3.4' | '5.0'): number {
  return version === '3.3' ? 0x33 : version === '5.0' ? 0x50 : 0x34;
}
