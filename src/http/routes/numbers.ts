/**
 * IncomingPhoneNumbers and ShortCodes: the addresses of an account and their messaging webhooks.
 * https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
 * https://www.twilio.com/docs/sms/api/short-code-resource
 *
 * Both are one repository (numbers and short codes share one space of addresses), told apart by
 * their SID's prefix. Twilio provisions short codes after an application and its API can only
 * list and update them; Parley's operator has no one to ask, so `POST …/SMS/ShortCodes.json`
 * (with `ShortCode`, and `IsoCountry`, US unless given) and `DELETE` provision and release one, as
 * for numbers.
 */
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import { Params, requireCountry, requireMethod, requireUrl, sidFromPath } from '../form.js';
import { TwilioError } from '../../errors/twilio-error.js';
import { isE164, isShortCode } from '../../phone/numbers.js';
import { newSid } from '../../ids/sid.js';
import type { PhoneNumberRecord } from '../../stores/records.js';
import type { AddressType } from '../../stores/store.js';
import { phoneNumberJson, phoneNumbersListPath } from '../representations/phone-number.js';
import { shortCodeJson, shortCodesListPath } from '../representations/short-code.js';
import { listJson2010 } from '../representations/paging.js';
import { echoFilters, pagingQuery } from './paging-query.js';

/** What tells the two resources apart: path, SID prefix, the address's parameter, its JSON. */
interface AddressResource {
  /** Below `/2010-04-01/Accounts/:AccountSid/`, without `.json`. */
  readonly path: string;
  readonly type: AddressType;
  readonly listKey: string;
  /** The parameter that names the address on create and filters the list. */
  readonly addressParam: string;
  readonly noun: string;
  /** The address of a create request, checked: a wrong one is refused with 21401. */
  check(address: string | undefined): string;
  friendlyName(address: string): string;
  /** What a create request sets beside the address and the webhooks. */
  created(params: Params): Partial<PhoneNumberRecord>;
  json(record: PhoneNumberRecord): { sid: string };
  listPath(accountSid: string): string;
}

const INCOMING_PHONE_NUMBERS: AddressResource = {
  path: 'IncomingPhoneNumbers', type: 'PN', listKey: 'incoming_phone_numbers', addressParam: 'PhoneNumber', noun: 'phone number',
  check(address) {
    if (!address || !isE164(address)) {
      throw new TwilioError(21401, `PhoneNumber must be an E.164 number such as +15005550006, not "${address ?? ''}".`);
    }
    return address;
  },
  friendlyName: formatFriendly,
  created: () => ({}),
  json: phoneNumberJson,
  listPath: phoneNumbersListPath,
};

const SHORT_CODES: AddressResource = {
  path: 'SMS/ShortCodes', type: 'SC', listKey: 'short_codes', addressParam: 'ShortCode', noun: 'short code',
  check(address) {
    if (!address || !isShortCode(address)) {
      throw new TwilioError(21401, `ShortCode must be 3 to 8 digits such as 894546, not "${address ?? ''}".`);
    }
    return address;
  },
  friendlyName: (address) => address,
  // Parley's parameter: a short code reaches its own country's handsets, and its digits do not say which.
  created: (params) => ({ isoCountry: requireCountry(params.get('IsoCountry') ?? DEFAULT_SHORT_CODE_COUNTRY, 'IsoCountry') }),
  json: shortCodeJson,
  listPath: shortCodesListPath,
};

/** Most short codes Twilio users have are American; another country is asked for with `IsoCountry`. */
const DEFAULT_SHORT_CODE_COUNTRY = 'US';

type NumberRequest = RouteRequest;

export function registerNumberRoutes(ctx: RouteContext): void {
  registerAddressRoutes(ctx, INCOMING_PHONE_NUMBERS);
  registerAddressRoutes(ctx, SHORT_CODES);
}

function registerAddressRoutes(ctx: RouteContext, resource: AddressResource): void {
  const { store } = ctx.gateway;
  const now = (): number => ctx.gateway.clock.now();
  const BASE = `/2010-04-01/Accounts/:AccountSid/${resource.path}`;

  ctx.routes.add('POST', `${BASE}.json`, async (req: NumberRequest, reply) => {
    const account = accountFor(req, req.params.AccountSid);
    const params = Params.from(req.body);
    const address = resource.check(params.get(resource.addressParam));
    if (await store.numbers.findByPhoneNumber(address)) {
      throw new TwilioError(21422, `The ${resource.noun} ${address} is already in use.`);
    }
    const at = now();
    const record = applyChanges({
      sid: newSid(resource.type, at), accountSid: account.sid, phoneNumber: address, friendlyName: resource.friendlyName(address),
      smsUrl: '', smsMethod: 'POST', smsFallbackUrl: '', smsFallbackMethod: 'POST', statusCallback: '',
      statusCallbackMethod: 'POST', dateCreated: at, dateUpdated: at, ...resource.created(params),
    }, params);
    await store.numbers.insert(record);
    return reply.code(201).send(resource.json(record));
  });

  ctx.routes.add('GET', `${BASE}.json`, async (req: NumberRequest) => {
    const account = accountFor(req, req.params.AccountSid);
    const params = Params.from(req.query);
    const paging = pagingQuery(params);
    const address = params.get(resource.addressParam);
    const filter = {
      type: resource.type,
      ...(address ? { phoneNumber: address } : {}),
      ...(params.get('FriendlyName') ? { friendlyName: params.get('FriendlyName')! } : {}),
    };
    const rows = await store.numbers.list(account.sid, filter, {
      pageSize: paging.pageSize + 1,
      ...(paging.token?.direction === 'after' ? { afterSid: paging.token.sid } : {}),
    });
    return listJson2010(resource.listKey, {
      path: resource.listPath(account.sid), filters: echoFilters(params, [resource.addressParam, 'FriendlyName']),
      pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken,
      items: rows.slice(0, paging.pageSize).map(resource.json), hasNext: rows.length > paging.pageSize,
    });
  });

  const load = async (req: NumberRequest): Promise<PhoneNumberRecord> => {
    const account = accountFor(req, req.params.AccountSid);
    const sid = sidFromPath(req.params.Sid, req.url);
    // A short code is not an IncomingPhoneNumber, nor a number a ShortCode: each has its own path.
    const record = sid.startsWith(resource.type) ? await store.numbers.get(account.sid, sid) : null;
    if (!record) throw new TwilioError(20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    return record;
  };

  ctx.routes.add('GET', `${BASE}/:Sid`, async (req: NumberRequest) => resource.json(await load(req)));

  ctx.routes.add('POST', `${BASE}/:Sid`, async (req: NumberRequest) => {
    const existing = await load(req);
    const updated = applyChanges({ ...existing, dateUpdated: now() }, Params.from(req.body));
    await store.numbers.update(updated);
    return resource.json(updated);
  });

  ctx.routes.add('DELETE', `${BASE}/:Sid`, async (req: NumberRequest, reply) => {
    const existing = await load(req);
    await store.numbers.delete(existing.accountSid, existing.sid);
    return reply.code(204).send();
  });
}

/** Applies the writable fields of a create or update request, with Twilio's validation codes. */
function applyChanges(record: PhoneNumberRecord, params: Params): PhoneNumberRecord {
  const next = { ...record };
  const friendly = params.get('FriendlyName');
  if (friendly !== undefined) {
    if (friendly.length > 64) throw new TwilioError(20001, 'FriendlyName must be at most 64 characters.');
    next.friendlyName = friendly;
  }
  next.smsUrl = requireUrl(params.get('SmsUrl'), 'SmsUrl') ?? next.smsUrl;
  next.smsMethod = requireMethod(params.get('SmsMethod'), next.smsMethod, 21403, 'SmsMethod');
  next.smsFallbackUrl = requireUrl(params.get('SmsFallbackUrl'), 'SmsFallbackUrl') ?? next.smsFallbackUrl;
  next.smsFallbackMethod = requireMethod(params.get('SmsFallbackMethod'), next.smsFallbackMethod, 21403, 'SmsFallbackMethod');
  next.statusCallback = requireUrl(params.get('StatusCallback'), 'StatusCallback') ?? next.statusCallback;
  next.statusCallbackMethod = requireMethod(params.get('StatusCallbackMethod'), next.statusCallbackMethod, 21403, 'StatusCallbackMethod');
  if (next.smsFallbackUrl && !next.smsUrl) {
    throw new TwilioError(21406, 'Cannot set SmsFallbackUrl without setting SmsUrl');
  }
  return next;
}

/** Twilio's friendly name for a US number: (555) 123-0001; other numbers as given. */
function formatFriendly(e164: string): string {
  const us = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return us ? `(${us[1]}) ${us[2]}-${us[3]}` : e164;
}
