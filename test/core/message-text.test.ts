/**
 * The Message JSON written as text (src/http/representations/message-text.ts, used by the hot
 * routes) is exactly what `JSON.stringify(messageJson(m))` gives, for any message: a property test
 * over bodies and addresses with quotes, backslashes, control characters, lone surrogates and
 * emoji, every status and direction, null and set optional fields.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { messageJson } from '../../src/http/representations/message.js';
import { messageJsonText } from '../../src/http/representations/message-text.js';
import type { MessageRecord } from '../../src/stores/records.js';
import { newSid } from '../../src/ids/sid.js';

const statuses = ['queued', 'sending', 'sent', 'failed', 'delivered', 'undelivered', 'receiving', 'received', 'accepted', 'scheduled', 'read', 'canceled'] as const;
const directions = ['inbound', 'outbound-api', 'outbound-reply', 'outbound-call'] as const;
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"quoted"', 'back\\slash', 'line\nbreak', '\u0000\u001f', '\ud83d', '😀 €', '</script>'));
const time = fc.integer({ min: 0, max: 4_102_444_800_000 });

const message = fc.record({
  sid: time.map((t) => newSid('SM', t)),
  accountSid: fc.constant('AC' + 'ab'.repeat(16)),
  direction: fc.constantFrom(...directions),
  from: text, to: text, body: text,
  status: fc.constantFrom(...statuses),
  numSegments: fc.integer({ min: 0, max: 20 }),
  media: fc.array(fc.record({ sid: time.map((t) => newSid('ME', t)), url: fc.webUrl(), contentType: fc.constant('image/png') }), { maxLength: 3 }),
  errorCode: fc.option(fc.integer({ min: 10000, max: 99999 })),
  errorMessage: fc.option(text),
  messagingServiceSid: fc.option(time.map((t) => newSid('MG', t))),
  statusCallback: fc.option(fc.webUrl()),
  statusCallbackMethod: fc.constantFrom('GET' as const, 'POST' as const),
  inboundSid: fc.option(time.map((t) => newSid('SM', t))),
  replySeq: fc.option(fc.nat(9)),
  dateCreated: time, dateUpdated: time, dateSent: fc.option(time),
  validUntil: fc.option(time),
}) satisfies fc.Arbitrary<MessageRecord>;

test('the text is JSON.stringify of the representation, byte for byte', () => {
  fc.assert(fc.property(message, (m) => {
    assert.equal(messageJsonText(m), JSON.stringify(messageJson(m)));
  }), { numRuns: 2000 });
});

test('the same record is serialized once', () => {
  const m = fc.sample(message, 1)[0]!;
  assert.equal(messageJsonText(m), messageJsonText(m));
  const changed = { ...m, status: 'delivered' as const };
  assert.equal(JSON.parse(messageJsonText(changed)).status, 'delivered', 'a new record (a new status) gets its own text');
});
