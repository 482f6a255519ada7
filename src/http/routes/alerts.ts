/**
 * The error log, served as Twilio's Monitor API serves alerts (`GET /v1/Alerts`,
 * `GET /v1/Alerts/{Sid}`), so twilio-node's `client.monitor.v1.alerts` reads it.
 */
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import type { RouteRequest } from '../route-table.js';
import { Params } from '../form.js';
import { TwilioError } from '../../errors/twilio-error.js';
import { alertJson, alertSummaryJson, ALERTS_LIST_PATH } from '../representations/alert.js';
import { listJsonV1 } from '../representations/paging.js';
import { pagingQuery } from './paging-query.js';

export function registerAlertRoutes(ctx: RouteContext): void {
  const { store } = ctx.gateway;
  const baseUrl = (req: RouteRequest): string => `${req.protocol}://${req.host || '127.0.0.1'}`;

  ctx.routes.add('GET', ALERTS_LIST_PATH, async (req: RouteRequest) => {
    const account = accountFor(req);
    const paging = pagingQuery(Params.from(req.query));
    const rows = await store.alerts.list(account.sid, {
      pageSize: paging.pageSize + 1,
      ...(paging.token?.direction === 'after' ? { afterSid: paging.token.sid } : {}),
    });
    return listJsonV1('alerts', baseUrl(req), {
      path: ALERTS_LIST_PATH, pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken,
      items: rows.slice(0, paging.pageSize).map((a) => alertSummaryJson(a, baseUrl(req))), hasNext: rows.length > paging.pageSize,
    });
  });

  ctx.routes.add('GET', `${ALERTS_LIST_PATH}/:Sid`, async (req: RouteRequest) => {
    const account = accountFor(req);
    const alert = await store.alerts.get(account.sid, req.params.Sid ?? '');
    if (!alert) throw new TwilioError(20404, `The requested resource ${ALERTS_LIST_PATH}/${req.params.Sid} was not found`);
    return alertJson(alert, baseUrl(req));
  });
}
