/**
 * Carrier views under /parley/:
 * - GET /parley/channels: every channel's state (bound, connecting, down and why, since when),
 *   messages waiting and in flight, and the numbers it carries. Read from memory: cheap to poll.
 * - GET /parley/messages/{Sid}/parts: the parts a carrier (SMPP) accepted for one of the account's
 *   messages, each with the SMSC's message id and its receipt state (empty for the simulator).
 */
import type { RouteRequest } from '../route-table.js';
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import { TwilioError } from '../../errors/twilio-error.js';
import { channelJson, messagePartsJson } from '../representations/channel.js';

export function registerChannelRoutes(ctx: RouteContext): void {
  ctx.routes.add('GET', '/parley/channels', async (req) => {
    accountFor(req);
    return { channels: ctx.gateway.channelStatuses().map(channelJson) };
  });

  ctx.routes.add('GET', '/parley/messages/:Sid/parts', async (req: RouteRequest) => {
    const account = accountFor(req);
    const sid = req.params.Sid ?? '';
    const message = /^(SM|MM)[0-9a-f]{32}$/.test(sid) ? await ctx.gateway.store.messages.get(account.sid, sid) : null;
    if (!message) throw new TwilioError(20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    return messagePartsJson(message, await ctx.gateway.store.carrierParts.ofMessage(message.sid));
  });
}
