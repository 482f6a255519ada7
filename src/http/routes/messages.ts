/**
 * Messages: list and fetch (inbound messages and their replies) in Twilio's JSON shape.
 * https://www.twilio.com/docs/messaging/api/message-resource
 */
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import { Params, sidFromPath } from '../form.js';
import { TwilioError } from '../../errors/twilio-error.js';
import type { MessageFilter, Store } from '../../stores/store.js';
import { messageJson, messagesListPath } from '../representations/message.js';
import { listJson2010 } from '../representations/paging.js';
import { parseIso8601Filter } from '../representations/dates.js';
import { echoFilters, pagingQuery } from './paging-query.js';

const BASE = '/2010-04-01/Accounts/:AccountSid/Messages';
const DAY_MS = 86_400_000;

type MessageRequest = RouteRequest;

export function registerMessageRoutes(ctx: RouteContext): void {
  const { store } = ctx.gateway;

  ctx.routes.add('GET', `${BASE}.json`, async (req: MessageRequest) => {
    const account = accountFor(req, req.params.AccountSid);
    const params = Params.from(req.query);
    return messagePage(store, account.sid, params, messageFilter(params), messagesListPath(account.sid), ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>']);
  });

  ctx.routes.add('GET', `${BASE}/:Sid`, async (req: MessageRequest) => {
    const account = accountFor(req, req.params.AccountSid);
    const sid = sidFromPath(req.params.Sid, req.url);
    const message = await store.messages.get(account.sid, sid);
    if (!message) throw new TwilioError(20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    return messageJson(message);
  });
}

/**
 * One page of messages in Twilio's list shape (newest first, PageToken paging, next and previous
 * URIs echoing `filterNames`): the REST list here and the console's message log (./message-log.ts).
 */
export async function messagePage(
  store: Store, accountSid: string, params: Params, filter: MessageFilter, path: string, filterNames: readonly string[],
): Promise<unknown> {
  const paging = pagingQuery(params);
  const rows = await store.messages.list(accountSid, filter, {
    pageSize: paging.pageSize + 1,
    ...(paging.token?.direction === 'after' ? { afterSid: paging.token.sid } : {}),
    ...(paging.token?.direction === 'before' ? { beforeSid: paging.token.sid } : {}),
  });
  return listJson2010('messages', {
    path, filters: echoFilters(params, filterNames), pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken,
    items: rows.slice(0, paging.pageSize).map(messageJson),
    hasNext: paging.token?.direction === 'before' ? true : rows.length > paging.pageSize,
  });
}

/** `DateSent` is a whole (UTC) day; `DateSent<` and `DateSent>` are bounds, as the docs describe. */
export function messageFilter(params: Params): MessageFilter {
  const filter: MessageFilter = {};
  const to = params.get('To');
  const from = params.get('From');
  if (to) filter.to = to;
  if (from) filter.from = from;
  const date = (name: string): number | undefined => {
    const text = params.get(name);
    if (text === undefined) return undefined;
    const ms = parseIso8601Filter(text);
    if (ms === null) throw new TwilioError(20001, `${name} must be a date such as 2024-01-02 or 2024-01-02T00:00:00Z.`);
    return ms;
  };
  const on = date('DateSent');
  const before = date('DateSent<');
  const after = date('DateSent>');
  if (on !== undefined) {
    const dayStart = on - (on % DAY_MS);
    filter.sentAfter = dayStart;
    filter.sentBefore = dayStart + DAY_MS;
  }
  if (after !== undefined) filter.sentAfter = Math.max(filter.sentAfter ?? after, after);
  if (before !== undefined) filter.sentBefore = Math.min(filter.sentBefore ?? before, before);
  return filter;
}
