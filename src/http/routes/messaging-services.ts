/**
 * Messaging Services (`/v1/Services`, Twilio's messaging domain), their sender pools
 * (`…/PhoneNumbers` and `…/ShortCodes`, sender-pool.ts) and alphanumeric sender IDs
 * (`…/AlphaSenders`, alpha-senders.ts, and by country `…/DestinationAlphaSenders`). twilio-node reaches them once `client.messaging.baseUrl`
 * points at Parley. https://www.twilio.com/docs/messaging/api/service-resource
 */
import type { FastifyReply } from 'fastify';
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import { Params, requireMethod, requireUrl } from '../form.js';
import { TwilioError, notFound } from '../../errors/twilio-error.js';
import { newSid } from '../../ids/sid.js';
import type { MessagingServiceRecord } from '../../stores/records.js';
import { SERVICES_LIST_PATH, servicePath, serviceJson } from '../representations/messaging-service.js';
import { listJsonV1 } from '../representations/paging.js';
import { parseValidityPeriod } from '../../messages/validity.js';
import { pagingQuery } from './paging-query.js';
import { registerAlphaSenderRoutes } from './alpha-senders.js';
import { registerDestinationAlphaSenderRoutes } from './destination-alpha-senders.js';
import { registerSenderPoolRoutes } from './sender-pool.js';

const SERVICE = `${SERVICES_LIST_PATH}/:Sid`;

export function registerMessagingServiceRoutes(ctx: RouteContext): void {
  const { store, clock } = ctx.gateway;
  const path = (req: RouteRequest): string => req.url.split('?')[0] ?? req.url;
  const base = (req: RouteRequest): string => `${req.protocol}://${req.host || '127.0.0.1'}`;

  async function load(req: RouteRequest): Promise<MessagingServiceRecord> {
    const account = accountFor(req);
    const service = await store.services.get(account.sid, req.params.Sid ?? '');
    if (!service) throw notFound(path(req));
    return service;
  }

  function apply(s: MessagingServiceRecord, p: Params): MessagingServiceRecord {
    const validity = p.get('ValidityPeriod');
    const validityPeriod = validity === undefined ? s.validityPeriod : parseValidityPeriod(validity);
    return {
      ...s,
      friendlyName: p.get('FriendlyName') ?? s.friendlyName,
      inboundRequestUrl: requireUrl(p.get('InboundRequestUrl'), 'InboundRequestUrl') ?? s.inboundRequestUrl,
      inboundMethod: requireMethod(p.get('InboundMethod'), s.inboundMethod, 21403, 'InboundMethod'),
      fallbackUrl: requireUrl(p.get('FallbackUrl'), 'FallbackUrl') ?? s.fallbackUrl,
      fallbackMethod: requireMethod(p.get('FallbackMethod'), s.fallbackMethod, 21403, 'FallbackMethod'),
      statusCallback: requireUrl(p.get('StatusCallback'), 'StatusCallback') ?? s.statusCallback,
      useInboundWebhookOnNumber: p.has('UseInboundWebhookOnNumber')
        ? p.get('UseInboundWebhookOnNumber') === 'true' : s.useInboundWebhookOnNumber === true,
      stickySender: p.has('StickySender') ? p.get('StickySender') !== 'false' : s.stickySender,
      smartEncoding: p.boolean('SmartEncoding') ?? s.smartEncoding !== false,
      validityPeriod,
      dateUpdated: clock.now(),
    };
  }

  ctx.routes.add('POST', SERVICES_LIST_PATH, async (req: RouteRequest, reply: FastifyReply) => {
    const account = accountFor(req);
    const p = Params.from(req.body);
    if (!p.get('FriendlyName')) throw new TwilioError(20001, 'Missing required parameter FriendlyName in the post body');
    const at = clock.now();
    const service = apply({
      sid: newSid('MG', at), accountSid: account.sid, friendlyName: '', inboundRequestUrl: '', inboundMethod: 'POST',
      fallbackUrl: '', fallbackMethod: 'POST', statusCallback: '', useInboundWebhookOnNumber: false, stickySender: true, smartEncoding: true, validityPeriod: 14_400,
      dateCreated: at, dateUpdated: at,
    }, p);
    await store.services.save(service);
    return reply.code(201).send(serviceJson(base(req), service));
  });

  ctx.routes.add('GET', SERVICES_LIST_PATH, async (req: RouteRequest) => {
    const account = accountFor(req);
    const paging = pagingQuery(Params.from(req.query));
    const rows = await store.services.list(account.sid, {
      pageSize: paging.pageSize + 1, ...(paging.token?.direction === 'after' ? { afterSid: paging.token.sid } : {}),
    });
    return listJsonV1('services', base(req), {
      path: SERVICES_LIST_PATH, pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken,
      items: rows.slice(0, paging.pageSize).map((s) => serviceJson(base(req), s) as { sid: string }), hasNext: rows.length > paging.pageSize,
    });
  });

  ctx.routes.add('GET', SERVICE, async (req: RouteRequest) => serviceJson(base(req), await load(req)));

  ctx.routes.add('POST', SERVICE, async (req: RouteRequest) => {
    const updated = apply(await load(req), Params.from(req.body));
    await store.services.save(updated);
    return serviceJson(base(req), updated);
  });

  ctx.routes.add('DELETE', SERVICE, async (req: RouteRequest, reply: FastifyReply) => {
    const service = await load(req);
    await store.services.delete(service.accountSid, service.sid);
    return reply.code(204).send();
  });

  registerSenderPoolRoutes(ctx, SERVICE, { load, base, path });
  registerAlphaSenderRoutes(ctx, SERVICE, { load, base, path });
  registerDestinationAlphaSenderRoutes(ctx, SERVICE, { load, base, path });
}
