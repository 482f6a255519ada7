/**
 * Addresses (src/channels/smpp/addresses.ts): E.164, short codes and alphanumeric senders to
 * SMPP TON/NPI, and inbound addresses back to Parley's form and lookup candidates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { destinationCandidates, fromSmppAddress, toSmppAddress, type SmppAddress } from '../../../src/channels/smpp/addresses.js';

test('outbound: E.164, short codes, long digit strings, alphanumeric senders', () => {
  const cases: Array<[string, SmppAddress]> = [
    ['+15551234567', { addr: '15551234567', ton: 1, npi: 1 }],
    ['+447700900123', { addr: '447700900123', ton: 1, npi: 1 }],
    ['12345', { addr: '12345', ton: 3, npi: 0 }],
    ['247', { addr: '247', ton: 3, npi: 0 }],
    ['12345678', { addr: '12345678', ton: 3, npi: 0 }],
    ['5551234567', { addr: '5551234567', ton: 0, npi: 1 }],
    ['Parley', { addr: 'Parley', ton: 5, npi: 0 }],
    ['Shop 24', { addr: 'Shop 24', ton: 5, npi: 0 }],
    ['Shop@Home', { addr: 'Shop@Home', ton: 5, npi: 0 }],
  ];
  for (const [address, expected] of cases) assert.deepEqual(toSmppAddress(address), expected, address);
});

test('trap 11: @ in an alphanumeric sender stays ASCII, never the GSM 0x00 that would cut the C-string', () => {
  const { addr } = toSmppAddress('Shop@Home');
  assert.equal(Buffer.from(addr, 'ascii').includes(0), false);
  assert.equal(Buffer.from(addr, 'ascii')[4], 0x40);
});

test('outbound: what SMPP cannot carry is refused', () => {
  for (const address of ['', '+', '+0123', '12', 'TwelveChars!', 'Café', '123456789012345678901', 'a\u0000b', '+1555 123']) {
    assert.throws(() => toSmppAddress(address), RangeError, JSON.stringify(address));
  }
});

test('inbound: TON 1 gets its +, other TONs stay as given', () => {
  const cases: Array<[string, number, string]> = [
    ['15551234567', 1, '+15551234567'],
    ['+15551234567', 1, '+15551234567'],
    ['0015551234567', 1, '+15551234567'],
    ['15551234567\0', 1, '+15551234567'],
    ['15551234567', 0, '15551234567'],
    ['5551234567', 2, '5551234567'],
    ['12345', 3, '12345'],
    ['Parley', 5, 'Parley'],
    ['Parley', 1, 'Parley'],
  ];
  for (const [addr, ton, expected] of cases) assert.equal(fromSmppAddress({ addr, ton }), expected, `${addr} TON ${ton}`);
});

test('inbound destination: candidate forms for the number lookup', () => {
  assert.deepEqual(destinationCandidates({ addr: '15550001111', ton: 0 }), ['15550001111', '+15550001111']);
  assert.deepEqual(destinationCandidates({ addr: '15550001111', ton: 1 }), ['+15550001111', '15550001111']);
  assert.deepEqual(destinationCandidates({ addr: '0015550001111', ton: 0 }), ['0015550001111', '+15550001111', '15550001111']);
  assert.deepEqual(destinationCandidates({ addr: '5550001111', ton: 2 }), ['5550001111'], 'no + for a national number');
  assert.deepEqual(destinationCandidates({ addr: '12345', ton: 3 }), ['12345']);
  assert.deepEqual(destinationCandidates({ addr: 'Parley', ton: 5 }), ['Parley']);
});

test('property: E.164 numbers survive the round trip, and a TON 0 copy still finds them', () => {
  fc.assert(fc.property(fc.stringMatching(/^\+[1-9]\d{6,14}$/), (number) => {
    const smpp = toSmppAddress(number);
    assert.equal(fromSmppAddress(smpp), number);
    assert.ok(destinationCandidates({ addr: smpp.addr, ton: 0 }).includes(number));
  }), { numRuns: 300 });
});
