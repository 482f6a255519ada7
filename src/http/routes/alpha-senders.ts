/**
 * A Messaging Service's alphanumeric sender ID (`/v1/Services/{MG}/AlphaSenders`): Twilio allows one
 * a service, and sends its messages from it where carriers take one (messages/outbound.ts).
 * https://www.twilio.com/docs/messaging/api/alphasender-resource
 */
import type { FastifyReply } from 'fastify';
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { Params } from '../form.js';
import { TwilioError, notFound } from '../../errors/twilio-error.js';
import { newSid } from '../../ids/sid.js';
import type { MessagingServiceRecord } from '../../stores/records.js';
import { isAlphanumericSender } from '../../phone/numbers.js';
import { alphaSenderJson, servicePath } from '../representations/messaging-service.js';
import { listJsonV1 } from '../representations/paging.js';
import { pagingQuery } from './paging-query.js';

/** What the service routes share: the service of the path (or 20404), the base URL and the path. */
export interface ServiceRouteHelpers {
  load(req: RouteRequest): Promise<MessagingServiceRecord>;
  base(req: RouteRequest): string;
  path(req: RouteRequest): string;
}

/** The create request's `AlphaSender`, which must be an alphanumeric sender ID (20001 otherwise). */
export function alphaSenderParam(params: Params): string {
  const alphaSender = params.get('AlphaSender');
  if (!alphaSender) throw new TwilioError(20001, 'Missing required parameter AlphaSender in the post body');
  if (!isAlphanumericSender(alphaSender)) {
    throw new TwilioError(20001, `AlphaSender ${alphaSender} is not an alphanumeric sender ID: up to 11 of A-Z, a-z, 0-9, space, - + _ &, with a letter.`);
  }
  return alphaSender;
}

export function registerAlphaSenderRoutes(ctx: RouteContext, service: string, { load, base, path }: ServiceRouteHelpers): void {
  const { store, clock } = ctx.gateway;

  ctx.routes.add('POST', `${service}/AlphaSenders`, async (req: RouteRequest, reply: FastifyReply) => {
    const s = await load(req);
    const alphaSender = alphaSenderParam(Params.from(req.body));
    // Twilio's documentation: one alpha sender a service; delete it to add another.
    if (s.alphaSender) throw new TwilioError(20001, `The Messaging Service ${s.sid} already has the alpha sender ${s.alphaSender.alphaSender}; delete it before adding another.`);
    const at = clock.now();
    const updated: MessagingServiceRecord = { ...s, alphaSender: { sid: newSid('AI', at), alphaSender, dateCreated: at }, dateUpdated: at };
    await store.services.save(updated);
    return reply.code(201).send(alphaSenderJson(base(req), updated, updated.alphaSender!));
  });

  ctx.routes.add('GET', `${service}/AlphaSenders`, async (req: RouteRequest) => {
    const s = await load(req);
    const paging = pagingQuery(Params.from(req.query));
    // At most one: it is on the first page, and a page after it is empty.
    const items = s.alphaSender && paging.token === null ? [alphaSenderJson(base(req), s, s.alphaSender) as { sid: string }] : [];
    return listJsonV1('alpha_senders', base(req), {
      path: `${servicePath(s.sid)}/AlphaSenders`, pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken, items, hasNext: false,
    });
  });

  ctx.routes.add('GET', `${service}/AlphaSenders/:AlphaSid`, async (req: RouteRequest) => {
    const s = await load(req);
    if (!s.alphaSender || s.alphaSender.sid !== req.params.AlphaSid) throw notFound(path(req));
    return alphaSenderJson(base(req), s, s.alphaSender);
  });

  ctx.routes.add('DELETE', `${service}/AlphaSenders/:AlphaSid`, async (req: RouteRequest, reply: FastifyReply) => {
    const s = await load(req);
    if (!s.alphaSender || s.alphaSender.sid !== req.params.AlphaSid) throw notFound(path(req));
    await store.services.save({ ...s, alphaSender: null, dateUpdated: clock.now() });
    return reply.code(204).send();
  });
}
