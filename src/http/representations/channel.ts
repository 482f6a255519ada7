/** A channel's state as `GET /parley/channels` shows it (the console, `parley channels`). */
import type { ChannelStatus } from '../../channels/channel.js';

export interface ChannelJson {
  name: string;
  type: string;
  state: ChannelStatus['state'];
  reason: string | null;
  since: string;
  waiting: number;
  in_flight: number;
  numbers: string[];
}

export function channelJson(status: ChannelStatus): ChannelJson {
  return {
    name: status.name, type: status.type, state: status.state, reason: status.reason, since: new Date(status.since).toISOString(),
    waiting: status.waiting, in_flight: status.inFlight, numbers: [...status.numbers],
  };
}
