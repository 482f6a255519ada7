/**
 * Inbound `short_message` (of a `deliver_sm`, or its `message_payload`) → text: the alphabet its
 * `data_coding` names, the UDH parsed from the raw bytes and stripped, and the concatenation info
 * from the UDH or the SAR TLVs. Pure; the channel passes the raw octets (see the reference, 1.4:
 * Parley keeps the `smpp` library from decoding them).
 *
 * Contract:
 * - `alphabetOf(dataCoding)`: SMPP's own values 0x00-0x0F (0 GSM, 1 IA5, 2 and 4 binary,
 *   3 Latin-1, 6 Cyrillic ISO-8859-5, 7 Latin/Hebrew ISO-8859-8, 8 UCS-2, 0x0A ISO-2022-JP,
 *   0x0E KS C 5601; 5, 9 and 0x0D (JIS, pictogram, JIS X 0212) are 'binary'), then the 3GPP
 *   TS 23.038 coding groups: 0x10-0x7F alphabet in bits 3-2 (00 GSM, 01 8-bit, 10 UCS-2), a
 *   compressed text (bit 5) is 'binary'; 0xC0-0xDF GSM; 0xE0-0xEF UCS-2; 0xF0-0xFF bit 2 set →
 *   8-bit data, else GSM. Reserved values and the SMPP-reserved 0x0B, 0x0C, 0x0F read their
 *   23.038 bits, with reserved alphabets as GSM ("any reserved coding shall be assumed to be the
 *   GSM 7 bit default alphabet", 23.038 section 4).
 * - Decision: 8-bit binary data decodes one octet per character (U+0000-U+00FF, the Latin-1
 *   mapping), so the octets survive exactly in the text and can be recovered with
 *   `Buffer.from(text, 'latin1')`; `alphabet` 'binary' tells the caller it is not really text.
 * - GSM: unpacked by default (one septet an octet, what SMPP carries); `gsmPacking: 'packed'`
 *   reads SMSCs that send packed septets, skipping the fill bits after a UDH. IA5 decodes
 *   octets above 0x7F as Latin-1 rather than dropping them. UCS-2 is UTF-16BE: surrogate pairs
 *   decode into one code point, a lone surrogate is kept as it is (it may pair with the next
 *   part's first unit after reassembly), an odd last octet becomes U+FFFD.
 * - The UDH is read only when `esmClass & 0x40`; it is always stripped from the text. A header
 *   that does not parse leaves every octet in the text and sets `malformedUdh`.
 * - `concatenation` is the UDH's IEI 0x00/0x08 info, else the SAR TLVs' (16-bit reference).
 */
import { decodeGsm7, unpackSeptets } from './gsm7.js';
import { concatenationOf, parseUdh, UDHI, type Concatenation, type InformationElement } from './udh.js';

export type Alphabet = 'gsm7' | 'ia5' | 'latin1' | 'ucs2' | 'binary' | 'iso-8859-5' | 'iso-8859-8' | 'iso-2022-jp' | 'euc-kr';

export interface SarTlvs {
  sar_msg_ref_num?: number | undefined;
  sar_total_segments?: number | undefined;
  sar_segment_seqnum?: number | undefined;
}

export interface ShortMessageInput {
  /** `short_message` octets, or `message_payload` when the SMSC sent the text there. */
  shortMessage: Uint8Array;
  dataCoding: number;
  esmClass: number;
  sar?: SarTlvs;
  gsmPacking?: 'unpacked' | 'packed';
}

export interface DecodedShortMessage {
  text: string;
  alphabet: Alphabet;
  /** The header's information elements, when there was a header. */
  udh?: InformationElement[];
  malformedUdh?: true;
  concatenation?: Concatenation;
  /** The octets after the header: the encoded text. */
  userData: Buffer;
}

const SMPP_ALPHABETS: ReadonlyMap<number, Alphabet> = new Map<number, Alphabet>([
  [0x00, 'gsm7'], [0x01, 'ia5'], [0x02, 'binary'], [0x03, 'latin1'], [0x04, 'binary'], [0x05, 'binary'],
  [0x06, 'iso-8859-5'], [0x07, 'iso-8859-8'], [0x08, 'ucs2'], [0x09, 'binary'], [0x0a, 'iso-2022-jp'],
  [0x0d, 'binary'], [0x0e, 'euc-kr'],
]);

export function alphabetOf(dataCoding: number): Alphabet {
  const dcs = dataCoding & 0xff;
  const smpp = SMPP_ALPHABETS.get(dcs);
  if (smpp) return smpp;
  if (dcs < 0x80) {
    if (dcs & 0x20) return 'binary';
    return groupAlphabet((dcs >> 2) & 0x03);
  }
  if (dcs >= 0xf0) return dcs & 0x04 ? 'binary' : 'gsm7';
  if (dcs >= 0xe0) return 'ucs2';
  return 'gsm7';
}

function groupAlphabet(bits: number): Alphabet {
  if (bits === 1) return 'binary';
  if (bits === 2) return 'ucs2';
  return 'gsm7';
}

/** The text of user data octets (no header) in an alphabet. `fillBits` only matters for packed GSM. */
export function decodeUserData(bytes: Uint8Array, alphabet: Alphabet, gsmPacking: 'unpacked' | 'packed' = 'unpacked', fillBits = 0): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (alphabet) {
    case 'gsm7': return decodeGsm7(gsmPacking === 'packed' ? unpackSeptets(buffer, fillBits) : buffer);
    case 'ia5':
    case 'latin1':
    case 'binary': return buffer.toString('latin1');
    case 'ucs2': return decodeUcs2(buffer);
    default: return new TextDecoder(alphabet).decode(buffer);
  }
}

function decodeUcs2(bytes: Buffer): string {
  const even = bytes.length & ~1;
  const text = Buffer.from(bytes.subarray(0, even)).swap16().toString('utf16le');
  return even === bytes.length ? text : text + '\ufffd';
}

export function decodeShortMessage(input: ShortMessageInput): DecodedShortMessage {
  const bytes = Buffer.from(input.shortMessage);
  const alphabet = alphabetOf(input.dataCoding);
  const packing = input.gsmPacking ?? 'unpacked';
  const sarConcat = input.sar ? concatenationFromSar(input.sar) : undefined;
  const withSar = (decoded: DecodedShortMessage): DecodedShortMessage =>
    decoded.concatenation === undefined && sarConcat ? { ...decoded, concatenation: sarConcat } : decoded;
  if (!(input.esmClass & UDHI)) return withSar({ text: decodeUserData(bytes, alphabet, packing), alphabet, userData: bytes });
  const udh = parseUdh(bytes);
  if (!udh) return withSar({ text: decodeUserData(bytes, alphabet, packing), alphabet, malformedUdh: true, userData: bytes });
  // Packed septets start at the first septet boundary after the header (23.040 9.2.3.24).
  const fillBits = (7 - ((udh.length * 8) % 7)) % 7;
  const decoded: DecodedShortMessage = { text: decodeUserData(udh.userData, alphabet, packing, fillBits), alphabet, udh: udh.elements, userData: udh.userData };
  const concatenation = concatenationOf(udh.elements);
  return withSar(concatenation ? { ...decoded, concatenation } : decoded);
}

/** Concatenation info of SAR TLVs, or undefined when one is missing or they are inconsistent. */
export function concatenationFromSar(tlvs: SarTlvs): Concatenation | undefined {
  const { sar_msg_ref_num: reference, sar_total_segments: total, sar_segment_seqnum: seq } = tlvs;
  if (reference === undefined || total === undefined || seq === undefined) return undefined;
  if (total < 1 || seq < 1 || seq > total) return undefined;
  return { reference, total, seq, referenceBits: 16 };
}
