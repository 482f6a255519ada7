/**
 * Outbound text → the `submit_sm` bodies that carry it: which data_coding, and for each part the
 * `short_message` octets, the esm_class flag and the TLVs. Pure: no PDU objects, no sockets.
 *
 * Contract:
 * - Encoding. A GSM-7 text (every character in the GSM 03.38 basic or extension table) goes in
 *   the channel's `data-coding`: 0 → unpacked GSM septets with escapes (`€` = 1B 65), 1 → IA5
 *   (ASCII octets), 3 → Latin-1 octets. Any other text goes as UCS-2 (data_coding 8, UTF-16BE,
 *   surrogate pairs kept as they are: what SMSCs accept for emoji).
 * - Decision: with data-coding 1 or 3, a GSM-7 text holding a character that charset cannot hold
 *   (`€` or a Greek capital in Latin-1; `é`, `£` or `€` in IA5) goes as UCS-2 instead, rather than
 *   being altered; it is then split and counted as UCS-2 (`encoding` says so, and `segments` is
 *   the UCS-2 count, which may differ from the GSM-7 count `segmentsOf` gives for the same body).
 * - Splitting is `splitSegments` of `src/messages/segments.ts`, the same code that gives
 *   `NumSegments`, so `segments` always equals the parts Twilio counts: 160 septets (an escape
 *   counts 2) or 70 UTF-16 code units alone, 153 or 67 per part when concatenated; no part splits
 *   an escape sequence, a surrogate pair, or a grapheme that fits in a part. With data-coding 1
 *   or 3 the limits stay in GSM septets (the SMSC sends the text as GSM-7 over the air), so a
 *   part holds at most 160 / 153 octets.
 * - Long messages (`segments` > 1): `udh` → each part starts with `05 00 03 ref total seq` (the
 *   low byte of `reference`) and has `esmClassFlags` = 0x40; `sar` → no UDH, the TLVs
 *   `sar_msg_ref_num` (= `reference`), `sar_total_segments`, `sar_segment_seqnum`; `payload` →
 *   one body, empty `short_message`, the whole encoded text in `message_payload`, and `segments`
 *   still Twilio's count (the SMSC splits). A text that fits one part is always one plain
 *   `short_message` (no UDH, no TLVs), whatever the mode.
 * - `reference` is one per message, 0..65535 (RangeError otherwise); a message over 255 parts
 *   (impossible within Twilio's 1600-character limit) is a RangeError in `udh` and `sar` modes.
 */
import { splitSegments, type SmsEncoding } from '../../messages/segments.js';
import { encodeGsm7, isGsm7 } from './gsm7.js';
import { concatenationUdh8, UDHI } from './udh.js';

/** The channel's `data-coding` setting for GSM-7 text. */
export type ConfiguredDataCoding = 0 | 1 | 3;
export type OutboundDataCoding = ConfiguredDataCoding | 8;
export type LongMessageMode = 'udh' | 'sar' | 'payload';

export const DATA_CODING_UCS2 = 8;

export interface OutboundOptions {
  dataCoding: ConfiguredDataCoding;
  longMessages: LongMessageMode;
  /** One per message, 0..65535; an 8-bit UDH reference is its low byte. */
  reference: number;
}

/** Optional parameters of one `submit_sm`, named as the `smpp` library names them. */
export interface SubmitTlvs {
  sar_msg_ref_num?: number;
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
  message_payload?: Buffer;
}

export interface SubmitPart {
  /** The part of the text this body carries (for a message's detail); all parts join to the text. */
  text: string;
  /** `short_message` octets, the UDH first when `esmClassFlags` has 0x40; empty with `message_payload`. */
  shortMessage: Buffer;
  /** To OR into the `esm_class` the channel sends: 0x40 (UDHI) or 0. */
  esmClassFlags: number;
  tlvs: SubmitTlvs;
}

export interface OutboundText {
  /** The `data_coding` of every part. */
  dataCoding: OutboundDataCoding;
  /** How Twilio counts this text as sent (UCS-2 also for the charset fallback above). */
  encoding: SmsEncoding;
  /** `NumSegments`: the parts sent, or for `payload` the parts Twilio counts. */
  segments: number;
  parts: SubmitPart[];
}

/** The data_coding a text goes out in under the channel's setting (see the header). */
export function dataCodingFor(text: string, configured: ConfiguredDataCoding): OutboundDataCoding {
  if (!isGsm7(text)) return DATA_CODING_UCS2;
  if (configured === 0) return 0;
  const highest = configured === 1 ? 0x7f : 0xff;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > highest) return DATA_CODING_UCS2;
  return configured;
}

/** The octets of `text` in a data_coding this module produces. */
export function encodeText(text: string, dataCoding: OutboundDataCoding): Buffer {
  switch (dataCoding) {
    case 0: return encodeGsm7(text);
    case 1:
    case 3: return Buffer.from(text, 'latin1');
    case 8: return Buffer.from(text, 'utf16le').swap16();
  }
}

export function encodeOutbound(text: string, options: OutboundOptions): OutboundText {
  const { reference, longMessages } = options;
  if (!Number.isInteger(reference) || reference < 0 || reference > 0xffff) throw new RangeError(`message reference ${reference} is outside 0..65535`);
  const dataCoding = dataCodingFor(text, options.dataCoding);
  const split = splitSegments(text, dataCoding === DATA_CODING_UCS2 ? 'UCS-2' : 'GSM-7');
  const segments = split.parts.length;
  const result = (parts: SubmitPart[]): OutboundText => ({ dataCoding, encoding: split.encoding, segments, parts });
  if (segments === 1) return result([{ text, shortMessage: encodeText(text, dataCoding), esmClassFlags: 0, tlvs: {} }]);
  if (longMessages === 'payload') {
    return result([{ text, shortMessage: Buffer.alloc(0), esmClassFlags: 0, tlvs: { message_payload: encodeText(text, dataCoding) } }]);
  }
  if (segments > 255) throw new RangeError(`a message of ${segments} parts cannot be concatenated (at most 255)`);
  return result(split.parts.map((part, i) => {
    const body = encodeText(part, dataCoding);
    if (longMessages === 'udh') {
      return { text: part, shortMessage: Buffer.concat([concatenationUdh8(reference & 0xff, segments, i + 1), body]), esmClassFlags: UDHI, tlvs: {} };
    }
    return { text: part, shortMessage: body, esmClassFlags: 0, tlvs: { sar_msg_ref_num: reference, sar_total_segments: segments, sar_segment_seqnum: i + 1 } };
  }));
}
