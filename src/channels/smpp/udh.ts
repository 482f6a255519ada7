/**
 * User Data Header (3GPP TS 23.040 section 9.2.3.24): the bytes that start `short_message` when
 * `esm_class` has the UDHI bit (0x40). Parley builds the concatenation header of outbound parts
 * and parses inbound headers from the raw bytes (the `smpp` library hands back a different shape
 * on decode than it takes on encode, so Parley does not use its UDH handling).
 *
 * Contract:
 * - `concatenationUdh8(ref, total, seq)` = `05 00 03 ref total seq` (IEI 0x00, 8-bit reference);
 *   `concatenationUdh16(ref, total, seq)` = `06 08 04 refHi refLo total seq` (IEI 0x08). Both
 *   include the UDHL byte, throw a RangeError for a reference, total or seq out of range
 *   (total 1..255, seq 1..total), and are 6 and 7 octets long.
 * - `parseUdh(bytes)` reads UDHL from the first byte and returns the information elements and the
 *   user data after the header, or undefined when the header is malformed (UDHL past the end, an
 *   element running past UDHL). Unknown elements are kept, not rejected.
 * - `concatenationOf(elements)` is the concatenation info of IEI 0x00 or 0x08, or undefined when
 *   there is none or it is invalid (total 0, seq 0 or seq > total: 23.040 says ignore the IE).
 */

export const UDHI = 0x40;
export const IEI_CONCAT_8 = 0x00;
export const IEI_CONCAT_16 = 0x08;

/** Where a part belongs: `reference` groups the parts of one message, `seq` counts from 1. */
export interface Concatenation {
  reference: number;
  total: number;
  seq: number;
  /** 8 or 16 for a UDH reference (IEI 0x00 / 0x08); 16 for SAR TLVs (`sar_msg_ref_num`). */
  referenceBits: 8 | 16;
}

export interface InformationElement {
  iei: number;
  data: Buffer;
}

export interface ParsedUdh {
  /** Header length in octets, UDHL byte included. */
  length: number;
  elements: InformationElement[];
  userData: Buffer;
}

export function concatenationUdh8(reference: number, total: number, seq: number): Buffer {
  checkConcat(reference, 0xff, total, seq);
  return Buffer.from([0x05, IEI_CONCAT_8, 0x03, reference, total, seq]);
}

export function concatenationUdh16(reference: number, total: number, seq: number): Buffer {
  checkConcat(reference, 0xffff, total, seq);
  return Buffer.from([0x06, IEI_CONCAT_16, 0x04, reference >> 8, reference & 0xff, total, seq]);
}

function checkConcat(reference: number, maxReference: number, total: number, seq: number): void {
  if (!Number.isInteger(reference) || reference < 0 || reference > maxReference) throw new RangeError(`concatenation reference ${reference} is outside 0..${maxReference}`);
  if (!Number.isInteger(total) || total < 1 || total > 255) throw new RangeError(`concatenation total ${total} is outside 1..255`);
  if (!Number.isInteger(seq) || seq < 1 || seq > total) throw new RangeError(`concatenation seq ${seq} is outside 1..${total}`);
}

export function parseUdh(bytes: Uint8Array): ParsedUdh | undefined {
  const udhl = bytes[0];
  if (udhl === undefined || 1 + udhl > bytes.length) return undefined;
  const end = 1 + udhl;
  const elements: InformationElement[] = [];
  let at = 1;
  while (at < end) {
    const iei = bytes[at]!;
    const length = bytes[at + 1];
    if (length === undefined || at + 2 + length > end) return undefined;
    elements.push({ iei, data: Buffer.from(bytes.subarray(at + 2, at + 2 + length)) });
    at += 2 + length;
  }
  return { length: end, elements, userData: Buffer.from(bytes.subarray(end)) };
}

export function concatenationOf(elements: readonly InformationElement[]): Concatenation | undefined {
  for (const { iei, data } of elements) {
    let found: Concatenation | undefined;
    if (iei === IEI_CONCAT_8 && data.length === 3) found = { reference: data[0]!, total: data[1]!, seq: data[2]!, referenceBits: 8 };
    if (iei === IEI_CONCAT_16 && data.length === 4) found = { reference: data.readUInt16BE(0), total: data[2]!, seq: data[3]!, referenceBits: 16 };
    if (found) return found.total >= 1 && found.seq >= 1 && found.seq <= found.total ? found : undefined;
  }
  return undefined;
}
