/**
 * GET /parley/channels: every channel's state (bound, connecting, down and why, since when),
 * messages waiting and in flight, and the numbers it carries. Read from memory: cheap to poll.
 */
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import { channelJson } from '../representations/channel.js';

export function registerChannelRoutes(ctx: RouteContext): void {
  ctx.routes.add('GET', '/parley/channels', async (req) => {
    accountFor(req);
    return { channels: ctx.gateway.channelStatuses().map(channelJson) };
  });
}
