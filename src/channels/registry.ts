/**
 * The channel types Parley can run, by the `type` of a `channels:` entry in the configuration file,
 * and the router built from a configuration: the simulator (unless `--carriers-only`), plus one
 * channel per entry.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ChannelConfig } from '../config/channels.js';
import type { Clock } from '../clock/clock.js';
import type { Logger } from '../logging/logger.js';
import type { Channel } from './channel.js';
import { ChannelRouter, type Carrier } from './router.js';
import { SimulatorChannel } from './simulator/channel.js';
import { SmppChannel } from './smpp/channel.js';
import { UnroutedChannel } from './unrouted.js';

/** What a channel may use besides its configuration. */
export interface ChannelDeps {
  logger: Logger;
  clock: Clock;
}

type ChannelFactory = (config: ChannelConfig, deps: ChannelDeps) => Channel;

export const CHANNEL_TYPES: Readonly<Partial<Record<ChannelConfig['type'], ChannelFactory>>> = {
  smpp: (config, deps) => new SmppChannel(config, deps),
};

/** A carrier with the configuration it was made from, which a reload compares. */
export interface ConfiguredCarrier extends Carrier {
  config: ChannelConfig;
}

/** The router of a configuration's carriers, beside the simulator unless `carriersOnly`. */
export function createChannels(configs: readonly ChannelConfig[], deps: ChannelDeps, carriersOnly = false): ChannelRouter<ConfiguredCarrier> {
  const carriers = configs.map((config) => carrier(config, deps));
  return carriersOnly ? new ChannelRouter(null, carriers, new UnroutedChannel(deps.logger)) : new ChannelRouter(new SimulatorChannel(), carriers);
}

/** What a reload changed, by channel name. */
export interface ChannelChanges {
  started: string[];
  restarted: string[];
  stopped: string[];
  unchanged: string[];
}

/**
 * Runs the carriers of a reloaded configuration: a channel whose configuration is unchanged (the
 * files it names included, so a renewed certificate counts as a change) keeps running untouched;
 * a changed one stops and starts again with the new configuration; new ones start, removed ones
 * stop (router.replace).
 */
export async function reloadChannels(router: ChannelRouter<ConfiguredCarrier>, configs: readonly ChannelConfig[], deps: ChannelDeps): Promise<ChannelChanges> {
  const running = new Map(router.carriers.map((c) => [c.config.name, c]));
  const changes: ChannelChanges = { started: [], restarted: [], stopped: [], unchanged: [] };
  const next = configs.map((config) => {
    const now = running.get(config.name);
    running.delete(config.name);
    if (now && isDeepStrictEqual(now.config, config)) {
      changes.unchanged.push(config.name);
      return now;
    }
    (now ? changes.restarted : changes.started).push(config.name);
    return carrier(config, deps);
  });
  changes.stopped.push(...running.keys());
  await router.replace(next);
  return changes;
}

function carrier(config: ChannelConfig, deps: ChannelDeps): ConfiguredCarrier {
  const create = CHANNEL_TYPES[config.type];
  if (!create) throw new Error(`channel "${config.name}": the ${config.type} channel type is not available in this build`);
  return { channel: create(config, deps), numbers: config.numbers, config };
}
