/**
 * GSM 03.38 codec (src/channels/smpp/gsm7.ts): the tables, escapes both ways, the spec's rules for
 * unknown escapes, septet counts, packing; agreement with Twilio's calculator on what is GSM-7.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import { decodeGsm7, encodeGsm7, GSM7_BASIC, GSM7_EXTENSION, isGsm7, packSeptets, septetCount, unpackSeptets } from '../../../src/channels/smpp/gsm7.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const ENCODINGS: Array<[string, string]> = [
  ['@', '00'], ['£', '01'], ['$', '02'], ['¥', '03'], ['Ç', '09'], ['\n', '0a'], ['\r', '0d'], ['Δ', '10'], ['_', '11'], ['Ξ', '1a'],
  ['É', '1f'], [' ', '20'], ['¤', '24'], ['¡', '40'], ['A', '41'], ['Ä', '5b'], ['§', '5f'], ['¿', '60'], ['a', '61'], ['à', '7f'],
  ['\f', '1b0a'], ['^', '1b14'], ['{', '1b28'], ['}', '1b29'], ['\\', '1b2f'], ['[', '1b3c'], ['~', '1b3d'], [']', '1b3e'], ['|', '1b40'], ['€', '1b65'],
];

test('every basic and extension character encodes to its septets and back', () => {
  for (const [char, septets] of ENCODINGS) {
    assert.equal(hex(encodeGsm7(char)), septets, `encode ${JSON.stringify(char)}`);
    assert.equal(decodeGsm7(Buffer.from(septets, 'hex')), char, `decode ${septets}`);
  }
  assert.equal(GSM7_BASIC.length, 128);
  assert.equal(GSM7_EXTENSION.size, 10);
});

test('trap 9: GSM-7 is not ASCII: @ is 0x00, ! stays 0x21, £ is 0x01', () => {
  assert.equal(hex(encodeGsm7('Hi @ {x}!£')), '48692000201b28781b292101');
});

test('trap 10: $ is 0x02 and 0x24 is ¤, both ways', () => {
  assert.equal(hex(encodeGsm7('$5')), '0235');
  assert.equal(decodeGsm7(Buffer.from([0x24, 0x02])), '¤$');
});

test('trap 13: € is ESC 0x65, and [ is ESC 0x3C', () => {
  assert.equal(hex(encodeGsm7('€[')), '1b651b3c');
});

test('trap 14: an extension character counts two septets', () => {
  assert.equal(septetCount('€'), 2);
  assert.equal(septetCount('a{b}'), 6);
  assert.equal(septetCount('a'.repeat(158) + '€'), 160);
  assert.equal(septetCount('ç'), undefined);
  assert.equal(septetCount(''), 0);
});

test('decoding follows 23.038 for escapes the extension table lacks', () => {
  const cases: Array<[string, string, string]> = [
    ['1b41', 'A', 'unknown escape shows the basic character'],
    ['1b00', '@', 'unknown escape of 0x00'],
    ['1b0d', '\r', 'CR2 of the extension table reads as the basic CR'],
    ['1b1b41', ' A', 'ESC ESC (another extension table) shows a space'],
    ['411b', 'A ', 'a lone ESC at the end shows a space'],
    ['4180', 'A\ufffd', 'an octet that is not a septet'],
  ];
  for (const [bytes, text, why] of cases) assert.equal(decodeGsm7(Buffer.from(bytes, 'hex')), text, why);
});

test('isGsm7 agrees with the segment calculator on every character up to U+07FF and U+2000-U+20FF', () => {
  // The calculator's table stops at U+03A9 apart from the euro sign (U+20AC).
  const codes = [...Array(0x800).keys(), ...Array.from({ length: 0x100 }, (_, i) => 0x2000 + i)];
  for (const code of codes) {
    const char = String.fromCharCode(code);
    assert.equal(isGsm7(char), new SegmentedMessage(char).encodingName === 'GSM-7', `U+${code.toString(16)}`);
  }
  assert.equal(isGsm7('ç'), false, 'lower-case c cedilla is not in the table');
  assert.equal(isGsm7('`'), false, 'nor is the backtick');
  assert.equal(isGsm7('\u001b'), false, 'ESC itself is not a character');
  assert.equal(isGsm7(''), true);
});

test('encodeGsm7 refuses a character outside the tables', () => {
  assert.throws(() => encodeGsm7('a😀'), RangeError);
});

const gsmText = fc.array(fc.constantFrom(...GSM7_BASIC.filter((c) => c !== '\u001b'), ...GSM7_EXTENSION.values()), { maxLength: 300 }).map((a) => a.join(''));

test('property: any GSM-7 text encodes to septetCount septets and decodes back', () => {
  fc.assert(fc.property(gsmText, (text) => {
    const septets = encodeGsm7(text);
    assert.equal(septets.length, septetCount(text));
    assert.ok(septets.every((s) => s < 0x80));
    assert.equal(decodeGsm7(septets), text);
  }), { numRuns: 500 });
});

/** A text's septets looked up a character at a time in the exported tables, as hex. */
function septetsByTable(text: string): string {
  return [...text].map((char) => {
    const basic = GSM7_BASIC.indexOf(char);
    if (basic >= 0 && basic !== 0x1b) return basic.toString(16).padStart(2, '0');
    const code = [...GSM7_EXTENSION].find(([, c]) => c === char)![0];
    return `1b${code.toString(16).padStart(2, '0')}`;
  }).join('');
}

// ASCII in both tables: mostly characters the Latin-1 shortcut takes, and `@ $ _` that it must not.
const asciiGsmText = fc.array(fc.constantFrom(...GSM7_BASIC.filter((c) => c.charCodeAt(0) < 0x80 && c !== '\u001b')), { maxLength: 200 }).map((a) => a.join(''));
const anyGsmChar = fc.constantFrom(...GSM7_BASIC.filter((c) => c !== '\u001b'), ...GSM7_EXTENSION.values());

test('property: ASCII-like texts, the shortcut\'s case, code as the tables say, alone and with any one GSM character put in', () => {
  fc.assert(fc.property(asciiGsmText, anyGsmChar, fc.nat(), (ascii, other, at) => {
    const cut = at % (ascii.length + 1);
    for (const text of [ascii, ascii.slice(0, cut) + other + ascii.slice(cut)]) {
      const septets = septetsByTable(text);
      assert.equal(hex(encodeGsm7(text)), septets);
      assert.equal(septetCount(text), septets.length / 2);
      assert.equal(isGsm7(text), true);
      const bytes = Buffer.from(septets, 'hex');
      assert.equal(decodeGsm7(bytes), text);
      assert.equal(decodeGsm7(new Uint8Array(bytes)), text, 'a plain Uint8Array');
      assert.equal(decodeGsm7(Buffer.concat([Buffer.from('0000', 'hex'), bytes]).subarray(2)), text, 'a view at an offset');
    }
  }), { numRuns: 1000 });
});

test('property: an ASCII character in neither table, such as the backtick, is not GSM-7 however plain the rest', () => {
  fc.assert(fc.property(asciiGsmText, fc.constantFrom('`', '\u007f', '\u0000', '\t'), (ascii, outsider) => {
    const text = ascii + outsider;
    assert.equal(isGsm7(text), false);
    assert.equal(septetCount(text), undefined);
    assert.throws(() => encodeGsm7(text), RangeError);
  }), { numRuns: 300 });
});

test('property: decoding never throws and gives a GSM-7 text for any septets', () => {
  fc.assert(fc.property(fc.uint8Array({ max: 0x7f, maxLength: 200 }), (bytes) => {
    assert.equal(isGsm7(decodeGsm7(bytes)), true);
  }), { numRuns: 500 });
});

test('packing: the 23.038 example and the padding rule', () => {
  // "hellohello" packed is E8 32 9B FD 46 97 D9 EC 37 (3GPP TS 23.038 annex example, also in gosmpp).
  assert.equal(hex(packSeptets(encodeGsm7('hellohello'))), 'e8329bfd4697d9ec37');
  assert.equal(decodeGsm7(unpackSeptets(Buffer.from('e8329bfd4697d9ec37', 'hex'))), 'hellohello');
  // 7 septets leave 7 spare bits: zero padding (or the CR the spec asks for) is not an extra '@' / CR.
  assert.equal(decodeGsm7(unpackSeptets(packSeptets(encodeGsm7('1234567')))), '1234567');
  const crPadded = packSeptets(encodeGsm7('1234567\r'));
  assert.equal(crPadded.length, 7);
  assert.equal(decodeGsm7(unpackSeptets(crPadded)), '1234567');
  assert.equal(decodeGsm7(unpackSeptets(crPadded, 0, 8)), '1234567\r', 'an explicit count keeps every septet');
});

test('property: pack then unpack gives the septets back, with any fill bits', () => {
  fc.assert(fc.property(fc.uint8Array({ max: 0x7f, maxLength: 200 }), fc.integer({ min: 0, max: 6 }), (septets, fill) => {
    const packed = packSeptets(septets, fill);
    assert.equal(packed.length, Math.ceil((fill + septets.length * 7) / 8));
    assert.deepEqual([...unpackSeptets(packed, fill, septets.length)], [...septets]);
    // Without a count, only a trailing 0x00/CR in exactly 7 spare bits can be dropped.
    const guessed = unpackSeptets(packed, fill);
    assert.deepEqual([...guessed], [...septets].slice(0, guessed.length));
    assert.ok(guessed.length === septets.length || (guessed.length === septets.length - 1 && [0, 0x0d].includes(septets.at(-1)!)));
  }), { numRuns: 500 });
});
