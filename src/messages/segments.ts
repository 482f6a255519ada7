/**
 * How many SMS segments a body takes, and in which encoding, as Twilio counts them.
 *
 * The counting is Twilio's own message-segment-calculator (`sms-segments-calculator`), so GSM-7
 * extension characters, surrogate pairs and the 153/67 split sizes match Twilio exactly
 * (reference section 7); this file only adapts its result to Parley's shape.
 *
 * The calculator costs ~75 µs a call, a large share of a whole turn, so text made only of the
 * GSM-7 basic table (most messages) takes a fast path: one septet a character, 160 in one
 * segment, 153 a segment when split. A property test checks the fast path against the calculator.
 *
 * `splitSegments` cuts a body into the texts of its segments (what a carrier channel sends as
 * separate parts), and the count is the number of those texts, so `NumSegments` always equals the
 * parts sent. It packs the calculator's own characters (graphemes, CRLF as two) greedily, which is
 * what the calculator does, with one exception: a grapheme longer than a whole segment (a stack of
 * combining marks, a long jamo run) or a big grapheme pushed over the first boundary makes the
 * calculator report a segment over 140 octets, which cannot be sent. Such a grapheme is cut
 * between code points (never inside a surrogate pair) and counted as the parts it really takes.
 */
import { SegmentedMessage } from 'sms-segments-calculator';

/** Longest body Twilio accepts (error 21617: "exceeds the 1600 character limit"). */
export const MAX_BODY_LENGTH = 1600;

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** What `num_segments` / `NumSegments` report. */
  segments: number;
  /**
   * Length in the chosen encoding's units: septets for GSM-7 (an extension character such as
   * `€` or `{` takes two), UTF-16 code units for UCS-2 (an emoji outside the BMP takes two).
   * These are the units the 160/153 and 70/67 limits are counted in.
   */
  characters: number;
}

/**
 * Segments of a message body. A media-only message (empty body) counts as one segment:
 * Parley reports `NumSegments` = 1 for MMS (reference, "Parley's decisions").
 */
export function segmentsOf(body: string): SegmentCount {
  if (body === '') return { encoding: 'GSM-7', segments: 1, characters: 0 };
  if (isGsmBasic(body)) {
    return { encoding: 'GSM-7', segments: body.length <= 160 ? 1 : Math.ceil(body.length / 153), characters: body.length };
  }
  const { encoding, parts, characters } = splitSegments(body);
  return { encoding, segments: parts.length, characters };
}

/** Units one segment holds: alone, and in a concatenated message (after the 6-octet header). */
export const SEGMENT_CAPACITY = {
  'GSM-7': { single: 160, concatenated: 153 },
  'UCS-2': { single: 70, concatenated: 67 },
} as const satisfies Record<SmsEncoding, { single: number; concatenated: number }>;

export interface SegmentSplit extends SegmentCount {
  /** The text of each segment in order (`segments` of them); joined they give the body back. */
  parts: string[];
}

/**
 * The segments of a body and their texts. `encoding` 'UCS-2' forces UCS-2 counting for a text
 * that is GSM-7 (a channel that cannot carry some GSM-7 character in its charset sends UCS-2).
 * No part splits a GSM-7 escape sequence, a surrogate pair, or a grapheme that fits in a segment.
 * An empty body is one empty segment.
 */
export function splitSegments(body: string, encoding: SmsEncoding | 'auto' = 'auto'): SegmentSplit {
  if (body === '') return { encoding: encoding === 'UCS-2' ? 'UCS-2' : 'GSM-7', segments: 1, characters: 0, parts: [''] };
  if (encoding !== 'UCS-2' && isGsmBasic(body)) return basicParts(body);
  const message = new SegmentedMessage(body, encoding);
  const name = message.encodingName;
  const bitsPerUnit = name === 'GSM-7' ? 7 : 16;
  const chars = message.encodedChars.map((c) => ({ raw: c.raw, units: c.sizeInBits() / bitsPerUnit }));
  // For UCS-2 the calculator counts graphemes; the segment limits are in UTF-16 units.
  return pack(name, chars, name === 'UCS-2' ? body.length : message.numberOfCharacters);
}

/**
 * `pack` for text of the GSM-7 basic table, where every UTF-16 unit is one septet: whole 153-unit
 * slices, with no object a character (bench/README.md, finding 90). A property test in
 * test/channels/smpp/segments-alignment.test.ts holds it to the calculator's cut.
 */
function basicParts(body: string): SegmentSplit {
  const { single, concatenated } = SEGMENT_CAPACITY['GSM-7'];
  const characters = body.length;
  if (characters <= single) return { encoding: 'GSM-7', segments: 1, characters, parts: [body] };
  const parts: string[] = [];
  for (let start = 0; start < characters; start += concatenated) parts.push(body.slice(start, start + concatenated));
  return { encoding: 'GSM-7', segments: parts.length, characters, parts };
}

/** Greedy packing, as the calculator does; a character bigger than a segment is cut between code points. */
function pack(encoding: SmsEncoding, chars: ReadonlyArray<{ raw: string; units: number }>, characters: number): SegmentSplit {
  const { single, concatenated } = SEGMENT_CAPACITY[encoding];
  if (characters <= single) return { encoding, segments: 1, characters, parts: [chars.map((c) => c.raw).join('')] };
  const parts: string[] = [];
  let current = '';
  let used = 0;
  const add = (raw: string, units: number): void => {
    if (used + units > concatenated) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += raw;
    used += units;
  };
  for (const c of chars) {
    if (c.units <= concatenated) add(c.raw, c.units);
    // Only UCS-2 graphemes get here (a GSM-7 character is at most 2 septets): one unit per code unit.
    else for (const codePoint of c.raw) add(codePoint, codePoint.length);
  }
  parts.push(current);
  return { encoding, segments: parts.length, characters, parts };
}

/**
 * Every character of the GSM 03.38 basic table (one septet each), as the calculator maps them;
 * the extension table (`^{}\\[~]|€`, form feed) is left out so those go the exact way.
 */
const GSM_BASIC_ONLY = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;

/**
 * The basic table's ASCII characters: printable ASCII but for `` ` `` and the extension table's
 * `[\]^{|}~`, with LF and CR. V8 tests a class of ASCII ranges inline; a class with characters
 * past Latin-1, as above, costs it a call for each character of the text (about 350 ns for a
 * 35-character text, against 60 for the ASCII class; bench/README.md, finding 104).
 */
const GSM_BASIC_ASCII = /^[\n\r -Z_a-z]*$/;

/** Whether every character of `body` is in the GSM 03.38 basic table: the ASCII test first, then the full one. */
function isGsmBasic(body: string): boolean {
  return GSM_BASIC_ASCII.test(body) || GSM_BASIC_ONLY.test(body);
}
