/**
 * Twilio's Smart Encoding: characters that look like GSM-7 ones (curly quotes, dashes, the
 * ellipsis, full-width forms, Unicode spaces, …) are replaced by them before a message is counted
 * and sent, so a single `’` pasted from a word processor does not turn a 1-segment GSM-7 message
 * into a 3-segment UCS-2 one (reference section 7). On for a message created with
 * `SmartEncoded=true`, and for the messages of a Messaging Service whose `SmartEncoding` is on
 * (API messages sent through it, and TwiML replies from its numbers).
 *
 * The table is Twilio's own, from its message-segment-calculator (`sms-segments-calculator`, which
 * Parley already counts segments with): the package keeps it in a module of its own that its
 * index does not export, so it is required by path. Characters are replaced one code point at a
 * time, as the calculator does.
 */
import { createRequire } from 'node:module';
import { MAX_BODY_LENGTH } from './segments.js';

const requireFromHere = createRequire(import.meta.url);
const SMART_ENCODING_MAP: Readonly<Record<string, string>> =
  (requireFromHere('sms-segments-calculator/dist/libs/SmartEncodingMap.js') as { default: Record<string, string> }).default;

/**
 * The body with Twilio's look-alike characters replaced; the same string when none is there. Also
 * the same string when the replacements would take a body within Twilio's 1600 characters past
 * them (`½` becomes `1/2`): the limit was checked on the text as written, and the message is sent
 * as written rather than stored longer than any message may be.
 */
export function smartEncoded(body: string): string {
  let encoded = '';
  let changed = false;
  let characters = 0;
  for (const character of body) {
    const replacement = SMART_ENCODING_MAP[character];
    if (replacement === undefined) {
      encoded += character;
      characters++;
    } else {
      encoded += replacement;
      characters += [...replacement].length;
      changed = true;
    }
  }
  return changed && characters <= MAX_BODY_LENGTH ? encoded : body;
}
