/**
 * GSM 03.38 (3GPP TS 23.038 section 6.2.1) default alphabet and its extension table, as SMPP
 * carries them: unpacked, one septet per octet, an extension character as ESC (0x1B) + code.
 *
 * Contract:
 * - `isGsm7(text)` is true exactly when every UTF-16 code unit of `text` is in the basic or the
 *   extension table. The tables are the ones Twilio's segment calculator uses (so a text is GSM-7
 *   here exactly when Parley counts it as GSM-7): `Ç` (not `ç`) at 0x09, no backtick.
 * - `encodeGsm7(text)` gives the unpacked septets (`€` → 1B 65, `[` → 1B 3C, `@` → 00, `$` → 02);
 *   it throws a RangeError on a character outside both tables (callers check `isGsm7` first).
 * - `decodeGsm7(bytes)` never throws: ESC + a code the extension table lacks decodes as the basic
 *   character of that code (23.038: "display the character from the default table"), ESC ESC and
 *   a lone ESC at the end decode as a space (23.038: reserved for another extension table, shown
 *   as a space), and an octet above 0x7F (not a septet) decodes as U+FFFD.
 * - `septetCount(text)` is the septets `text` takes (an extension character counts 2), or
 *   undefined when `text` is not GSM-7.
 * - `packSeptets` / `unpackSeptets` convert to and from the packed form (23.038 6.1.2.1.1) that
 *   some SMSCs use for data_coding 0; `fillBits` skips the bits that align septets after a UDH.
 */

/** The basic table: index = septet value. 0x1B is the escape and has no character of its own. */
export const GSM7_BASIC: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u001b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

export const GSM7_ESCAPE = 0x1b;

/** The extension table: code after ESC → character (form feed, `^ { } \ [ ~ ] |` and `€`). */
export const GSM7_EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'], [0x14, '^'], [0x28, '{'], [0x29, '}'], [0x2f, '\\'],
  [0x3c, '['], [0x3d, '~'], [0x3e, ']'], [0x40, '|'], [0x65, '€'],
]);

/** Character → its septets (one for the basic table, ESC + code for the extension table). */
const ENCODE = new Map<string, readonly number[]>();
GSM7_BASIC.forEach((char, septet) => {
  if (septet !== GSM7_ESCAPE) ENCODE.set(char, [septet]);
});
for (const [code, char] of GSM7_EXTENSION) ENCODE.set(char, [GSM7_ESCAPE, code]);

export function isGsm7Char(char: string): boolean {
  return ENCODE.has(char);
}

/**
 * 1 at each code a GSM septet shares with Latin-1, read off the basic table: LF, CR, and printable
 * ASCII except twelve (`$`, `@`, `_`, the brackets and braces, the backslash, `^`, the backtick,
 * `|`, `~`). A text of only these encodes and decodes by one native copy (`Buffer`'s `latin1`)
 * instead of a table lookup a character: most texts, and every receipt (bench/README.md, finding 86).
 */
const SAME_AS_LATIN1 = new Uint8Array(256);
GSM7_BASIC.forEach((char, septet) => {
  if (septet !== GSM7_ESCAPE && char.charCodeAt(0) === septet) SAME_AS_LATIN1[septet] = 1;
});

function sharesLatin1Text(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (SAME_AS_LATIN1[text.charCodeAt(i)] !== 1) return false;
  return true;
}

function sharesLatin1Bytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (SAME_AS_LATIN1[bytes[i]!] !== 1) return false;
  return true;
}

export function isGsm7(text: string): boolean {
  if (sharesLatin1Text(text)) return true;
  for (let i = 0; i < text.length; i++) if (!ENCODE.has(text.charAt(i))) return false;
  return true;
}

export function septetCount(text: string): number | undefined {
  if (sharesLatin1Text(text)) return text.length;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const septets = ENCODE.get(text.charAt(i));
    if (septets === undefined) return undefined;
    count += septets.length;
  }
  return count;
}

export function encodeGsm7(text: string): Buffer {
  if (sharesLatin1Text(text)) return Buffer.from(text, 'latin1');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const septets = ENCODE.get(text.charAt(i));
    if (septets === undefined) throw new RangeError(`not a GSM 03.38 character: U+${text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`);
    out.push(...septets);
  }
  return Buffer.from(out);
}

export function decodeGsm7(bytes: Uint8Array): string {
  if (sharesLatin1Bytes(bytes)) {
    return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('latin1');
  }
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    const septet = bytes[i]!;
    if (septet !== GSM7_ESCAPE) {
      text += basicChar(septet);
      continue;
    }
    const code = bytes[i + 1];
    if (code === undefined || code === GSM7_ESCAPE) {
      text += ' ';
      if (code !== undefined) i++;
      continue;
    }
    text += GSM7_EXTENSION.get(code) ?? basicChar(code);
    i++;
  }
  return text;
}

function basicChar(septet: number): string {
  return GSM7_BASIC[septet] ?? '\ufffd';
}

/** Packs septets (values 0..127) 8 to 7 octets, least significant bit first, after `fillBits` zero bits. */
export function packSeptets(septets: Uint8Array, fillBits = 0): Buffer {
  const totalBits = fillBits + septets.length * 7;
  const out = Buffer.alloc(Math.ceil(totalBits / 8));
  let bit = fillBits;
  for (const septet of septets) {
    const value = septet & 0x7f;
    const byte = bit >> 3;
    const shift = bit & 7;
    out[byte] = (out[byte]! | (value << shift)) & 0xff;
    if (shift > 1) out[byte + 1] = out[byte + 1]! | (value >> (8 - shift));
    bit += 7;
  }
  return out;
}

/**
 * Unpacks septets from packed octets, skipping `fillBits` first. Without `count`, as many whole
 * septets as the octets hold; a last septet that only fills the 7 spare bits of the last octet is
 * dropped when it is 0x00 (zero padding, not `@`) or CR (the padding 23.038 6.1.2.3.1 asks for).
 */
export function unpackSeptets(bytes: Uint8Array, fillBits = 0, count?: number): Buffer {
  const available = Math.floor((bytes.length * 8 - fillBits) / 7);
  const n = Math.max(0, Math.min(count ?? available, available));
  const out = Buffer.alloc(n);
  for (let i = 0, bit = fillBits; i < n; i++, bit += 7) {
    const byte = bit >> 3;
    const shift = bit & 7;
    let value = bytes[byte]! >> shift;
    if (shift > 1) value |= (bytes[byte + 1] ?? 0) << (8 - shift);
    out[i] = value & 0x7f;
  }
  const spareBitsBeforeLast = bytes.length * 8 - fillBits - (n - 1) * 7;
  if (count === undefined && n > 0 && spareBitsBeforeLast === 7 && (out[n - 1] === 0x00 || out[n - 1] === 0x0d)) return out.subarray(0, n - 1);
  return out;
}
