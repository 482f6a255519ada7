/**
 * SMPP → Twilio error mapping (src/channels/smpp/errors.ts): submit statuses, receipt states and
 * GSM MAP errors, per-channel overrides, and every code present in the error catalog.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookupError } from '../../../src/errors/catalog.js';
import { classifySubmitStatus, GSM_MAP_ERROR_TABLE, RECEIPT_STATE_TABLE, receiptOutcome, SUBMIT_STATUS_TABLE, type SubmitOutcome } from '../../../src/channels/smpp/errors.js';
import { MESSAGE_STATES, parseReceipt } from '../../../src/channels/smpp/receipts.js';

test('submit_sm_resp / generic_nack statuses', () => {
  const cases: Array<[number, SubmitOutcome]> = [
    [0x00, { kind: 'ok' }],
    [0x58, { kind: 'retry', status: 0x58, errorCode: 30001, throttle: true }],
    [0x14, { kind: 'retry', status: 0x14, errorCode: 30001, throttle: true }],
    [0x08, { kind: 'retry', status: 0x08, errorCode: 30008, throttle: false }],
    [0x64, { kind: 'retry', status: 0x64, errorCode: 30008, throttle: false }],
    [0xff, { kind: 'retry', status: 0xff, errorCode: 30008, throttle: false, maxRetries: 1 }],
    [0x04, { kind: 'rebind', status: 0x04, errorCode: 30008 }],
    [0x05, { kind: 'rebind', status: 0x05, errorCode: 30008 }],
    [0x0b, { kind: 'failed', status: 0x0b, errorCode: 30005 }],
    [0x50, { kind: 'failed', status: 0x50, errorCode: 30005 }],
    [0x51, { kind: 'failed', status: 0x51, errorCode: 30005 }],
    [0x0a, { kind: 'failed', status: 0x0a, errorCode: 30007 }],
    [0x101, { kind: 'failed', status: 0x101, errorCode: 30007 }],
    [0x01, { kind: 'failed', status: 0x01, errorCode: 30008 }],
    [0x104, { kind: 'failed', status: 0x104, errorCode: 30008 }],
    [0x45, { kind: 'failed', status: 0x45, errorCode: 30008 }],
    [0x1234, { kind: 'failed', status: 0x1234, errorCode: 30008 }],
  ];
  for (const [status, outcome] of cases) assert.deepEqual(classifySubmitStatus(status), outcome, `0x${status.toString(16)}`);
});

test('ESME_RUNKNOWNERR is retried once, then failed', () => {
  assert.equal(classifySubmitStatus(0xff, { attempt: 1 }).kind, 'retry');
  assert.deepEqual(classifySubmitStatus(0xff, { attempt: 2 }), { kind: 'failed', status: 0xff, errorCode: 30008 });
  assert.equal(classifySubmitStatus(0x58, { attempt: 50 }).kind, 'retry', 'throttling has no count of its own: validity bounds it');
});

test('per-channel overrides of command statuses', () => {
  const overrides = { commandStatus: { 0x0b: 30003, 0x45: 'retry', 0x58: 30001 } } as const;
  assert.deepEqual(classifySubmitStatus(0x0b, { overrides }), { kind: 'failed', status: 0x0b, errorCode: 30003 });
  assert.deepEqual(classifySubmitStatus(0x45, { overrides }), { kind: 'retry', status: 0x45, errorCode: 30008, throttle: false });
  assert.deepEqual(classifySubmitStatus(0x58, { overrides }), { kind: 'failed', status: 0x58, errorCode: 30001 });
  assert.equal(classifySubmitStatus(0x14, { overrides }).kind, 'retry', 'statuses not overridden keep the table');
});

test('receipt states and GSM MAP errors', () => {
  const cases: Array<[string, ReturnType<typeof receiptOutcome>]> = [
    ['id:1 stat:DELIVRD err:000', { status: 'delivered' }],
    ['id:1 stat:ENROUTE err:000', { status: 'sent' }],
    ['id:1 stat:ACCEPTD err:000', { status: 'sent' }],
    ['id:1 stat:EXPIRED err:000', { status: 'undelivered', errorCode: 30003 }],
    ['id:1 stat:DELETED err:000', { status: 'undelivered', errorCode: 30008 }],
    ['id:1 stat:UNDELIV err:000', { status: 'undelivered', errorCode: 30003 }],
    ['id:1 stat:UNDELIV err:001', { status: 'undelivered', errorCode: 30005 }],
    ['id:1 stat:UNDELIV err:013', { status: 'undelivered', errorCode: 30004 }],
    ['id:1 stat:UNDELIV err:011', { status: 'undelivered', errorCode: 30006 }],
    ['id:1 stat:UNDELIV err:027', { status: 'undelivered', errorCode: 30003 }],
    ['id:1 stat:UNDELIV err:034', { status: 'undelivered', errorCode: 30008 }],
    ['id:1 stat:UNDELIV err:999', { status: 'undelivered', errorCode: 30003 }],
    ['id:1 stat:FAILED err:001', { status: 'undelivered', errorCode: 30005 }],
    ['id:1 stat:REJECTD err:000', { status: 'undelivered', errorCode: 30007 }],
    ['id:1 stat:REJECTD err:001', { status: 'undelivered', errorCode: 30007 }],
    ['id:1 stat:UNKNOWN err:000', { status: 'undelivered', errorCode: 30008 }],
    ['id:1 stat:SKIPPED', { status: 'undelivered', errorCode: 30008 }],
    ['id:1 stat:GARBAGE', { status: 'undelivered', errorCode: 30008 }],
  ];
  for (const [text, outcome] of cases) assert.deepEqual(receiptOutcome(parseReceipt({ text })!), outcome, text);
});

test('network_error_code: the MAP table only for GSM (type 3)', () => {
  const tlv = (type: number, code: number) => parseReceipt({ tlvs: { receipted_message_id: '1', message_state: 5, network_error_code: Buffer.from([type, code >> 8, code & 0xff]) } })!;
  assert.deepEqual(receiptOutcome(tlv(3, 1)), { status: 'undelivered', errorCode: 30005 });
  assert.deepEqual(receiptOutcome(tlv(1, 1)), { status: 'undelivered', errorCode: 30003 }, 'ANSI-136 code 1 is not MAP');
});

test('per-channel overrides of receipt errors apply to every failed state', () => {
  const overrides = { receiptError: { 1: 30006, 52: 30004 } } as const;
  assert.deepEqual(receiptOutcome(parseReceipt({ text: 'id:1 stat:UNDELIV err:001' })!, overrides), { status: 'undelivered', errorCode: 30006 });
  assert.deepEqual(receiptOutcome(parseReceipt({ text: 'id:1 stat:REJECTD err:052' })!, overrides), { status: 'undelivered', errorCode: 30004 });
  const tlv = parseReceipt({ tlvs: { receipted_message_id: '1', message_state: 8, network_error_code: Buffer.from([1, 0, 52]) } })!;
  assert.deepEqual(receiptOutcome(tlv, overrides), { status: 'undelivered', errorCode: 30004 }, 'any network type');
  assert.deepEqual(receiptOutcome(parseReceipt({ text: 'id:1 stat:DELIVRD err:052' })!, overrides), { status: 'delivered' });
});

test('the tables: every code is in the error catalog, every state has a rule, no status twice', () => {
  const codes = [...SUBMIT_STATUS_TABLE.map((r) => r.errorCode), ...RECEIPT_STATE_TABLE.flatMap((r) => (r.errorCode ? [r.errorCode] : [])), ...GSM_MAP_ERROR_TABLE.map((e) => e.errorCode), 30009];
  for (const code of codes) assert.ok(lookupError(code), `${code} is in the catalog`);
  assert.deepEqual(RECEIPT_STATE_TABLE.map((r) => r.state).sort(), [...MESSAGE_STATES].sort());
  assert.equal(new Set(SUBMIT_STATUS_TABLE.map((r) => r.status)).size, SUBMIT_STATUS_TABLE.length);
  for (const r of SUBMIT_STATUS_TABLE) assert.match(r.name, /^ESME_R[A-Z_]+$/);
});
