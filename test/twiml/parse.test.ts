/**
 * parseTwiml as a table of (body, Content-Type) -> verbs + warning codes, or a failure code.
 * Helper-library output comes from the real twilio-node builder, python/ruby strings from the
 * reference (twilio-behavior.md section 4.5). Property tests at the end fuzz it with fast-check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import twilio from 'twilio';
import { ERROR_CATALOG } from '../../src/errors/catalog.js';
import { MAX_TWIML_BYTES, MAX_TWIML_DEPTH, parseTwiml } from '../../src/twiml/parse.js';
import type { MessageVerb, RedirectVerb, TwimlParseResult, Verb } from '../../src/twiml/verbs.js';

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>';

function message(body: string, extra: Partial<MessageVerb> = {}): MessageVerb {
  return { kind: 'Message', verb: 'Message', body, media: [], to: null, from: null, action: null, method: 'POST', statusCallback: null, ...extra };
}
function redirect(url: string, method: 'GET' | 'POST' = 'POST'): RedirectVerb {
  return { kind: 'Redirect', url, method };
}
/** What twilio-node actually writes. */
function node(build: (response: twilio.twiml.MessagingResponse) => void): string {
  const response = new twilio.twiml.MessagingResponse();
  build(response);
  return response.toString();
}
const doc = (inner: string): string => `<Response>${inner}</Response>`;
const repeat = (text: string, count: number): string => text.repeat(count);

type Outcome = { verbs: Verb[]; warnings: number[] } | { code: number };
interface Case {
  name: string;
  body: string | Buffer;
  /** Defaults to text/xml; `undefined` means no Content-Type header. */
  type?: string | undefined;
  expect: Outcome;
}
const ok = (verbs: Verb[], warnings: number[] = []): Outcome => ({ verbs, warnings });
const failure = (code: number): Outcome => ({ code });

function outcome(result: TwimlParseResult): Outcome {
  return result.ok ? { verbs: result.verbs, warnings: result.warnings.map((w) => w.code) } : { code: result.code };
}

const prefix = '<Response><Message>';
const suffix = '</Message></Response>';
const fill = MAX_TWIML_BYTES - Buffer.byteLength(prefix + suffix);
const atLimit = prefix + repeat('a', fill) + suffix;
const billionLaughs = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE lolz [',
  ' <!ENTITY lol "lol">',
  ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${repeat(`&lol${i === 0 ? '' : i};`, 10)}">`),
  ']>',
  '<Response><Message>&lol9;</Message></Response>',
].join('\n');
const eleven = <T>(item: (i: number) => T): T[] => Array.from({ length: 11 }, (_, i) => item(i));

const cases: Case[] = [
  // What the official helper libraries emit (reference 4.5).
  { name: 'node: message', body: node((r) => r.message('hi')), expect: ok([message('hi')]) },
  { name: 'node: empty response', body: node(() => undefined), expect: ok([]) },
  { name: 'node: message + media (mixed content)', body: node((r) => r.message('hi').media('https://x/a.png')), expect: ok([message('hi', { media: ['https://x/a.png'] })]) },
  {
    name: 'node: attributes, <Body> and <Media>',
    body: node((r) => {
      const m = r.message({ to: '+1555', action: '/a' }, ''); // same output as the untyped one-argument call
      m.body('b1');
      m.media('https://x/a.png');
    }),
    expect: ok([message('b1', { to: '+1555', action: '/a', media: ['https://x/a.png'] })]),
  },
  { name: 'node: redirect GET', body: node((r) => r.redirect({ method: 'GET' }, '/next')), expect: ok([redirect('/next', 'GET')]) },
  { name: 'node: escaped text (CR as &#xD;, quotes, euro)', body: node((r) => r.message('a\r\nb & <c> "d" \'e\' \t€ 007')), expect: ok([message('a\r\nb & <c> "d" \'e\' \t€ 007')]) },
  { name: 'node: from, statusCallback, lower-case method', body: node((r) => r.message({ from: 'Parley', statusCallback: '/s', method: 'get' }, 'x')), expect: ok([message('x', { from: 'Parley', statusCallback: '/s', method: 'GET' })]) },
  { name: 'reference: node message', body: `${XML_DECL}<Response><Message>hi</Message></Response>`, expect: ok([message('hi')]) },
  { name: 'reference: node <Response/>', body: `${XML_DECL}<Response/>`, expect: ok([]) },
  { name: 'reference: python <Response />', body: `${XML_DECL}<Response />`, expect: ok([]) },
  { name: 'reference: ruby newline-separated', body: `${XML_DECL}\n<Response>\n<Message>hi</Message>\n</Response>\n`, expect: ok([message('hi')]) },
  { name: 'reference: ruby empty', body: `${XML_DECL}\n<Response/>\n`, expect: ok([]) },
  { name: 'reference: mixed content', body: doc('<Message>hi<Media>https://x/a.png</Media></Message>'), expect: ok([message('hi', { media: ['https://x/a.png'] })]) },
  { name: 'reference: <Body> form', body: doc('<Message to="+1555" action="/a"><Body>b1</Body><Media>https://x/a.png</Media></Message>'), expect: ok([message('b1', { to: '+1555', action: '/a', media: ['https://x/a.png'] })]) },
  { name: 'reference: redirect', body: doc('<Redirect method="GET">/next</Redirect>'), expect: ok([redirect('/next', 'GET')]) },

  // <Message> / <Sms> and their nouns.
  { name: 'Sms is an alias of Message', body: doc('<Sms to="+1" from="+2">old</Sms>'), expect: ok([message('old', { verb: 'Sms', to: '+1', from: '+2' })]) },
  {
    name: 'all Message attributes',
    body: doc('<Message to="+15551230000" from="+15559870000" action="https://a/x?y=1&amp;z=2" method="POST" statusCallback="/cb">m</Message>'),
    expect: ok([message('m', { to: '+15551230000', from: '+15559870000', action: 'https://a/x?y=1&z=2', statusCallback: '/cb' })]),
  },
  { name: 'empty attributes are null', body: doc('<Message to="" from=" " action="" statusCallback="" method="">m</Message>'), expect: ok([message('m')]) },
  { name: 'attribute whitespace normalised and trimmed', body: doc('<Message action="\n /a\tb ">m</Message>'), expect: ok([message('m', { action: '/a b' })]) },
  { name: 'bad Message method: 14104, POST', body: doc('<Message method="PUT" action="/a">m</Message>'), expect: ok([message('m', { action: '/a' })], [14104]) },
  { name: 'unknown Message attribute: 12200', body: doc('<Message priority="high">m</Message>'), expect: ok([message('m')], [12200]) },
  { name: 'direct text and <Body> concatenated in order', body: doc('<Message>Hello <Body>world</Body>!<Media>u1</Media><Body> again</Body></Message>'), expect: ok([message('Hello world! again', { media: ['u1'] })]) },
  { name: 'indented hand-written TwiML', body: '<Response>\n  <Message>\n    <Body>Hi there</Body>\n    <Media> https://x/1.png </Media>\n  </Message>\n</Response>', expect: ok([message('Hi there', { media: ['https://x/1.png'] })]) },
  { name: 'inner newlines and spaces kept', body: doc('<Message>\n  line 1\n\n  line  2\n</Message>'), expect: ok([message('line 1\n\n  line  2')]) },
  { name: 'media only', body: doc('<Message><Media>u1</Media><Media>u2</Media></Message>'), expect: ok([message('', { media: ['u1', 'u2'] })]) },
  { name: '11 media: first 10 kept, 12200', body: doc(`<Message>m${eleven((i) => `<Media>u${i}</Media>`).join('')}</Message>`), expect: ok([message('m', { media: eleven((i) => `u${i}`).slice(0, 10) })], [12200]) },
  { name: 'empty <Media>: 12200', body: doc('<Message>m<Media> </Media></Message>'), expect: ok([message('m')], [12200]) },
  { name: 'empty Message: 14103, skipped', body: doc('<Message/><Message>  \n </Message><Message><Body/></Message>'), expect: ok([], [14103, 14103, 14103]) },
  { name: 'verb inside Message: 12200', body: doc('<Message>hi<Redirect>/x</Redirect></Message>'), expect: ok([message('hi')], [12200]) },
  { name: 'attribute on <Body>: 12200', body: doc('<Message><Body lang="en">b</Body></Message>'), expect: ok([message('b')], [12200]) },
  { name: 'element inside <Body>: 12200', body: doc('<Message><Body>a<b>x</b>c</Body></Message>'), expect: ok([message('ac')], [12200]) },
  { name: '<Message>007</Message> stays 007', body: doc('<Message>007</Message>'), expect: ok([message('007')]) },
  { name: 'numbers and booleans stay text', body: doc('<Message to="+0015"> 1e3 </Message><Message>true</Message>'), expect: ok([message('1e3', { to: '+0015' }), message('true')]) },

  // <Redirect>.
  { name: 'redirect defaults to POST, URL trimmed', body: doc('<Redirect>\n  https://x/next?a=1&amp;b=2 \n</Redirect>'), expect: ok([redirect('https://x/next?a=1&b=2')]) },
  { name: 'redirect lower-case get', body: doc('<Redirect method="get">/n</Redirect>'), expect: ok([redirect('/n', 'GET')]) },
  { name: 'redirect bad method: 14104, POST', body: doc('<Redirect method="DELETE">/n</Redirect>'), expect: ok([redirect('/n')], [14104]) },
  { name: 'redirect without URL: 12200, skipped', body: doc('<Redirect method="GET"> </Redirect><Redirect/>'), expect: ok([], [12200, 12200]) },
  { name: 'redirect unknown attribute: 12200', body: doc('<Redirect timeout="5">/n</Redirect>'), expect: ok([redirect('/n')], [12200]) },
  { name: 'verbs after Redirect are still returned', body: doc('<Message>a</Message><Redirect>/n</Redirect><Message>b</Message>'), expect: ok([message('a'), redirect('/n'), message('b')]) },

  // Document level.
  { name: 'unknown verb: 14110, skipped', body: doc('<Say>hi</Say><Message>m</Message>'), expect: ok([message('m')], [14110]) },
  { name: 'names are case-sensitive: <message> is unknown', body: doc('<message>m</message>'), expect: ok([], [14110]) },
  { name: '10 Messages: no warning', body: doc(repeat('<Message>m</Message>', 10)), expect: ok(Array.from({ length: 10 }, () => message('m'))) },
  { name: '11 Messages: all kept, 14109', body: doc(repeat('<Message>m</Message>', 11)), expect: ok(eleven(() => message('m')), [14109]) },
  { name: 'text directly in Response: 12200', body: doc('stray<Message>m</Message>'), expect: ok([message('m')], [12200]) },
  { name: 'attribute on Response: 12200; xmlns ignored', body: '<Response xmlns="urn:x" version="1"/>', expect: ok([], [12200]) },
  { name: 'comments and processing instructions ignored', body: `${XML_DECL}<!-- c --><?pi x?><Response><!-- a --><Message>a<!-- b -->b<?pi y?></Message></Response><!-- end -->`, expect: ok([message('ab')]) },
  { name: 'reserved JS names are just unknown verbs', body: doc('<__proto__/><constructor>x</constructor><hasOwnProperty/>'), expect: ok([], [14110, 14110, 14110]) },

  // Entities, CDATA, characters.
  { name: 'the five XML entities', body: doc('<Message>&lt;b&gt; &amp; &quot;q&quot; &apos;a&apos;</Message>'), expect: ok([message('<b> & "q" \'a\'')]) },
  { name: 'numeric references', body: doc('<Message>&#x20AC;&#8364;&#x41;&#x1F600;&#10;x</Message>'), expect: ok([message('€€A😀\nx')]) },
  { name: '&#X41; (capital X) is not XML: 12100', body: doc('<Message>&#X41;</Message>'), expect: failure(12100) },
  { name: 'entities in attributes', body: doc('<Message to="&#43;1555" action="/a?b=1&amp;c=&lt;">m</Message>'), expect: ok([message('m', { to: '+1555', action: '/a?b=1&c=<' })]) },
  { name: 'HTML entity &nbsp; is not XML: 12100', body: doc('<Message>&nbsp;</Message>'), expect: failure(12100) },
  { name: 'undeclared entity: 12100', body: doc('<Message>&lol;</Message>'), expect: failure(12100) },
  { name: 'reference to NUL: 12100', body: doc('<Message>&#0;</Message>'), expect: failure(12100) },
  { name: 'reference to a surrogate: 12100', body: doc('<Message>&#xD800;</Message>'), expect: failure(12100) },
  { name: 'empty numeric reference: 12100', body: doc('<Message>&#;</Message>'), expect: failure(12100) },
  { name: 'bare ampersand: 12100', body: doc('<Message>a & b</Message>'), expect: failure(12100) },
  { name: 'CDATA is literal', body: doc('<Message><![CDATA[<b>&amp;</b>]]></Message>'), expect: ok([message('<b>&amp;</b>')]) },
  { name: 'CDATA mixed with text and <Body>', body: doc('<Message>a<![CDATA[ < ]]>b<Body><![CDATA[c]]></Body></Message>'), expect: ok([message('a < bc')]) },
  { name: 'a DOCTYPE inside CDATA is text', body: doc('<Message><![CDATA[<!DOCTYPE x>]]></Message>'), expect: ok([message('<!DOCTYPE x>')]) },
  { name: 'CRLF and CR become LF; escaped CR survives', body: doc('<Message>a\r\nb\rc&#13;d</Message>'), expect: ok([message('a\nb\nc\rd')]) },
  { name: 'BOM in a string', body: `\uFEFF${XML_DECL}<Response><Message>hi</Message></Response>`, expect: ok([message('hi')]) },
  { name: 'BOM in a Buffer', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(doc('<Message>hi</Message>'))]), expect: ok([message('hi')]) },
  { name: 'UTF-8 Buffer', body: Buffer.from(doc('<Message>Grüße €5 😀</Message>')), expect: ok([message('Grüße €5 😀')]) },

  // Malformed documents, wrong roots.
  { name: 'unclosed root', body: '<Response><Message>x</Message>', expect: failure(12100) },
  { name: 'mismatched tags', body: doc('<Message>x</Body>'), expect: failure(12100) },
  { name: 'plain text served as XML', body: 'hello', expect: failure(12100) },
  { name: 'two root elements', body: '<Response/><Response/>', expect: failure(12100) },
  { name: 'XML declaration after the root', body: '<Response/><?xml version="1.0"?>', expect: failure(12100) },
  { name: 'XML declaration after whitespace', body: `\n${XML_DECL}<Response/>`, expect: failure(12100) },
  { name: '"<" in an attribute value', body: '<Response><Message to="<">m</Message></Response>', expect: failure(12100) },
  { name: 'duplicate attribute', body: doc('<Message to="1" to="2">m</Message>'), expect: failure(12100) },
  { name: 'attribute without value', body: doc('<Message async>m</Message>'), expect: failure(12100) },
  { name: 'only a comment', body: '<!-- nothing -->', expect: failure(12100) },
  { name: 'wrong root: 12102', body: '<Responses><Message>m</Message></Responses>', expect: failure(12102) },
  { name: 'root is case-sensitive: 12102', body: '<response/>', expect: failure(12102) },
  { name: 'namespaced root: 12102', body: '<t:Response xmlns:t="urn:t"/>', expect: failure(12102) },
  { name: 'HTML page: 12102', body: '<html><body>Oops</body></html>', type: 'text/html', expect: failure(12102) },

  // Untrusted input.
  { name: 'DOCTYPE with an internal entity', body: `<!DOCTYPE r [<!ENTITY a "aaa">]>${doc('<Message>&a;</Message>')}`, expect: failure(12100) },
  { name: 'external entity (XXE)', body: `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${doc('<Message>&x;</Message>')}`, expect: failure(12100) },
  { name: 'HTML5 doctype', body: '<!DOCTYPE html><Response/>', type: 'text/html', expect: failure(12100) },
  { name: 'stray <!ENTITY', body: doc('<!ENTITY a "b"><Message>m</Message>'), expect: failure(12100) },
  { name: 'NUL in a string', body: doc('<Message>a\u0000b</Message>'), expect: failure(12100) },
  { name: 'control character', body: doc('<Message>a\u0007b</Message>'), expect: failure(12100) },
  { name: 'lone surrogate in a string', body: doc('<Message>a\uD800b</Message>'), expect: failure(12100) },
  { name: 'U+FFFF', body: doc('<Message>\uFFFF</Message>'), expect: failure(12100) },
  { name: 'invalid UTF-8 bytes', body: Buffer.concat([Buffer.from('<Response><Message>'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('</Message></Response>')]), expect: failure(12100) },
  { name: 'binary junk served as XML', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]), expect: failure(12100) },
  { name: 'NUL bytes in UTF-8', body: Buffer.from([0x3c, 0x00, 0x3e, 0x00]), expect: failure(12100) },
  { name: `nesting at the limit (${MAX_TWIML_DEPTH})`, body: doc(`<Message>hi${repeat('<x>', MAX_TWIML_DEPTH - 2)}${repeat('</x>', MAX_TWIML_DEPTH - 2)}</Message>`), expect: ok([message('hi')], [12200]) },
  { name: 'nesting one over the limit', body: doc(`<Message>hi${repeat('<x>', MAX_TWIML_DEPTH - 1)}${repeat('</x>', MAX_TWIML_DEPTH - 1)}</Message>`), expect: failure(12100) },
  { name: '9,000 levels, well-formed', body: doc(repeat('<a>', 9000) + repeat('</a>', 9000)), expect: failure(12100) },
  { name: 'quoted ">" and "/>" do not fool the depth scan', body: doc('<Message action="/a>b/>">m</Message>'), expect: ok([message('m', { action: '/a>b/>' })]) },

  // Content types.
  { name: 'application/xml', body: doc('<Message>m</Message>'), type: 'application/xml', expect: ok([message('m')]) },
  { name: 'text/html parsed as TwiML', body: doc('<Message>m</Message>'), type: 'text/html; charset=utf-8', expect: ok([message('m')]) },
  { name: 'media type is case-insensitive, parameters ignored', body: doc('<Message>m</Message>'), type: ' Text/XML ; Charset=UTF-8', expect: ok([message('m')]) },
  { name: '+xml suffix', body: doc('<Message>m</Message>'), type: 'application/twiml+xml', expect: ok([message('m')]) },
  { name: 'text/plain: one reply, trimmed', body: '\n  Thanks!\n See you  \n', type: 'text/plain; charset=utf-8', expect: ok([message('Thanks!\n See you')]) },
  { name: 'text/plain that looks like XML is literal', body: doc('<Message>m</Message>'), type: 'text/plain', expect: ok([message(doc('<Message>m</Message>'))]) },
  { name: 'text/plain with NUL: 12100', body: 'a\u0000b', type: 'text/plain', expect: failure(12100) },
  { name: 'application/json: 12300', body: '{"reply":"hi"}', type: 'application/json', expect: failure(12300) },
  { name: 'no Content-Type: 12300', body: doc('<Message>m</Message>'), type: undefined, expect: failure(12300) },
  { name: 'image served as such: 12300, not 12100', body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]), type: 'image/png', expect: failure(12300) },
  { name: 'not a media type: 12300', body: doc(''), type: 'xml', expect: failure(12300) },
  { name: 'empty body, no Content-Type', body: '', type: undefined, expect: ok([]) },
  { name: 'empty body, application/json', body: '', type: 'application/json', expect: ok([]) },
  { name: 'whitespace body, text/plain', body: ' \r\n\t ', type: 'text/plain', expect: ok([]) },
  { name: 'whitespace body, text/xml', body: '\n\n', expect: ok([]) },
  { name: 'empty Buffer', body: Buffer.alloc(0), type: undefined, expect: ok([]) },
  { name: '<Response></Response>', body: '<Response></Response>', expect: ok([]) },

  // Size (11750): counted in UTF-8 bytes.
  { name: 'exactly MAX_TWIML_BYTES', body: atLimit, expect: ok([message(repeat('a', fill))]) },
  { name: 'one byte over', body: prefix + repeat('a', fill + 1) + suffix, expect: failure(11750) },
  { name: 'one byte over, as a Buffer', body: Buffer.from(prefix + repeat('a', fill + 1) + suffix), expect: failure(11750) },
  { name: 'bytes, not characters (euro is 3 bytes)', body: prefix + repeat('a', fill - 2) + '€' + suffix, expect: failure(11750) },
  { name: 'over the limit wins over "empty"', body: repeat(' ', MAX_TWIML_BYTES + 1), expect: failure(11750) },
  { name: 'text/plain over the limit', body: repeat('a', MAX_TWIML_BYTES + 1), type: 'text/plain', expect: failure(11750) },
];

for (const c of cases) {
  test(c.name, () => {
    const result = parseTwiml(c.body, 'type' in c ? c.type : 'text/xml');
    assert.deepEqual(outcome(result), c.expect);
  });
}

test('every message starts with the catalog title of its code', () => {
  for (const c of cases) {
    const result = parseTwiml(c.body, 'type' in c ? c.type : 'text/xml');
    const items = result.ok ? result.warnings : [result];
    for (const item of items) assert.ok(item.message.startsWith(`${ERROR_CATALOG[item.code].title}: `), item.message);
  }
});

test('billion laughs is refused at once', () => {
  const started = performance.now();
  assert.deepEqual(outcome(parseTwiml(billionLaughs, 'text/xml')), failure(12100));
  // A hang guard, not a speed target: expansion would take seconds and gigabytes, the pre-scan
  // microseconds; the message shows the pre-scan refused it.
  assert.ok(performance.now() - started < 5000);
});

test('10,000 levels of nesting are refused at once, without recursion', () => {
  const body = `<Response>${repeat('<a>', 10_000)}`;
  const started = performance.now();
  const result = parseTwiml(body, 'text/xml');
  assert.ok(!result.ok && result.code === 12100 && result.message.includes('nested'), JSON.stringify(result));
  assert.ok(performance.now() - started < 5000); // a hang guard, not a speed target
});

test('reserved element names do not touch Object.prototype', () => {
  parseTwiml(doc('<__proto__><polluted>yes</polluted></__proto__><constructor><prototype/></constructor>'), 'text/xml');
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

// ---- Properties (fast-check) ----

const FAILURE_CODES = new Set([12100, 12102, 12300, 11750]);
const CONTENT_TYPES = ['text/xml', 'application/xml', 'text/html', 'text/plain', 'application/json', undefined] as const;
const wellShaped = (result: TwimlParseResult): boolean =>
  result.ok ? Array.isArray(result.verbs) && Array.isArray(result.warnings) : FAILURE_CODES.has(result.code) && result.message.length > 0;

test('property: never throws on arbitrary strings, UTF-16 junk and bytes', () => {
  const utf16 = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 200 }).map((units) => String.fromCharCode(...units));
  const body = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), utf16, fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)));
  fc.assert(fc.property(body, fc.constantFrom(...CONTENT_TYPES), (input, type) => wellShaped(parseTwiml(input, type))), { numRuns: 500 });
});

test('property: never throws on TwiML-like token soup', () => {
  const tokens = [
    '<Response>', '</Response>', '<Response/>', '<Message>', '</Message>', '<Message to="+1" method="GET">', '<Sms>', '</Sms>',
    '<Body>', '</Body>', '<Media>', '</Media>', '<Redirect>', '</Redirect>', '<Redirect method="x">', '<Say/>', '<__proto__>',
    '</__proto__>', '<![CDATA[', ']]>', '<!--', '-->', '<?xml version="1.0"?>', '<?pi?>', '<!DOCTYPE r [', '<!ENTITY a "b">', ']>',
    '&amp;', '&a;', '&#x20AC;', '&#0;', '&', '<', '>', '"', "'", '=', '/', ' ', '\n', '\r', 'hi', '007', '\u0000', '\uD800', '€',
  ];
  const soup = fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((parts) => parts.join(''));
  fc.assert(fc.property(soup, fc.constantFrom(...CONTENT_TYPES), (input, type) => wellShaped(parseTwiml(input, type))), { numRuns: 2000 });
});

/** Text an XML document can carry: no control characters, no unpaired surrogates, no U+FFFE/U+FFFF. */
const xmlText = fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => !/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/u.test(s));
const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');

function expectRoundTrip(body: string, text: string): void {
  const expected = text.trim() === '' ? ok([], [14103]) : ok([message(text.trim())]);
  assert.deepEqual(outcome(parseTwiml(body, 'text/xml')), expected);
}

test('property: escaped text round-trips as its trim()', () => {
  fc.assert(fc.property(xmlText, (text) => expectRoundTrip(doc(`<Message>${escapeXml(text)}</Message>`), text)), { numRuns: 500 });
});

test('property: text written by twilio-node round-trips as its trim()', () => {
  fc.assert(fc.property(xmlText, (text) => expectRoundTrip(node((r) => r.message(text)), text)), { numRuns: 500 });
});

test('property: the single-<Message> shortcut answers exactly as the full parser', () => {
  // A comment right after <Response> changes nothing in TwiML but takes the document off the
  // shortcut, so the two results must be equal for any body and any spacing between the tags.
  const spacing = fc.constantFrom('', ' ', '\n', '\t', '\n  ', '\u00a0', '\r\n', '\u2003');
  const declaration = fc.constantFrom('', XML_DECL, '<?xml version="1.0"?>', ' ' + XML_DECL, XML_DECL + '\n');
  const piece = fc.constantFrom('a', 'Z', ' ', '\n', '\t', '<', '&', '&amp;', '&#65;', ']', ']]>', '>', '"', "'", 'é', '😀', '\u00a0', '\u2028', '007', 'Body');
  const body = fc.oneof(fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')), fc.string({ maxLength: 40 }));
  fc.assert(fc.property(declaration, spacing, spacing, body, spacing, spacing, (decl, s1, s2, text, s3, s4) => {
    const shortcut = `${decl}${s1}<Response>${s2}<Message>${text}</Message>${s3}</Response>${s4}`;
    const full = `${decl}${s1}<Response><!---->${s2}<Message>${text}</Message>${s3}</Response>${s4}`;
    // A failure's message gives a line and column, which the comment shifts: compare its code only.
    const comparable = (r: TwimlParseResult): unknown => (r.ok ? r : r.code);
    assert.deepEqual(comparable(parseTwiml(shortcut, 'text/xml')), comparable(parseTwiml(full, 'text/xml')), JSON.stringify(shortcut));
  }), { numRuns: 3000 });
  // And the helper library's own output takes the shortcut with the body unchanged.
  const written = node((r) => r.message('Hello, thanks for message number 2'));
  assert.deepEqual(parseTwiml(written, 'text/xml'), { ok: true, verbs: [message('Hello, thanks for message number 2')], warnings: [] });
});
