/**
 * X-Twilio-Signature: the reference's test vectors, agreement with the official validator, and the
 * order remembered for recurring parameter names checked against a fresh sort.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import twilio from 'twilio';
import { sign, signedString } from '../../src/webhooks/signature.js';

const BASE = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS: Array<[string, string]> = [
  ['CallSid', 'CA1234567890ABCDE'], ['Caller', '+14158675309'], ['Digits', '1234'], ['From', '+14158675309'], ['To', '+18005551212'],
];

const VECTORS: Array<{ url: string; params: Array<[string, string]>; token?: string; signature: string }> = [
  { url: BASE, params: PARAMS, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' },
  { url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2', params: PARAMS, signature: 'kvajT1Ptam85bY51eRf/AJRuM3w=' },
  { url: 'http://mycompany.com:80/myapp.php?foo=1&bar=2', params: PARAMS, signature: '0ZXoZLH/DfblKGATFgpif+LLRf4=' },
  { url: 'http://mycompany.com:1234/myapp.php?foo=1&bar=2', params: PARAMS, signature: 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=' },
  { url: 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', params: PARAMS, signature: 'CukzLTc1tT5dXEDIHm/tKBanW10=' },
  { url: 'https://mycompany.com/myapp.php?foo=1&bar=2&Body=It%27s+amazing', params: PARAMS, signature: 'TfZzewPq8wqrGlMfyAud8+/IvJ0=' },
  { url: BASE, params: [['MessagingBinding.Address', '+1325xxxxxxx'], ['MessagingBinding.Address', '+1415xxxxxxx']], signature: '83O6e2vORAoJHUNzJjDWN1jz+BA=' },
  { url: BASE, params: [['Sid', 'CA123'], ['SidAccount', 'AC123'], ['Digits', '5678'], ['Digits', '1234'], ['Digits', '1234']], signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=' },
  { url: 'https://example.com/myapp.php?foo=1&bar=2', params: [['CallSid', 'CA1234567890ABCDE'], ['Caller', '+14158675310'], ['Digits', '1234'], ['From', '+14158675310'], ['To', '+18005551212']], signature: 'L/OH5YylLD5NRKLltdqwSvS0BnU=' },
  { url: 'https://example.com/path?test=param', params: [], token: 's3cr3t', signature: 'loLgTitFAoWx57yy5oEU4Hlddzw=' },
];

for (const v of VECTORS) {
  test(`signature vector ${v.signature}`, () => {
    assert.equal(sign(v.token ?? '12345', signedString(v.url, v.params)), v.signature);
  });
}

test('the signed string is the URL followed by sorted name+value pairs', () => {
  assert.equal(signedString('https://example.com/myapp.php?foo=1&bar=2', [['To', '+18005551212'], ['CallSid', 'CA1234567890ABCDE'], ['Caller', '+14158675310'], ['Digits', '1234'], ['From', '+14158675310']]),
    'https://example.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675310Digits1234From+14158675310To+18005551212');
});

test('the official validator accepts what Parley signs, with unicode and empty values', () => {
  const params: Record<string, string> = { Body: 'Grüße 😀 & <tags>', Empty: '', From: '+15551230001', ToCity: '' };
  const url = 'http://127.0.0.1:4567/sms?a=b';
  const signature = sign('0123456789abcdef0123456789abcdef', signedString(url, Object.entries(params)));
  assert.ok(twilio.validateRequest('0123456789abcdef0123456789abcdef', signature, url, params));
});

/** The order as the signature defines it, computed afresh: sorted by name, then value, exact repeats once. */
function referenceSignedString(url: string, params: Array<[string, string]>): string {
  const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = [...new Set(params.map((p) => JSON.stringify(p)))].map((p) => JSON.parse(p) as [string, string])
    .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return url + sorted.map(([name, value]) => name + value).join('');
}

test('names that recur in the same sequence are signed with each call\'s own values, in order (the remembered order)', () => {
  // Few names, so sequences recur, some with a repeated name, and more of them than are remembered.
  const names = fc.constantFrom('To', 'Body', 'From', 'SmsSid', 'a', 'B');
  const values = fc.constantFrom('', '1', '+15550001', 'z', 'Z');
  fc.assert(fc.property(fc.array(fc.array(fc.tuple(names, values), { maxLength: 6 }), { minLength: 1, maxLength: 40 }), (calls) => {
    for (const params of calls) assert.equal(signedString('https://a.example/sms', params), referenceSignedString('https://a.example/sms', params));
  }), { numRuns: 300 });
});
