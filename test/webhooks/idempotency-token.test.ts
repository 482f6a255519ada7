/**
 * The `I-Twilio-Idempotency-Token` of an exchange (src/webhooks/params.ts). It is derived, not
 * stored, so a turn resumed after a restart must derive the very token its first attempt carried,
 * including across an upgrade of Parley: the values below were issued by earlier builds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idempotencyToken } from '../../src/webhooks/params.js';

const SID = 'SM0123456789abcdef0123456789abcdef';

test('the token of an exchange is the one earlier builds issued for it', () => {
  assert.equal(idempotencyToken(SID, 0), 'd878352e-c09c-4a05-a89d-84f891d4e0e7');
  assert.equal(idempotencyToken(SID, 1), '971e01d3-8675-49ce-a7d2-e287f702f4d6');
});

test('each exchange of a message has its own token, shaped as a version 4 UUID', () => {
  const tokens = new Set<string>();
  for (let seq = 0; seq < 50; seq++) {
    const token = idempotencyToken(SID, seq);
    assert.match(token, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    tokens.add(token);
  }
  assert.equal(tokens.size, 50);
  assert.notEqual(idempotencyToken(SID, 0), idempotencyToken(`${SID.slice(0, -1)}0`, 0));
});
