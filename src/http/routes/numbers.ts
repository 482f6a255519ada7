/**
 * IncomingPhoneNumbers: the Parley numbers of an account and their messaging webhooks.
 * https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
 */
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import { Params, requireMethod, requireUrl, sidFromPath } from '../form.js';
import { TwilioError } from '../../errors/twilio-error.js';
import { isE164 } from '../../phone/numbers.js';
import { newSid } from '../../ids/sid.js';
import type { PhoneNumberRecord } from '../../stores/records.js';
import { phoneNumberJson, phoneNumbersListPath } from '../representations/phone-number.js';
import { listJson2010 } from '../representations/paging.js';
import { echoFilters, pagingQuery } from './paging-query.js';

const BASE = '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers';

type NumberRequest = RouteRequest;

export function registerNumberRoutes(ctx: RouteContext): void {
  const { store } = ctx.gateway;
  const now = (): number => ctx.gateway.clock.now();

  ctx.routes.add('POST', `${BASE}.json`, async (req: NumberRequest, reply) => {
    const account = accountFor(req, req.params.AccountSid);
    const params = Params.from(req.body);
    const phoneNumber = params.get('PhoneNumber');
    if (!phoneNumber || !isE164(phoneNumber)) {
      throw new TwilioError(21401, `PhoneNumber must be an E.164 number such as +15005550006, not "${phoneNumber ?? ''}".`);
    }
    if (await store.numbers.findByPhoneNumber(phoneNumber)) {
      throw new TwilioError(21422, `The phone number ${phoneNumber} is already in use.`);
    }
    const at = now();
    const record = applyChanges({
      sid: newSid('PN', at), accountSid: account.sid, phoneNumber, friendlyName: formatFriendly(phoneNumber),
      smsUrl: '', smsMethod: 'POST', smsFallbackUrl: '', smsFallbackMethod: 'POST', statusCallback: '',
      statusCallbackMethod: 'POST', dateCreated: at, dateUpdated: at,
    }, params);
    await store.numbers.insert(record);
    return reply.code(201).send(phoneNumberJson(record));
  });

  ctx.routes.add('GET', `${BASE}.json`, async (req: NumberRequest) => {
    const account = accountFor(req, req.params.AccountSid);
    const params = Params.from(req.query);
    const paging = pagingQuery(params);
    const filter = {
      ...(params.get('PhoneNumber') ? { phoneNumber: params.get('PhoneNumber')! } : {}),
      ...(params.get('FriendlyName') ? { friendlyName: params.get('FriendlyName')! } : {}),
    };
    const rows = await store.numbers.list(account.sid, filter, {
      pageSize: paging.pageSize + 1,
      ...(paging.token?.direction === 'after' ? { afterSid: paging.token.sid } : {}),
    });
    return listJson2010('incoming_phone_numbers', {
      path: phoneNumbersListPath(account.sid), filters: echoFilters(params, ['PhoneNumber', 'FriendlyName']),
      pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken,
      items: rows.slice(0, paging.pageSize).map(phoneNumberJson), hasNext: rows.length > paging.pageSize,
    });
  });

  const load = async (req: NumberRequest): Promise<PhoneNumberRecord> => {
    const account = accountFor(req, req.params.AccountSid);
    const sid = sidFromPath(req.params.Sid, req.url);
    const record = await store.numbers.get(account.sid, sid);
    if (!record) throw new TwilioError(20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    return record;
  };

  ctx.routes.add('GET', `${BASE}/:Sid`, async (req: NumberRequest) => phoneNumberJson(await load(req)));

  ctx.routes.add('POST', `${BASE}/:Sid`, async (req: NumberRequest) => {
    const existing = await load(req);
    const updated = applyChanges({ ...existing, dateUpdated: now() }, Params.from(req.body));
    await store.numbers.update(updated);
    return phoneNumberJson(updated);
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
