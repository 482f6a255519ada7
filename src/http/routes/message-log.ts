/**
 * The message log (the console's Messages page, like Twilio's Messaging Logs), beside the REST
 * API's own `Messages.json`, which stays exactly as the helper libraries expect it:
 *   GET /simulator/messages                  every message of the account, both directions, newest
 *                                            first; filters Number, Handset, Direction (inbound,
 *                                            outbound or one outbound-… direction), Status,
 *                                            DateSent, DateSent>, DateSent<, To, From; Twilio's
 *                                            paging (PageSize, Page, PageToken, next/previous URIs)
 *   GET /simulator/messages/{Sid}/details    one message: its status history with times, the error
 *                                            and its docs page, segments and encoding, the webhook
 *                                            exchanges and status callbacks it caused, its replies
 *                                            (inbound) or the message it answers (a reply)
 */
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import type { RouteRequest } from '../route-table.js';
import { Params } from '../form.js';
import { TwilioError } from '../../errors/twilio-error.js';
import { moreInfo } from '../../errors/catalog.js';
import type { MessageFilter } from '../../stores/store.js';
import { segmentsOf } from '../../messages/segments.js';
import { messageJson } from '../representations/message.js';
import { messageFilter, messagePage } from './messages.js';
import { DIRECTIONS, oneOf, STATUSES } from './message-filters.js';

const LOG_PATH = '/simulator/messages';
const FILTERS = ['Number', 'Handset', 'Direction', 'Status', 'To', 'From', 'DateSent', 'DateSent<', 'DateSent>'] as const;

/** The REST list's filters plus the log's own. */
function logFilter(params: Params): MessageFilter {
  const filter = messageFilter(params);
  const number = params.get('Number');
  const handset = params.get('Handset');
  const direction = oneOf('Direction', params.get('Direction'), DIRECTIONS);
  const status = oneOf('Status', params.get('Status'), STATUSES);
  if (number) filter.number = number;
  if (handset) filter.handset = handset;
  if (direction) filter.direction = direction;
  if (status) filter.status = status;
  return filter;
}

export function registerMessageLogRoutes(ctx: RouteContext): void {
  const { store } = ctx.gateway;

  ctx.routes.add('GET', LOG_PATH, async (req: RouteRequest) => {
    const account = accountFor(req);
    const params = Params.from(req.query);
    return messagePage(store, account.sid, params, logFilter(params), LOG_PATH, FILTERS);
  });

  ctx.routes.add('GET', `${LOG_PATH}/:Sid/details`, async (req: RouteRequest) => {
    const account = accountFor(req);
    const sid = req.params.Sid ?? '';
    const message = await store.messages.get(account.sid, sid);
    const history = await store.messages.statusHistory(account.sid, sid);
    if (!message || !history) throw new TwilioError(20404, `The requested resource ${LOG_PATH}/${sid}/details was not found`);
    const inbound = message.direction === 'inbound';
    const exchanges = await store.exchanges.listForMessage(account.sid, sid);
    const segments = segmentsOf(message.body);
    return {
      message: messageJson(message),
      status_history: history.map((h) => ({ status: h.status, date: new Date(h.at).toISOString() })),
      error: message.errorCode === null ? null : { code: message.errorCode, message: message.errorMessage, more_info: moreInfo(message.errorCode) },
      encoding: segments.encoding,
      characters: segments.characters,
      segments: message.numSegments,
      turn: inbound ? { status: (await store.turns.isDone(sid)) ? 'done' : 'pending' } : null,
      replies: inbound ? (await store.messages.repliesOf(account.sid, sid)).map(messageJson) : [],
      inbound_sid: message.inboundSid,
      webhook_exchanges: exchanges.filter((x) => x.purpose !== 'status-callback'),
      status_callbacks: exchanges.filter((x) => x.purpose === 'status-callback'),
    };
  });
}
