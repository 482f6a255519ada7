/**
 * Messages: create, update (redact, cancel), delete, and the Media sub-resource. List and fetch
 * live in `messages.ts`. https://www.twilio.com/docs/messaging/api/message-resource
 */
import type { FastifyReply } from 'fastify';
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import { Params, sidFromPath } from '../form.js';
import { TwilioError, notFound } from '../../errors/twilio-error.js';
import type { ApiServices } from '../../runtime/api-services.js';
import type { MessageRecord, MessageStatus } from '../../stores/records.js';
import { mediaJson, mediaListPath, messageJson } from '../representations/message.js';
import { listJson2010 } from '../representations/paging.js';
import { pageOf, pagingQuery } from './paging-query.js';
import { statusCallbackOf } from '../../webhooks/status-callbacks.js';

const BASE = '/2010-04-01/Accounts/:AccountSid/Messages';

/** States a message does not leave: only these may be redacted or deleted. */
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['delivered', 'undelivered', 'failed', 'received', 'canceled', 'read']);

export function registerMessageWriteRoutes(ctx: RouteContext, api: ApiServices): void {
  const { store, clock } = ctx.gateway;
  const path = (req: RouteRequest): string => req.url.split('?')[0] ?? req.url;

  async function load(req: RouteRequest): Promise<MessageRecord> {
    const account = accountFor(req, req.params.AccountSid);
    const sid = sidFromPath(req.params.Sid, path(req));
    const message = await store.messages.get(account.sid, sid);
    if (!message) throw notFound(path(req));
    return message;
  }

  ctx.routes.add('POST', `${BASE}.json`, async (req: RouteRequest, reply: FastifyReply) => {
    const account = accountFor(req, req.params.AccountSid);
    const p = Params.from(req.body);
    const message = await api.outbound.create(account, {
      to: p.get('To'), from: p.get('From'), messagingServiceSid: p.get('MessagingServiceSid'), body: p.get('Body'),
      mediaUrls: p.all('MediaUrl'), statusCallback: p.get('StatusCallback'), validityPeriod: p.get('ValidityPeriod'),
      sendAt: p.get('SendAt'), scheduleType: p.get('ScheduleType'), smartEncoded: p.boolean('SmartEncoded'),
    });
    return reply.code(201).send(messageJson(message));
  });

  ctx.routes.add('POST', `${BASE}/:Sid`, async (req: RouteRequest) => {
    const message = await load(req);
    const p = Params.from(req.body);
    const body = p.get('Body');
    const status = p.get('Status');
    if (body === undefined && status === undefined) return messageJson(message);
    const at = clock.now();
    let next: MessageRecord = message;
    if (status !== undefined) {
      if (status !== 'canceled') throw new TwilioError(20001, `Status can only be updated to 'canceled', not '${status}'.`);
      if (message.status !== 'scheduled') throw new TwilioError(20001, `Only a scheduled message can be canceled; this one is ${message.status}.`);
      next = { ...next, status: 'canceled', dateUpdated: at };
    }
    if (body !== undefined) {
      if (body !== '') throw new TwilioError(20001, 'Body can only be updated to an empty string, to redact the message.');
      if (!FINAL_STATUSES.has(next.status)) {
        throw new TwilioError(20009, `Cannot redact message ${message.sid} before it is complete (status ${message.status}).`);
      }
      next = { ...next, body: '', dateUpdated: at };
    }
    // A cancel's callback commits with the change (the outbox), like every other status's.
    const callback = next.status === 'canceled' && message.status !== 'canceled' ? statusCallbackOf(next) : null;
    await store.messages.update(next, callback ?? undefined);
    ctx.gateway.events.emit(next.status === message.status ? { type: 'message', message: next, sameStatus: true } : { type: 'message', message: next });
    if (callback) api.statusCallbacks.kick();
    return messageJson(next);
  });

  ctx.routes.add('DELETE', `${BASE}/:Sid`, async (req: RouteRequest, reply: FastifyReply) => {
    const message = await load(req);
    if (!FINAL_STATUSES.has(message.status)) {
      throw new TwilioError(20009, `Cannot delete message ${message.sid} before it is complete (status ${message.status}).`);
    }
    await store.messages.delete(message.accountSid, message.sid);
    return reply.code(204).send();
  });

  // Media: every file of a message in one page (at most 10), and each entry.
  ctx.routes.add('GET', `${BASE}/:MessageSid/Media.json`, async (req: RouteRequest) => {
    const account = accountFor(req, req.params.AccountSid);
    const message = await store.messages.get(account.sid, req.params.MessageSid ?? '');
    if (!message) throw notFound(path(req));
    const paging = pagingQuery(Params.from(req.query));
    const { items, hasNext } = pageOf(message.media, paging, (m) => m.sid);
    return listJson2010('media_list', {
      path: mediaListPath(message), pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken,
      items: items.map((m) => mediaJson(message, m)), hasNext,
    });
  });

  ctx.routes.add('GET', `${BASE}/:MessageSid/Media/:Sid`, async (req: RouteRequest, reply: FastifyReply) => {
    const account = accountFor(req, req.params.AccountSid);
    const message = await store.messages.get(account.sid, req.params.MessageSid ?? '');
    const segment = req.params.Sid ?? '';
    const sid = segment.endsWith('.json') ? segment.slice(0, -5) : segment;
    const media = message?.media.find((m) => m.sid === sid);
    if (!message || !media) throw notFound(path(req));
    // Without `.json` Twilio serves the file itself; Parley points at where it lives.
    if (!segment.endsWith('.json')) return reply.redirect(media.url, 302);
    return mediaJson(message, media);
  });
}
