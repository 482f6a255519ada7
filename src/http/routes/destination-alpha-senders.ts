/**
 * A Messaging Service's alpha senders by destination country (`/v1/Services/{MG}/DestinationAlphaSenders`):
 * one for each country (`IsoCountryCode`) and one without a country, for every other. A message
 * through the service picks its country's first (messages/sender-selection.ts).
 * https://www.twilio.com/docs/messaging/api/destination-alphasender-resource
 */
import type { FastifyReply } from 'fastify';
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { Params, requireCountry } from '../form.js';
import { TwilioError, notFound } from '../../errors/twilio-error.js';
import { newSid } from '../../ids/sid.js';
import type { DestinationAlphaSenderRecord } from '../../stores/records.js';
import { destinationAlphaSenderJson, servicePath } from '../representations/messaging-service.js';
import { listJsonV1 } from '../representations/paging.js';
import { pageOf, pagingQuery } from './paging-query.js';
import { alphaSenderParam, type ServiceRouteHelpers } from './alpha-senders.js';

export function registerDestinationAlphaSenderRoutes(ctx: RouteContext, service: string, { load, base, path }: ServiceRouteHelpers): void {
  const { store, clock } = ctx.gateway;
  const ROUTE = `${service}/DestinationAlphaSenders`;

  ctx.routes.add('POST', ROUTE, async (req: RouteRequest, reply: FastifyReply) => {
    const s = await load(req);
    const params = Params.from(req.body);
    const alphaSender = alphaSenderParam(params);
    const given = params.get('IsoCountryCode');
    const country = given ? requireCountry(given, 'IsoCountryCode') : null;
    const existing = s.destinationAlphaSenders ?? [];
    const taken = existing.find((a) => a.isoCountryCode === country);
    if (taken) {
      throw new TwilioError(20001, `The Messaging Service ${s.sid} already has the alpha sender ${taken.alphaSender} for ${country ?? 'every country'}; delete it before adding another.`);
    }
    const at = clock.now();
    const added: DestinationAlphaSenderRecord = { sid: newSid('AI', at), alphaSender, isoCountryCode: country, dateCreated: at };
    const updated = { ...s, destinationAlphaSenders: [...existing, added], dateUpdated: at };
    await store.services.save(updated);
    return reply.code(201).send(destinationAlphaSenderJson(base(req), updated, added));
  });

  ctx.routes.add('GET', ROUTE, async (req: RouteRequest) => {
    const s = await load(req);
    const params = Params.from(req.query);
    const paging = pagingQuery(params);
    const country = params.get('IsoCountryCode');
    const all = (s.destinationAlphaSenders ?? []).filter((a) => country === undefined || (a.isoCountryCode ?? '') === country);
    const { items, hasNext } = pageOf(all, paging, (a) => a.sid);
    return listJsonV1('alpha_senders', base(req), {
      path: `${servicePath(s.sid)}/DestinationAlphaSenders`, pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken,
      items: items.map((a) => destinationAlphaSenderJson(base(req), s, a) as { sid: string }), hasNext,
    });
  });

  ctx.routes.add('GET', `${ROUTE}/:AlphaSid`, async (req: RouteRequest) => {
    const s = await load(req);
    const found = (s.destinationAlphaSenders ?? []).find((a) => a.sid === req.params.AlphaSid);
    if (!found) throw notFound(path(req));
    return destinationAlphaSenderJson(base(req), s, found);
  });

  ctx.routes.add('DELETE', `${ROUTE}/:AlphaSid`, async (req: RouteRequest, reply: FastifyReply) => {
    const s = await load(req);
    const rest = (s.destinationAlphaSenders ?? []).filter((a) => a.sid !== req.params.AlphaSid);
    if (rest.length === (s.destinationAlphaSenders ?? []).length) throw notFound(path(req));
    await store.services.save({ ...s, destinationAlphaSenders: rest, dateUpdated: clock.now() });
    return reply.code(204).send();
  });
}
