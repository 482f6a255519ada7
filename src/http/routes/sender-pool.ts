/**
 * A Messaging Service's sender pool: its numbers (`/v1/Services/{MG}/PhoneNumbers`) and its short
 * codes (`…/ShortCodes`). Both are the service's rows of one table, told apart by their SID's
 * prefix, as the two resources of the account are (numbers.ts). The store's pool read carries each
 * entry's address and country, so listing it reads no number record. How a message picks its sender
 * from the pool: messages/sender-selection.ts.
 * https://www.twilio.com/docs/messaging/api/phonenumber-resource
 * https://www.twilio.com/docs/messaging/api/shortcode-resource
 */
import type { FastifyReply } from 'fastify';
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { Params } from '../form.js';
import { TwilioError, notFound } from '../../errors/twilio-error.js';
import type { AddressType } from '../../stores/store.js';
import { servicePath, servicePoolEntryJson, type PoolEntryKind } from '../representations/messaging-service.js';
import { listJsonV1 } from '../representations/paging.js';
import { pageOf, pagingQuery } from './paging-query.js';
import type { ServiceRouteHelpers } from './alpha-senders.js';

/** One of the pool's two sub-resources. */
interface PoolResource extends PoolEntryKind {
  readonly type: AddressType;
  /** The create request's parameter naming the account's resource. */
  readonly sidParam: string;
  readonly listKey: string;
  readonly noun: string;
}

const POOL_RESOURCES: readonly PoolResource[] = [
  { path: 'PhoneNumbers', addressKey: 'phone_number', type: 'PN', sidParam: 'PhoneNumberSid', listKey: 'phone_numbers', noun: 'phone number' },
  { path: 'ShortCodes', addressKey: 'short_code', type: 'SC', sidParam: 'ShortCodeSid', listKey: 'short_codes', noun: 'short code' },
];

export function registerSenderPoolRoutes(ctx: RouteContext, service: string, helpers: ServiceRouteHelpers): void {
  for (const resource of POOL_RESOURCES) registerPoolResource(ctx, service, helpers, resource);
}

function registerPoolResource(ctx: RouteContext, serviceRoute: string, { load, base, path }: ServiceRouteHelpers, resource: PoolResource): void {
  const { store, clock } = ctx.gateway;
  const ROUTE = `${serviceRoute}/${resource.path}`;
  const ofThisKind = (sid: string): boolean => sid.startsWith(resource.type);

  ctx.routes.add('POST', ROUTE, async (req: RouteRequest, reply: FastifyReply) => {
    const service = await load(req);
    const sid = Params.from(req.body).get(resource.sidParam) ?? '';
    const address = ofThisKind(sid) ? await store.numbers.get(service.accountSid, sid) : null;
    if (!address) throw new TwilioError(21601, `${sid} is not an SMS-capable ${resource.noun} of this account.`);
    if (await store.services.serviceOf(address.sid)) {
      throw new TwilioError(21710, `The ${resource.noun} ${address.phoneNumber} is already in a Messaging Service.`);
    }
    const at = clock.now();
    await store.services.addNumber(service.accountSid, service.sid, address.sid, at);
    const entry = { numberSid: address.sid, phoneNumber: address.phoneNumber, isoCountry: address.isoCountry ?? null, dateCreated: at };
    return reply.code(201).send(servicePoolEntryJson(base(req), resource, service, entry));
  });

  ctx.routes.add('GET', ROUTE, async (req: RouteRequest) => {
    const service = await load(req);
    const paging = pagingQuery(Params.from(req.query));
    const entries = (await store.services.numbers(service.accountSid, service.sid)).filter((e) => ofThisKind(e.numberSid));
    const { items, hasNext } = pageOf(entries, paging, (e) => e.numberSid);
    return listJsonV1(resource.listKey, base(req), {
      path: `${servicePath(service.sid)}/${resource.path}`, pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken,
      items: items.map((e) => servicePoolEntryJson(base(req), resource, service, e) as { sid: string }), hasNext,
    });
  });

  ctx.routes.add('GET', `${ROUTE}/:NumberSid`, async (req: RouteRequest) => {
    const service = await load(req);
    const sid = req.params.NumberSid ?? '';
    const entry = ofThisKind(sid) ? (await store.services.numbers(service.accountSid, service.sid)).find((e) => e.numberSid === sid) : undefined;
    if (!entry) throw notFound(path(req));
    return servicePoolEntryJson(base(req), resource, service, entry);
  });

  ctx.routes.add('DELETE', `${ROUTE}/:NumberSid`, async (req: RouteRequest, reply: FastifyReply) => {
    const service = await load(req);
    const sid = req.params.NumberSid ?? '';
    if (!ofThisKind(sid) || !(await store.services.removeNumber(service.accountSid, service.sid, sid))) throw notFound(path(req));
    return reply.code(204).send();
  });
}
