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
  return carriersOnly
    ? new ChannelRouter(null, carriers, new UnroutedChannel(deps.logger), deps.logger)
    : new ChannelRouter(new SimulatorChannel(), carriers, null, deps.logger);
}

/** What a reload changed, by channel name. */
export interface ChannelChanges {
  started: string[];
  /** Changed in what a running channel can take without reconnecting (Channel.adjust). */
  adjusted: string[];
  restarted: string[];
  stopped: string[];
  unchanged: string[];
}

/**
 * Runs the carriers of a reloaded configuration: a channel whose configuration is unchanged (the
 * files it names included, so a renewed certificate counts as a change) keeps running untouched;
 * a changed one takes the change while running when it can (Channel.adjust: a window, a number of
 * binds), else stops and starts again with the new configuration; new ones start, removed ones
 * stop (router.replace, which also routes the numbers anew).
 */
export async function reloadChannels(router: ChannelRouter<ConfiguredCarrier>, configs: readonly ChannelConfig[], deps: ChannelDeps): Promise<ChannelChanges> {
  const running = new Map(router.carriers.map((c) => [c.config.name, c]));
  const changes: ChannelChanges = { started: [], adjusted: [], restarted: [], stopped: [], unchanged: [] };
  const next: ConfiguredCarrier[] = [];
  for (const config of configs) {
    const now = running.get(config.name);
    running.delete(config.name);
    if (now && isDeepStrictEqual(now.config, config)) {
      changes.unchanged.push(config.name);
      next.push(now);
    } else if (now && await now.channel.adjust?.(config)) {
      changes.adjusted.push(config.name);
      next.push({ ...routing(config), channel: now.channel, config });
    } else {
      (now ? changes.restarted : changes.started).push(config.name);
      next.push(carrier(config, deps));
    }
  }
  changes.stopped.push(...running.keys());
  await router.replace(next);
  return changes;
}

/** What the router routes a carrier by. */
function routing(config: ChannelConfig): Omit<Carrier, 'channel'> {
  return { numbers: config.numbers, destinations: config.destinations, failover: config.failover, failoverAfterMs: config.failoverAfterMs };
}

function carrier(config: ChannelConfig, deps: ChannelDeps): ConfiguredCarrier {
  const create = CHANNEL_TYPES[config.type];
  if (!create) throw new Error(`channel "${config.name}": the ${config.type} channel type is not available in this build`);
  return { ...routing(config), channel: create(config, deps), config };
}
