/**
 * Guards that run before any XML parser touches untrusted TwiML: one linear scan that refuses
 * entity declarations (no "billion laughs", no external entities) and excessive nesting, so
 * neither costs more than the scan itself.
 */

/** Deepest element nesting accepted; TwiML itself needs 3 (Response > Message > Body). */
export const MAX_TWIML_DEPTH = 32;

/**
 * One linear pass before any parser: refuses markup declarations (`<!DOCTYPE`, `<!ENTITY`, ...;
 * a `<!` that opens neither a comment nor CDATA) and nesting deeper than MAX_TWIML_DEPTH, so
 * neither entity expansion nor deep nesting costs more than this scan. Everything else about
 * well-formedness is left to the validator, which reports positions.
 */
export function prescan(xml: string): string | null {
  let depth = 0;
  let i = xml.indexOf('<');
  while (i !== -1) {
    const next = xml.charCodeAt(i + 1);
    let end: number;
    if (next === 0x21 /* ! */) {
      if (xml.startsWith('<!--', i)) end = xml.indexOf('-->', i + 4);
      else if (xml.startsWith('<![CDATA[', i)) end = xml.indexOf(']]>', i + 9);
      else return 'DOCTYPE and entity declarations are not accepted in TwiML';
    } else if (next === 0x3f /* ? */) {
      end = xml.indexOf('?>', i + 2);
    } else if (next === 0x2f /* / */) {
      depth -= 1;
      end = xml.indexOf('>', i + 2);
    } else {
      end = endOfTag(xml, i + 1);
      if (end !== -1 && xml.charCodeAt(end - 1) !== 0x2f /* / */ && ++depth > MAX_TWIML_DEPTH) {
        return `elements are nested more than ${MAX_TWIML_DEPTH} deep`;
      }
    }
    if (end === -1) return null; // unterminated: the validator says where
    i = xml.indexOf('<', end);
  }
  return null;
}

/** Index of the `>` closing a start tag, skipping quoted attribute values (they may hold `>`). */
function endOfTag(xml: string, from: number): number {
  let quote = 0;
  for (let i = from; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    } else if (c === 0x3e) {
      return i;
    }
  }
  return -1;
}
