/**
 * Messaging TwiML parser: a webhook's answer (body + Content-Type) -> typed verbs (./verbs.ts).
 * https://www.twilio.com/docs/messaging/twiml , /twiml/message , /twiml/redirect
 *
 * It runs once per webhook exchange, so it reuses one parser and stays linear in the input, and
 * it never throws: every failure is a result carrying Twilio's code (11750, 12100, 12102, 12300)
 * and every problem the valid parts survive is a warning (12200, 14103, 14104, 14109, 14110).
 *
 * TwiML is untrusted. fast-xml-parser expands entities declared in a DOCTYPE, so any `<!` other
 * than a comment or CDATA is refused by a pre-scan before the library sees the document (no
 * entity expansion, no external entities); the same scan bounds the nesting depth. With
 * `processEntities: false` the library hands us raw text, and references are decoded here: XML's
 * five named entities and numeric character references, anything else is malformed (XML 1.0
 * section 4.1), as Twilio's XML parser would say.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ERROR_CATALOG } from '../errors/catalog.js';
import type { HttpMethod } from '../stores/records.js';
import type { MessageVerb, RedirectVerb, TwimlParseResult, TwimlWarning, Verb } from './verbs.js';
import { MAX_TWIML_DEPTH, prescan } from './guards.js';

export { MAX_TWIML_DEPTH };

/** Twilio error 11750: "TwiML response body too large", counted in UTF-8 bytes. */
export const MAX_TWIML_BYTES = 64 * 1024;
/** Per message (https://www.twilio.com/docs/messaging/twiml/message, "Media"). */
const MAX_MEDIA = 10;
/** Per inbound message (error 14109); the interpreter enforces it, the parser only warns. */
const MAX_MESSAGES = 10;

type FailureCode = Extract<TwimlParseResult, { ok: false }>['code'];
type Warn = (code: TwimlWarning['code'], detail: string) => void;

/** fast-xml-parser's `preserveOrder` shape: `{ [tag]: children, ':@'?: attributes }` or `{ '#text': raw }`. */
type XmlNode = Readonly<Record<string, unknown>>;
const ATTRS = ':@';
const TEXT = '#text';
const CDATA = '#cdata';
const ATTR_PREFIX = '@_';

/**
 * Element names that are also Object.prototype members make the library throw or rename them;
 * we mark them with a NUL (never valid in an XML name) so they stay ordinary unknown elements.
 */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const markReserved = (name: string): string => (RESERVED_NAMES.has(name) ? `\0${name}` : name);

/** Built once: XMLParser keeps no state between documents. Options chosen so TwiML text is untouched. */
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTR_PREFIX,
  parseTagValue: false, // `<Message>007</Message>` stays "007"
  parseAttributeValue: false,
  trimValues: false, // body whitespace is trimmed by TwiML's rule, not per text node
  processEntities: false, // decoded by decodeEntities below
  cdataPropName: CDATA, // CDATA text is literal: it must not be entity-decoded
  maxNestedTags: MAX_TWIML_DEPTH + 1,
  jPath: false,
  transformTagName: markReserved,
  onDangerousProperty: (name) => `\0${name}`,
});

/** `fatal`: invalid UTF-8 is a parse failure, not U+FFFD in a customer's SMS. The default strips a BOM. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Characters outside XML 1.0's `Char` production (section 2.2), unpaired surrogates included. */
const NOT_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/u;

/** Thrown inside the tree walk for a well-formedness error the validator let through. */
class Malformed extends Error {}

export function parseTwiml(body: string | Buffer, contentType: string | undefined): TwimlParseResult {
  try {
    return parseBody(body, contentType);
  } catch (err) {
    // Malformed, or the library refusing something the validator accepted.
    return fail(12100, err instanceof Error ? err.message : 'the document could not be read');
  }
}

function parseBody(body: string | Buffer, contentType: string | undefined): TwimlParseResult {
  const bytes = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
  if (bytes > MAX_TWIML_BYTES) return fail(11750, `the body is ${bytes} bytes, the limit is ${MAX_TWIML_BYTES}`);
  const text = decodeBody(body);
  // Parley's rule: an empty answer (or a 204) means "no reply", whatever the Content-Type.
  if (text !== null && text.trim() === '') return { ok: true, verbs: [], warnings: [] };

  const kind = bodyKind(contentType);
  if (kind === 'other') {
    const what = contentType === undefined ? 'no Content-Type' : `Content-Type "${contentType.slice(0, 100)}"`;
    return fail(12300, `the response has ${what}; expected text/xml, application/xml, text/html or text/plain`);
  }
  if (text === null) return fail(12100, 'the body is not valid UTF-8');
  const bad = NOT_XML_CHAR.exec(text);
  if (bad !== null) {
    const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    return fail(12100, `the body contains the character U+${code} (offset ${bad.index}), which is not allowed in a document`);
  }
  // text/plain: the text itself is the reply (https://www.twilio.com/docs/messaging/twiml).
  if (kind === 'text') return { ok: true, verbs: [plainReply(text.trim())], warnings: [] };
  return parseDocument(text);
}

function fail(code: FailureCode, detail: string): TwimlParseResult {
  return { ok: false, code, message: `${ERROR_CATALOG[code].title}: ${detail}` };
}

function decodeBody(body: string | Buffer): string | null {
  if (typeof body === 'string') return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  try {
    return utf8.decode(body);
  } catch {
    return null;
  }
}

/** Media type before `;`, case-insensitive (RFC 9110 section 8.3.1). */
function bodyKind(contentType: string | undefined): 'twiml' | 'text' | 'other' {
  if (contentType === undefined) return 'other';
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (type === 'text/plain') return 'text';
  if (type === 'text/xml' || type === 'application/xml' || type === 'text/html') return 'twiml';
  return /^[^/\s]+\/[^/\s]+\+xml$/.test(type) ? 'twiml' : 'other'; // RFC 6839 `+xml` suffix
}

function plainReply(body: string): MessageVerb {
  return { kind: 'Message', verb: 'Message', body, media: [], to: null, from: null, action: null, method: 'POST', statusCallback: null };
}

/**
 * The answer nearly every app gives: one text <Message>, as the helper libraries' MessagingResponse
 * writes it. Recognised here without the XML library (the whole call 1.3 µs instead of 9 µs). Whitespace between
 * tags is XML's own (space, tab, LF), and a body with markup, references or `]` takes the full path,
 * so both paths give the same result (a property test in test/twiml checks it).
 */
const SINGLE_MESSAGE =
  /^(?:<\?xml version="1\.0" encoding="UTF-8"\?>)?[ \t\n]*<Response>[ \t\n]*<Message>([^<&\]]*)<\/Message>[ \t\n]*<\/Response>[ \t\n]*$/;

function singleMessage(xml: string): TwimlParseResult | null {
  const text = SINGLE_MESSAGE.exec(xml)?.[1];
  if (text === undefined) return null;
  const body = text.trim();
  return body === '' ? null : { ok: true, verbs: [plainReply(body)], warnings: [] }; // empty: 14103, full path
}

function parseDocument(source: string): TwimlParseResult {
  // XML 1.0 section 2.11: CRLF and lone CR become LF before parsing (an escaped &#xD; survives).
  const xml = source.includes('\r') ? source.replace(/\r\n?/g, '\n') : source;
  const simple = singleMessage(xml);
  if (simple !== null) return simple;
  const refused = prescan(xml);
  if (refused !== null) return fail(12100, refused);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return fail(12100, `${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  const tree: unknown = parser.parse(xml);
  if (!Array.isArray(tree)) return fail(12100, 'the document could not be read');

  let root: XmlNode | null = null;
  let rootName = '';
  for (let index = 0; index < tree.length; index++) {
    const node = asNode(tree[index]);
    const name = nameOf(node);
    if (name === '?xml' && index !== 0) return fail(12100, 'the XML declaration must start the document');
    if (name === TEXT || name.startsWith('?')) continue; // the validator only lets whitespace through here
    if (root !== null) return fail(12100, 'a document has exactly one root element');
    root = node;
    rootName = name;
  }
  if (root === null) return fail(12100, 'the document has no root element');
  if (rootName !== 'Response') return fail(12102, `the root element is <${shown(rootName)}>`);
  return readResponse(root);
}

function readResponse(root: XmlNode): TwimlParseResult {
  const verbs: Verb[] = [];
  const warnings: TwimlWarning[] = [];
  const warn: Warn = (code, detail) => {
    warnings.push({ code, message: `${ERROR_CATALOG[code].title}: ${detail}` });
  };
  warnAttributes(root, 'Response', warn);
  forEachChild(
    root,
    'Response',
    (text) => {
      if (text.trim() !== '') warn(12200, 'text directly inside <Response> is not a verb and was ignored');
    },
    (name, node) => {
      // A <Redirect> ends the document for the interpreter; what follows is still returned.
      let verb: Verb | null = null;
      if (name === 'Message' || name === 'Sms') verb = readMessage(name, node, warn);
      else if (name === 'Redirect') verb = readRedirect(node, warn);
      else warn(14110, `<${shown(name)}> is not a messaging verb (Message, Redirect); skipped`);
      if (verb !== null) verbs.push(verb);
    },
  );
  const messages = verbs.filter((verb) => verb.kind === 'Message').length;
  if (messages > MAX_MESSAGES) {
    warn(14109, `${messages} <Message> verbs; at most ${MAX_MESSAGES} replies are sent for one inbound message`);
  }
  return { ok: true, verbs, warnings };
}

function readMessage(verb: 'Message' | 'Sms', node: XmlNode, warn: Warn): MessageVerb | null {
  const message: MessageVerb = {
    kind: 'Message', verb, body: '', media: [], to: null, from: null, action: null, method: 'POST', statusCallback: null,
  };
  for (const [name, value] of attributesOf(node)) {
    if (name === 'to') message.to = value || null;
    else if (name === 'from') message.from = value || null;
    else if (name === 'action') message.action = value || null;
    else if (name === 'statusCallback') message.statusCallback = value || null;
    else if (name === 'method') message.method = readMethod(value, verb, warn);
    else warn(12200, `unknown attribute "${name}" on <${verb}> ignored`);
  }
  // Body = direct text plus every <Body>, in document order: the helper libraries write
  // `<Message>hi<Media>…</Media></Message>`, hand-written TwiML often uses <Body>.
  let body = '';
  const media: string[] = [];
  forEachChild(node, verb, (text) => (body += text), (name, child) => {
    if (name !== 'Body' && name !== 'Media') {
      warn(12200, `<${shown(name)}> is not allowed inside <${verb}> and was ignored`);
      return;
    }
    warnAttributes(child, name, warn);
    const text = textOf(child, name, warn);
    if (name === 'Body') body += text;
    else if (text.trim() === '') warn(12200, `an empty <Media> in <${verb}> was ignored`);
    else media.push(text.trim());
  });
  message.body = body.trim();
  if (media.length > MAX_MEDIA) {
    warn(12200, `<${verb}> has ${media.length} <Media>; only the first ${MAX_MEDIA} are sent`);
  }
  message.media = media.slice(0, MAX_MEDIA);
  if (message.body === '' && message.media.length === 0) {
    warn(14103, `<${verb}> has neither a body nor media; skipped`);
    return null;
  }
  return message;
}

function readRedirect(node: XmlNode, warn: Warn): RedirectVerb | null {
  let method: HttpMethod = 'POST';
  for (const [name, value] of attributesOf(node)) {
    if (name === 'method') method = readMethod(value, 'Redirect', warn);
    else warn(12200, `unknown attribute "${name}" on <Redirect> ignored`);
  }
  const url = textOf(node, 'Redirect', warn).trim();
  if (url === '') {
    warn(12200, '<Redirect> has no URL; skipped');
    return null;
  }
  return { kind: 'Redirect', url, method };
}

/** GET or POST, case-insensitive; empty means the default. Anything else: 14104 and POST. */
function readMethod(value: string, verb: string, warn: Warn): HttpMethod {
  const upper = value.toUpperCase();
  if (upper === 'GET' || upper === 'POST') return upper;
  if (value !== '') warn(14104, `method "${value}" on <${verb}> is not GET or POST; POST is used`);
  return 'POST';
}

/** The text of a noun (<Body>, <Media>, <Redirect>): direct text only; child elements are warned about. */
function textOf(node: XmlNode, name: string, warn: Warn): string {
  let text = '';
  const refuse = (child: string): void => warn(12200, `<${shown(child)}> is not allowed inside <${name}> and was ignored`);
  forEachChild(node, name, (part) => (text += part), refuse);
  return text;
}

/** For elements that take no attributes (<Response>, <Body>, <Media>). */
function warnAttributes(node: XmlNode, element: string, warn: Warn): void {
  for (const [name] of attributesOf(node)) warn(12200, `unknown attribute "${name}" on <${element}> ignored`);
}

/** Decoded text pieces and child elements of an element, in document order. */
function forEachChild(
  node: XmlNode,
  name: string,
  onText: (text: string) => void,
  onElement: (name: string, node: XmlNode) => void,
): void {
  const children = node[name];
  if (!Array.isArray(children)) return;
  for (const raw of children as unknown[]) {
    const child = asNode(raw);
    const childName = nameOf(child);
    if (childName === TEXT) onText(decodeEntities(String(child[TEXT])));
    else if (childName === CDATA) onText(cdataText(child));
    else if (childName === '?xml') throw new Malformed('the XML declaration must start the document');
    else if (!childName.startsWith('?')) onElement(childName, child); // other processing instructions are ignored
  }
}

function cdataText(node: XmlNode): string {
  const parts = node[CDATA];
  if (!Array.isArray(parts)) return '';
  let text = '';
  for (const part of parts as unknown[]) text += String(asNode(part)[TEXT] ?? '');
  return text;
}

/** Attribute values, entity-decoded and trimmed; `xmlns` declarations are XML plumbing, not TwiML. */
function attributesOf(node: XmlNode): Array<[string, string]> {
  const attrs = node[ATTRS];
  if (typeof attrs !== 'object' || attrs === null) return [];
  const result: Array<[string, string]> = [];
  for (const [key, raw] of Object.entries(attrs)) {
    const name = key.slice(ATTR_PREFIX.length);
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const value = String(raw);
    if (value.includes('<')) throw new Malformed(`"<" is not allowed in the value of attribute "${name}"`);
    // XML 1.0 section 3.3.3: literal whitespace characters in attribute values become spaces.
    result.push([name, decodeEntities(value.replace(/[\t\n]/g, ' ')).trim()]);
  }
  return result;
}

/** XML's five predefined entities and numeric character references (XML 1.0 sections 4.1, 4.6). */
function decodeEntities(raw: string): string {
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let last = 0;
  while (amp !== -1) {
    const semicolon = raw.indexOf(';', amp + 1);
    if (semicolon === -1) throw new Malformed('an "&" that does not start an entity reference');
    out += raw.slice(last, amp) + entityValue(raw.slice(amp + 1, semicolon));
    last = semicolon + 1;
    amp = raw.indexOf('&', last);
  }
  return out + raw.slice(last);
}

function entityValue(name: string): string {
  switch (name) {
    case 'amp': return '&';
    case 'lt': return '<';
    case 'gt': return '>';
    case 'quot': return '"';
    case 'apos': return "'";
  }
  const codePoint =
    /^#x[0-9a-fA-F]{1,8}$/.test(name) ? Number.parseInt(name.slice(2), 16)
    : /^#[0-9]{1,10}$/.test(name) ? Number.parseInt(name.slice(1), 10)
    : -1;
  if (codePoint === -1) throw new Malformed(`unknown entity "&${name.slice(0, 40)};"`);
  if (!isXmlChar(codePoint)) throw new Malformed(`"&${name};" is not a character allowed in XML`);
  return String.fromCodePoint(codePoint);
}

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

function asNode(raw: unknown): XmlNode {
  return typeof raw === 'object' && raw !== null ? (raw as XmlNode) : {};
}

function nameOf(node: XmlNode): string {
  for (const key in node) if (key !== ATTRS) return key;
  return '';
}

/** An element name as written (undoes markReserved and onDangerousProperty). */
function shown(name: string): string {
  return name.startsWith('\0') ? name.slice(1) : name;
}
