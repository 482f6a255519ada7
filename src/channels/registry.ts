/**
 * The channel types Parley can run, by the `type` of a `channels:` entry in the configuration file,
 * and the router built from a configuration: the simulator always, plus one channel per entry.
 */
import type { ChannelConfig } from '../config/channels.js';
import type { Clock } from '../clock/clock.js';
import type { Logger } from '../logging/logger.js';
import type { Channel } from './channel.js';
import { ChannelRouter } from './router.js';
import { SimulatorChannel } from './simulator/channel.js';
import { SmppChannel } from './smpp/channel.js';

/** What a channel may use besides its configuration. */
export interface ChannelDeps {
  logger: Logger;
  clock: Clock;
}

type ChannelFactory = (config: ChannelConfig, deps: ChannelDeps) => Channel;

export const CHANNEL_TYPES: Readonly<Partial<Record<ChannelConfig['type'], ChannelFactory>>> = {
  smpp: (config, deps) => new SmppChannel(config, deps),
};

export function createChannels(configs: readonly ChannelConfig[], deps: ChannelDeps): ChannelRouter {
  const carriers = configs.map((config) => {
    const create = CHANNEL_TYPES[config.type];
    if (!create) throw new Error(`channel "${config.name}": the ${config.type} channel type is not available in this build`);
    return { channel: create(config, deps), numbers: config.numbers };
  });
  return new ChannelRouter(new SimulatorChannel(), carriers);
}
