/**
 * Conformance of the REST representations: every 2010-04-01 JSON body is validated against
 * Twilio's own OpenAPI schema (all properties required, none extra, types strict) and read back
 * through twilio-node's page classes; Monitor alerts, absent from that spec, are checked through
 * twilio-node alone. Also the segment-count table and the date formats.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import twilio from 'twilio';
import { AccountPage } from 'twilio/lib/rest/api/v2010/account.js';
import { IncomingPhoneNumberPage } from 'twilio/lib/rest/api/v2010/account/incomingPhoneNumber.js';
import { MessagePage } from 'twilio/lib/rest/api/v2010/account/message.js';
import { MediaPage } from 'twilio/lib/rest/api/v2010/account/message/media.js';
import { ShortCodePage } from 'twilio/lib/rest/api/v2010/account/shortCode.js';
import { AlertPage } from 'twilio/lib/rest/monitor/v1/alert.js';
import { ACCOUNTS_LIST_PATH, accountJson } from '../../src/http/representations/account.js';
import { ALERTS_LIST_PATH, alertJson, alertSummaryJson } from '../../src/http/representations/alert.js';
import { iso8601, parseIso8601Filter, rfc2822 } from '../../src/http/representations/dates.js';
import { mediaJson, mediaListPath, messageJson, messagesListPath } from '../../src/http/representations/message.js';
import {
  formatPageToken, listJson2010, listJsonV1, parsePageToken, type PageInput,
} from '../../src/http/representations/paging.js';
import { phoneNumberJson, phoneNumbersListPath } from '../../src/http/representations/phone-number.js';
import { shortCodeJson, shortCodesListPath } from '../../src/http/representations/short-code.js';
import { MAX_BODY_LENGTH, segmentsOf } from '../../src/messages/segments.js';
import type { AccountRecord, AlertRecord, MessageRecord, PhoneNumberRecord } from '../../src/stores/records.js';
import { assertValid, listExample, listValidator, validatorFor } from '../helpers/openapi.js';

// ---- twilio-node ----------------------------------------------------------------------------

const API_BASE = 'https://api.twilio.com';
const PARLEY_BASE = 'http://127.0.0.1:4010';
const sid = (prefix: string, n: number): string => prefix + n.toString(16).padStart(32, '0');
const client = twilio(sid('AC', 1), 'token');
const response = (body: unknown) => ({ statusCode: 200, body: JSON.stringify(body), headers: {}, toString: () => '' });
const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** twilio-node reads every key we send (bar `extras`), and finds every field it knows. */
function assertLibraryReadsAll(read: object, sent: object, extras: string[] = []): void {
  const known = Object.entries(read);
  assert.deepEqual(known.filter(([, v]) => v === undefined).map(([k]) => k), [], 'fields twilio-node did not find');
  const names = new Set(known.map(([k]) => k));
  assert.deepEqual(Object.keys(sent).filter((k) => !names.has(camel(k)) && !extras.includes(k)), [], 'keys twilio-node ignores');
}

// ---- records --------------------------------------------------------------------------------

const ACCOUNT = sid('AC', 1);
const T0 = Date.UTC(2024, 9, 4, 13, 59, 56, 789);
const account: AccountRecord = {
  sid: ACCOUNT, authToken: 'f'.repeat(32), friendlyName: 'Parley dev', status: 'active',
  ownerAccountSid: null, dateCreated: T0, dateUpdated: T0 + 1000,
};
const subaccount: AccountRecord = { ...account, sid: sid('AC', 2), ownerAccountSid: ACCOUNT, status: 'suspended' };
const outbound: MessageRecord = {
  sid: sid('SM', 10), accountSid: ACCOUNT, direction: 'outbound-api', from: '+15005550006', to: '+31617579127',
  body: 'Hi there €', status: 'queued', numSegments: 1, media: [], errorCode: null, errorMessage: null,
  messagingServiceSid: null, statusCallback: null, statusCallbackMethod: 'POST', inboundSid: null, replySeq: null,
  dateCreated: T0, dateUpdated: T0, dateSent: null, validUntil: null,
};
const inboundMms: MessageRecord = {
  ...outbound, sid: sid('MM', 11), direction: 'inbound', from: 'whatsapp:+14155550100', to: '+15005550006', body: '',
  status: 'undelivered', errorCode: 30003, errorMessage: 'Unreachable destination handset',
  messagingServiceSid: sid('MG', 3), statusCallback: 'https://app.example/status',
  media: [
    { sid: sid('ME', 1), url: 'https://cdn.example/cat.jpg', contentType: 'image/jpeg' },
    { sid: sid('ME', 2), url: 'https://cdn.example/a.pdf', contentType: 'application/pdf' },
  ],
  dateSent: T0 + 2000, dateUpdated: T0 + 3000,
};
const bare: PhoneNumberRecord = {
  sid: sid('PN', 1), accountSid: ACCOUNT, phoneNumber: '+15005550006', friendlyName: '(500) 555-0006',
  smsUrl: '', smsMethod: 'POST', smsFallbackUrl: '', smsFallbackMethod: 'POST', statusCallback: '',
  statusCallbackMethod: 'POST', dateCreated: T0, dateUpdated: T0,
};
const configured: PhoneNumberRecord = {
  ...bare, sid: sid('PN', 2), smsUrl: 'https://app.example/sms?x=1', smsMethod: 'GET',
  smsFallbackUrl: 'https://app.example/fallback', statusCallback: 'https://app.example/status',
};
const shortCode: PhoneNumberRecord = { ...configured, sid: sid('SC', 1), phoneNumber: '894546', friendlyName: '894546', isoCountry: 'US' };
const fullAlert: AlertRecord = {
  sid: sid('NO', 1), accountSid: ACCOUNT, errorCode: 11200, logLevel: 'error', alertText: 'Msg=HTTP retrieval failure',
  resourceSid: sid('SM', 10), requestMethod: 'POST', requestUrl: 'https://app.example/sms',
  requestVariables: 'Body=hi&From=%2B1', requestHeaders: 'X-Twilio-Signature: x', responseBody: 'oops',
  responseHeaders: 'Content-Type: text/plain', dateCreated: T0,
};
const bareAlert: AlertRecord = {
  ...fullAlert, sid: sid('NO', 2), errorCode: 12200, logLevel: 'warning', resourceSid: null, requestMethod: null,
  requestUrl: null, requestVariables: null, requestHeaders: null, responseBody: null, responseHeaders: null,
};

// ---- tests ----------------------------------------------------------------------------------

describe('2010-04-01 representations match the OpenAPI schemas', () => {
  const validate = {
    message: validatorFor('api.v2010.account.message'),
    media: validatorFor('api.v2010.account.message.media'),
    phone: validatorFor('api.v2010.account.incoming_phone_number'),
    shortCode: validatorFor('api.v2010.account.short_code'),
    account: validatorFor('api.v2010.account'),
  };

  test('message, with and without optional values', () => {
    for (const m of [outbound, inboundMms]) assertValid(validate.message, messageJson(m));
    const json = messageJson(inboundMms);
    assert.equal(json.num_media, '2');
    assert.equal(json.date_sent, 'Fri, 04 Oct 2024 13:59:58 +0000');
    assert.equal(json.uri, `/2010-04-01/Accounts/${ACCOUNT}/Messages/${inboundMms.sid}.json`);
    assert.deepEqual(json.subresource_uris, {
      media: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${inboundMms.sid}/Media.json`,
      feedback: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${inboundMms.sid}/Feedback.json`,
    });
  });

  test('media, phone numbers, short codes and accounts', () => {
    for (const media of inboundMms.media) assertValid(validate.media, mediaJson(inboundMms, media));
    assert.equal(mediaJson(inboundMms, inboundMms.media[0]!).uri,
      `/2010-04-01/Accounts/${ACCOUNT}/Messages/${inboundMms.sid}/Media/${sid('ME', 1)}.json`);
    for (const n of [bare, configured]) assertValid(validate.phone, phoneNumberJson(n));
    assertValid(validate.shortCode, shortCodeJson(shortCode));
    assert.equal(shortCodeJson(shortCode).uri, `/2010-04-01/Accounts/${ACCOUNT}/SMS/ShortCodes/${shortCode.sid}.json`);
    for (const a of [account, subaccount]) assertValid(validate.account, accountJson(a));
    assert.equal(accountJson(account).owner_account_sid, ACCOUNT);
    assert.equal(accountJson(subaccount).owner_account_sid, ACCOUNT);
  });

  test('the validator rejects wrong types, missing and extra keys, and bad formats', () => {
    const good = messageJson(outbound);
    const bad: Array<[string, object]> = [
      ['num_segments as a number', { ...good, num_segments: 1 }],
      ['error_code as a string', { ...good, error_code: '30003' }],
      ['ISO date', { ...good, date_created: new Date(T0).toISOString() }],
      ['unknown status', { ...good, status: 'lost' }],
      ['extra key', { ...good, tags: null }],
      ['missing key', Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'price'))],
    ];
    for (const [why, value] of bad) assert.equal(validate.message(value), false, why);
    assert.equal(validate.phone({ ...phoneNumberJson(bare), sms_application_sid: '' }), false, 'SID pattern');
    assert.equal(validate.phone({ ...phoneNumberJson(bare), sms_url: 'not a url' }), false, 'uri format');
    assert.equal(validate.phone({ ...phoneNumberJson(bare), capabilities: { sms: 'yes' } }), false, 'nested type');
    const list = listJson2010('messages', { path: messagesListPath(ACCOUNT), pageSize: 50, page: 0, items: [good], hasNext: false });
    assert.equal(listValidator('/2010-04-01/Accounts/{AccountSid}/Messages.json')({ ...list, total: 1 }), false, 'extra list key');
  });

  test('list envelopes match the list schemas and twilio-node pages through them', () => {
    const messages = listJson2010('messages', {
      path: messagesListPath(ACCOUNT), filters: [['To', '+31617579127']], pageSize: 2, page: 0,
      items: [outbound, inboundMms].map(messageJson), hasNext: true,
    });
    assertValid(listValidator('/2010-04-01/Accounts/{AccountSid}/Messages.json'), messages);
    const page = new MessagePage(client.api.v2010, response(messages), { accountSid: ACCOUNT });
    assert.equal(page.nextPageUrl, API_BASE + messages.next_page_uri);
    assert.deepEqual(page.instances.map((m) => m.sid), [outbound.sid, inboundMms.sid]);
    const [first, second] = page.instances;
    assert.equal(first?.dateCreated.getTime(), T0 - 789); // RFC 2822 has whole seconds
    assert.equal(first?.dateSent, null);
    assert.equal(second?.errorCode, 30003);
    assert.equal(first?.numSegments, '1');
    assertLibraryReadsAll(first?.toJSON() ?? {}, messageJson(outbound));

    const media = listJson2010('media_list', {
      path: mediaListPath(inboundMms), pageSize: 50, page: 0, hasNext: false,
      items: inboundMms.media.map((m) => mediaJson(inboundMms, m)),
    });
    assertValid(listValidator('/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json'), media);
    const mediaPage = new MediaPage(client.api.v2010, response(media), { accountSid: ACCOUNT, messageSid: inboundMms.sid });
    assertLibraryReadsAll(mediaPage.instances[0]?.toJSON() ?? {}, media.media_list[0] ?? {});

    const numbers = listJson2010('incoming_phone_numbers', {
      path: phoneNumbersListPath(ACCOUNT), pageSize: 50, page: 0, hasNext: false, items: [bare, configured].map(phoneNumberJson),
    });
    assertValid(listValidator('/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json'), numbers);
    const numberPage = new IncomingPhoneNumberPage(client.api.v2010, response(numbers), { accountSid: ACCOUNT });
    assert.deepEqual(numberPage.instances[1]?.capabilities, { voice: true, sms: true, mms: true, fax: false });
    assertLibraryReadsAll(numberPage.instances[0]?.toJSON() ?? {}, phoneNumberJson(bare), ['subresource_uris']);

    const shortCodes = listJson2010('short_codes', {
      path: shortCodesListPath(ACCOUNT), pageSize: 50, page: 0, hasNext: false, items: [shortCodeJson(shortCode)],
    });
    assertValid(listValidator('/2010-04-01/Accounts/{AccountSid}/SMS/ShortCodes.json'), shortCodes);
    const shortCodePage = new ShortCodePage(client.api.v2010, response(shortCodes), { accountSid: ACCOUNT });
    assertLibraryReadsAll(shortCodePage.instances[0]?.toJSON() ?? {}, shortCodeJson(shortCode));

    const accounts = listJson2010('accounts', {
      path: ACCOUNTS_LIST_PATH, pageSize: 50, page: 0, hasNext: false, items: [accountJson(account)],
    });
    assertValid(listValidator('/2010-04-01/Accounts.json'), accounts);
    const accountPage = new AccountPage(client.api.v2010, response(accounts), {});
    assertLibraryReadsAll(accountPage.instances[0]?.toJSON() ?? {}, accountJson(account));
    for (const list of [messages, media, numbers, accounts]) {
      assert.equal(Object.keys(list).filter((k) => !MessagePage.META_KEYS.includes(k)).length, 1, 'one non-meta key');
    }
  });
});

describe('paging', () => {
  const listPath = '/2010-04-01/Accounts/{AccountSid}/Messages.json';
  const examplePath = `/2010-04-01/Accounts/${'AC' + 'a'.repeat(32)}/Messages.json`;
  const filters = [['To', '+123456789'], ['From', '+987654321']] as const;
  const meta = (list: object): object => Object.fromEntries(Object.entries(list).filter(([k]) => k !== 'messages'));

  test("links are Twilio's own, filters included (OpenAPI examples)", () => {
    const full = listJson2010('messages', {
      path: examplePath, filters: [...filters, ['DateSent>', '2008-01-02']], pageSize: 2, page: 0, hasNext: true,
      items: [{ sid: 'SMded05904ccb347238880ca9264e8fe1c' }, { sid: 'MMc26223853f8c46b4ab7dfaa6abba0a26' }],
    });
    assert.deepEqual(meta(full), meta(listExample(listPath, 'readFullPage1')));
    const empty = listJson2010('messages', {
      path: examplePath, filters: [...filters, ['DateSent<', '2008-01-02']], pageSize: 25, page: 0, hasNext: false, items: [],
    });
    assert.deepEqual(empty, listExample(listPath, 'readEmptySentdateLess'));
  });

  test('later pages: tokens, start/end, previous link', () => {
    const input: PageInput<{ sid: string }> = {
      path: messagesListPath(ACCOUNT), filters: [['DateSent>', '2024-01-02T00:00:00Z']], pageSize: 2, page: 1,
      pageToken: `PA${sid('SM', 9)}`, items: [{ sid: sid('SM', 8) }, { sid: sid('SM', 7) }], hasNext: false,
    };
    const list = listJson2010('messages', input);
    const base = `${messagesListPath(ACCOUNT)}?DateSent%3E=2024-01-02T00%3A00%3A00Z&PageSize=2`;
    assert.equal(list.uri, `${base}&Page=1&PageToken=PA${sid('SM', 9)}`);
    assert.equal(list.first_page_uri, `${base}&Page=0`);
    assert.equal(list.previous_page_uri, `${base}&Page=0&PageToken=PB${sid('SM', 8)}`);
    assert.equal(list.next_page_uri, null);
    assert.deepEqual([list.start, list.end, list.page, list.page_size], [2, 3, 1, 2]);
    const empty = listJson2010('messages', { ...input, page: 3, items: [] });
    assert.deepEqual([empty.start, empty.end, empty.previous_page_uri], [6, 6, null]);
  });

  test('page tokens', () => {
    assert.deepEqual(parsePageToken(`PA${sid('SM', 1)}`), { direction: 'after', sid: sid('SM', 1) });
    assert.deepEqual(parsePageToken(`PB${sid('MM', 2)}`), { direction: 'before', sid: sid('MM', 2) });
    for (const bad of ['', 'PA', `PC${sid('SM', 1)}`, `PA${sid('SM', 1)}0`, `pa${sid('SM', 1)}`, sid('SM', 1)]) {
      assert.equal(parsePageToken(bad), null, bad);
    }
    const token = { direction: 'before', sid: sid('NO', 5) } as const;
    assert.deepEqual(parsePageToken(formatPageToken(token)), token);
  });
});

describe('Monitor alerts, read by twilio-node', () => {
  test('fetched alert: every field, ISO dates, string error code, absolute url', () => {
    for (const record of [fullAlert, bareAlert]) {
      const json = alertJson(record, `${PARLEY_BASE}/`);
      const page = new AlertPage(client.monitor.v1, response({ alerts: [json], meta: { key: 'alerts' } }), {});
      const alert = page.instances[0];
      assert.ok(alert);
      assertLibraryReadsAll(alert.toJSON(), json);
      assert.equal(alert.dateGenerated.getTime(), T0 - 789);
      assert.equal(alert.errorCode, String(record.errorCode));
      assert.equal(alert.url, `${PARLEY_BASE}/v1/Alerts/${record.sid}`);
      assert.equal(alert.moreInfo, `https://www.twilio.com/docs/errors/${record.errorCode}`);
    }
    assert.equal(alertJson(fullAlert, PARLEY_BASE).date_created, '2024-10-04T13:59:56Z');
  });

  test('list: summaries under `alerts`, absolute meta URLs', () => {
    const list = listJsonV1('alerts', PARLEY_BASE, {
      path: ALERTS_LIST_PATH, filters: [['LogLevel', 'error']], pageSize: 1, page: 0, hasNext: true,
      items: [alertSummaryJson(fullAlert, PARLEY_BASE)],
    });
    assert.deepEqual(Object.keys(list), ['alerts', 'meta']);
    assert.deepEqual(list.meta, {
      first_page_url: `${PARLEY_BASE}/v1/Alerts?LogLevel=error&PageSize=1&Page=0`,
      key: 'alerts',
      next_page_url: `${PARLEY_BASE}/v1/Alerts?LogLevel=error&PageSize=1&Page=1&PageToken=PA${fullAlert.sid}`,
      page: 0,
      page_size: 1,
      previous_page_url: null,
      url: `${PARLEY_BASE}/v1/Alerts?LogLevel=error&PageSize=1&Page=0`,
    });
    const page = new AlertPage(client.monitor.v1, response(list), {});
    assert.equal(page.nextPageUrl, list.meta.next_page_url);
    assert.equal(page.instances[0]?.sid, fullAlert.sid);
    assert.equal('response_body' in (list.alerts[0] ?? {}), false, 'details only when fetched');
  });
});

describe('segments', () => {
  const ucs = 'ç'; // not in GSM-7 (only upper-case Ç is)
  const cases: Array<[string, string, 'GSM-7' | 'UCS-2', number, number]> = [
    ['media only (empty body)', '', 'GSM-7', 1, 0],
    ['plain GSM-7', 'Hello', 'GSM-7', 1, 5],
    ['160 GSM-7', 'a'.repeat(160), 'GSM-7', 1, 160],
    ['161 GSM-7', 'a'.repeat(161), 'GSM-7', 2, 161],
    ['306 GSM-7 (2 × 153)', 'a'.repeat(306), 'GSM-7', 2, 306],
    ['307 GSM-7', 'a'.repeat(307), 'GSM-7', 3, 307],
    ['€ takes two septets', '€', 'GSM-7', 1, 2],
    ['{ and ^ take two septets', '{^', 'GSM-7', 1, 4],
    ['80 € = 160 septets', '€'.repeat(80), 'GSM-7', 1, 160],
    ['81 € = 162 septets', '€'.repeat(81), 'GSM-7', 2, 162],
    ['159 + { = 161 septets', `${'a'.repeat(159)}{`, 'GSM-7', 2, 161],
    ['escape pair never split', `${'a'.repeat(152)}€${'a'.repeat(152)}`, 'GSM-7', 3, 306],
    ['GSM-7 accents and Greek', 'é'.repeat(69) + 'Ω', 'GSM-7', 1, 70],
    ['ç forces UCS-2', ucs, 'UCS-2', 1, 1],
    ['backtick forces UCS-2', '`', 'UCS-2', 1, 1],
    ['Cyrillic', 'Привет', 'UCS-2', 1, 6],
    ['70 UCS-2', ucs.repeat(70), 'UCS-2', 1, 70],
    ['71 UCS-2', ucs.repeat(71), 'UCS-2', 2, 71],
    ['134 UCS-2 (2 × 67)', ucs.repeat(134), 'UCS-2', 2, 134],
    ['135 UCS-2', ucs.repeat(135), 'UCS-2', 3, 135],
    ['emoji + 68 = 70 code units', `😜${ucs.repeat(68)}`, 'UCS-2', 1, 70],
    ['emoji + 69 = 71 code units', `😜${ucs.repeat(69)}`, 'UCS-2', 2, 71],
    ['surrogate pair never split', `${ucs.repeat(66)}😜${ucs.repeat(66)}`, 'UCS-2', 3, 134],
  ];
  for (const [name, body, encoding, segments, characters] of cases) {
    test(name, () => assert.deepEqual(segmentsOf(body), { encoding, segments, characters }));
  }
  test('body limit', () => assert.equal(MAX_BODY_LENGTH, 1600));
});

describe('dates', () => {
  test('RFC 2822 as Twilio writes it', () => {
    assert.equal(rfc2822(Date.UTC(2024, 9, 4, 13, 59, 56, 999)), 'Fri, 04 Oct 2024 13:59:56 +0000');
    assert.equal(rfc2822(0), 'Thu, 01 Jan 1970 00:00:00 +0000');
    assert.equal(rfc2822(Date.UTC(2010, 7, 20, 1, 13, 42)), 'Fri, 20 Aug 2010 01:13:42 +0000');
    assert.throws(() => rfc2822(Number.NaN), RangeError);
    assert.equal(iso8601(Date.UTC(2015, 6, 30, 20, 0, 0, 5)), '2015-07-30T20:00:00Z');
  });

  test('ISO 8601 filters', () => {
    const table: Array<[string, number | null]> = [
      ['2024-01-02', Date.UTC(2024, 0, 2)],
      ['2024-01-02T00:00:00Z', Date.UTC(2024, 0, 2)],
      ['2024-01-02T03:04:05.678Z', Date.UTC(2024, 0, 2, 3, 4, 5, 678)],
      ['2024-01-02T03:04:05', Date.UTC(2024, 0, 2, 3, 4, 5)],
      ['2024-01-02T01:30:00+01:30', Date.UTC(2024, 0, 2)],
      ['2024-01-01T19:00:00-0500', Date.UTC(2024, 0, 2)],
      ['2024-02-29', Date.UTC(2024, 1, 29)],
      ['2023-02-29', null],
      ['2024-13-01', null],
      ['2024-01-02T24:00:00Z', null],
      ['2024-1-2', null],
      ['Wed, 19 Jun 2019 22:04:00 -0000', null],
      ['', null],
    ];
    for (const [text, ms] of table) assert.equal(parseIso8601Filter(text), ms, text);
  });
});
