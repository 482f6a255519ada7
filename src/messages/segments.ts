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
  if (GSM_BASIC_ONLY.test(body)) {
    return { encoding: 'GSM-7', segments: body.length <= 160 ? 1 : Math.ceil(body.length / 153), characters: body.length };
  }
  const message = new SegmentedMessage(body);
  const encoding = message.encodingName;
  return {
    encoding,
    segments: message.segmentsCount,
    // For UCS-2 the calculator counts graphemes; the segment limits are in UTF-16 units.
    characters: encoding === 'UCS-2' ? body.length : message.numberOfCharacters,
  };
}

/**
 * Every character of the GSM 03.38 basic table (one septet each), as the calculator maps them;
 * the extension table (`^{}\\[~]|€`, form feed) is left out so those go the exact way.
 */
const GSM_BASIC_ONLY = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;
