/**
 * Accounts (the default account and its subaccounts) and API keys.
 * https://www.twilio.com/docs/iam/api/account , https://www.twilio.com/docs/iam/api-keys/key-resource-v2010
 * An account sees itself and the subaccounts it owns; a subaccount sees only itself.
 */
import type { FastifyReply } from 'fastify';
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import { Params, sidFromPath } from '../form.js';
import { TwilioError, notFound } from '../../errors/twilio-error.js';
import { newSecret, newSid } from '../../ids/sid.js';
import type { AccountRecord, ApiKeyRecord } from '../../stores/records.js';
import { ACCOUNTS_LIST_PATH, accountJson } from '../representations/account.js';
import { keyJson, keysListPath, newKeyJson } from '../representations/key.js';
import { listJson2010 } from '../representations/paging.js';
import { echoFilters, pageOf, pagingQuery } from './paging-query.js';

const ACCOUNT = '/2010-04-01/Accounts/:AccountSid';
const STATUSES: ReadonlySet<string> = new Set(['active', 'suspended', 'closed']);

export function registerAccountRoutes(ctx: RouteContext): void {
  const { store, clock } = ctx.gateway;
  const path = (req: RouteRequest): string => req.url.split('?')[0] ?? req.url;

  ctx.routes.add('GET', '/2010-04-01/Accounts.json', async (req: RouteRequest) => {
    const account = accountFor(req);
    const params = Params.from(req.query);
    const paging = pagingQuery(params);
    const name = params.get('FriendlyName');
    const status = params.get('Status');
    const all = [account, ...(await store.accounts.listOwnedBy(account.sid))]
      .filter((a) => (name === undefined || a.friendlyName === name) && (status === undefined || a.status === status))
      .sort((a, b) => (a.sid < b.sid ? -1 : 1));
    const { items, hasNext } = pageOf(all, paging, (a) => a.sid);
    return listJson2010('accounts', {
      path: ACCOUNTS_LIST_PATH, filters: echoFilters(params, ['FriendlyName', 'Status']),
      pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken, items: items.map(accountJson), hasNext,
    });
  });

  ctx.routes.add('POST', '/2010-04-01/Accounts.json', async (req: RouteRequest, reply: FastifyReply) => {
    const account = accountFor(req);
    const params = Params.from(req.body);
    const at = clock.now();
    const sub: AccountRecord = {
      sid: newSid('AC', at), authToken: newSecret(),
      friendlyName: params.get('FriendlyName') || `SubAccount Created at ${new Date(at).toISOString()}`,
      status: 'active',
      // Subaccounts are one level deep: one created by a subaccount belongs to its parent.
      ownerAccountSid: account.ownerAccountSid ?? account.sid,
      dateCreated: at, dateUpdated: at,
    };
    await store.accounts.insert(sub);
    return reply.code(201).send(accountJson(sub));
  });

  ctx.routes.add('GET', ACCOUNT, async (req: RouteRequest) => {
    const sid = sidFromPath(req.params.AccountSid, path(req));
    return accountJson(accountFor(req, sid));
  });

  ctx.routes.add('POST', ACCOUNT, async (req: RouteRequest) => {
    const sid = sidFromPath(req.params.AccountSid, path(req));
    const account = accountFor(req, sid);
    const params = Params.from(req.body);
    const status = params.get('Status');
    if (status !== undefined && !STATUSES.has(status)) throw new TwilioError(20001, `Status must be active, suspended or closed, not '${status}'.`);
    // Only subaccounts change status through the API; the main account stays usable.
    if (status !== undefined && status !== account.status && account.ownerAccountSid === null) {
      throw new TwilioError(20006, 'The main account cannot be suspended or closed through the API.');
    }
    const updated: AccountRecord = {
      ...account,
      friendlyName: params.get('FriendlyName') ?? account.friendlyName,
      status: (status as AccountRecord['status'] | undefined) ?? account.status,
      dateUpdated: clock.now(),
    };
    await store.accounts.update(updated);
    return accountJson(updated);
  });

  ctx.routes.add('GET', `${ACCOUNT}/Keys.json`, async (req: RouteRequest) => {
    const account = accountFor(req, req.params.AccountSid);
    const params = Params.from(req.query);
    const paging = pagingQuery(params);
    const rows = await store.keys.list(account.sid, {
      pageSize: paging.pageSize + 1, ...(paging.token?.direction === 'after' ? { afterSid: paging.token.sid } : {}),
    });
    return listJson2010('keys', {
      path: keysListPath(account.sid), pageSize: paging.pageSize, page: paging.page, pageToken: paging.rawToken,
      items: rows.slice(0, paging.pageSize).map(keyJson), hasNext: rows.length > paging.pageSize,
    });
  });

  ctx.routes.add('POST', `${ACCOUNT}/Keys.json`, async (req: RouteRequest, reply: FastifyReply) => {
    const account = accountFor(req, req.params.AccountSid);
    const at = clock.now();
    const key: ApiKeyRecord = {
      sid: newSid('SK', at), accountSid: account.sid, friendlyName: Params.from(req.body).get('FriendlyName') ?? '',
      secret: newSecret(), dateCreated: at, dateUpdated: at,
    };
    await store.keys.insert(key);
    return reply.code(201).send(newKeyJson(key));
  });

  async function loadKey(req: RouteRequest): Promise<ApiKeyRecord> {
    const account = accountFor(req, req.params.AccountSid);
    const key = await store.keys.get(sidFromPath(req.params.Sid, path(req)));
    if (!key || key.accountSid !== account.sid) throw notFound(path(req));
    return key;
  }

  ctx.routes.add('GET', `${ACCOUNT}/Keys/:Sid`, async (req: RouteRequest) => keyJson(await loadKey(req)));

  ctx.routes.add('POST', `${ACCOUNT}/Keys/:Sid`, async (req: RouteRequest) => {
    const key = await loadKey(req);
    const updated = { ...key, friendlyName: Params.from(req.body).get('FriendlyName') ?? key.friendlyName, dateUpdated: clock.now() };
    await store.keys.update(updated);
    return keyJson(updated);
  });

  ctx.routes.add('DELETE', `${ACCOUNT}/Keys/:Sid`, async (req: RouteRequest, reply: FastifyReply) => {
    const key = await loadKey(req);
    await store.keys.delete(key.accountSid, key.sid);
    return reply.code(204).send();
  });
}
