/**
 * The SMSC's byte stream cut into PDUs, each read into the library's PDU object: deliver_sm and
 * submit_sm_resp by Parley (deliver-sm.ts, submit-sm.ts), the rest by the library. In place of the
 * library's own reader, which takes each PDU from the socket in two reads and a copy and emits it
 * three times (bench/README.md, finding 83). Its limits are the library's: a PDU is at least its
 * 16-octet header and at most `PDU.maxLength` octets.
 */
import { PDU_HEADER, smpp, type PDU } from './library.js';
import { DELIVER_SM, readDeliverSm } from './deliver-sm.js';
import { readSubmitSmResp, SUBMIT_SM_RESP } from './submit-sm.js';

/** Bytes no PDU can be read from: the session cannot tell where the next one starts, so it ends. */
export class UnreadablePdu extends Error {}

export class PduFramer {
  /** The start of a PDU not yet whole. */
  private rest: Buffer | null = null;

  constructor(private readonly received: (pdu: PDU) => void) {}

  /** Reads every whole PDU in `chunk` (after what came before it); throws UnreadablePdu on a bad length or body. */
  push(chunk: Buffer): void {
    const data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32BE(at);
      if (length > smpp.PDU.maxLength) throw new UnreadablePdu(`PDU length was too large (${length}, maximum is ${smpp.PDU.maxLength}).`);
      if (length < PDU_HEADER) throw new UnreadablePdu(`PDU length was too small (${length}, minimum is ${PDU_HEADER}).`);
      if (data.length - at < length) break;
      const pdu = readPdu(data.subarray(at, at + length));
      at += length;
      this.received(pdu);
    }
    if (at < data.length) this.rest = data.subarray(at);
  }
}

/** One whole PDU, header included. */
export function readPdu(frame: Buffer): PDU {
  try {
    const id = frame.readUInt32BE(4);
    const pdu = id === DELIVER_SM ? readDeliverSm(frame) : id === SUBMIT_SM_RESP ? readSubmitSmResp(frame) : null;
    return pdu ?? new smpp.PDU(frame);
  } catch (error) {
    const command = `0x${frame.readUInt32BE(4).toString(16).padStart(8, '0')}`;
    throw new UnreadablePdu(`command_id ${command}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
