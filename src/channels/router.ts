/**
 * Picks each outbound message's channel by its Parley number (the `From`) and its destination (the
 * `To`): a carrier channel that lists the number, else a carrier channel that lists `*`, else the
 * simulator, or, without one (`--carriers-only`), a channel that fails every message (unrouted.ts).
 * Among the channels that list the number (or `*`), the one with the longest of its `destinations`
 * that starts the `To` wins; a channel without `destinations` takes every destination the others
 * do not claim. A carrier with failovers hands its messages to them while it is not bound
 * (failover.ts). Inbound traffic needs no routing: each channel hands its own to the gateway.
 */
import type { MessageRecord } from '../stores/records.js';
import { withoutChannelPrefix } from '../phone/numbers.js';
import { ANY_NUMBER } from '../config/channels.js';
import type { Channel, ChannelHost, ChannelStatus, SendOptions, SendOutcome } from './channel.js';
import { Failover } from './failover.js';
import type { Logger } from '../logging/logger.js';

/**
 * A carrier channel with the numbers it carries and where to (the configuration file checked that
 * no number goes to one destination on two channels).
 */
export interface Carrier {
  channel: Channel;
  numbers: readonly string[];
  /** E.164 prefixes of the destinations it sends to; absent or empty: every destination. */
  destinations?: readonly string[];
  /** The names of the carriers that send its messages while it is not bound, in order of preference. */
  failover?: readonly string[];
  /** How long it may be not bound before they do (0, the default: at once). */
  failoverAfterMs?: number;
}

/** A channel for the destinations that start with `prefix` ('' for every one). */
interface Route {
  prefix: string;
  channel: Channel;
}

/** `C`: what the router's owner keeps with each carrier (the registry: its configuration). */
export class ChannelRouter<C extends Carrier = Carrier> {
  /** Each number's routes, longest prefix first; `*`'s in `catchAll`. */
  private byNumber = new Map<string, Route[]>();
  /** Each carrier with failovers: itself, then them (the candidates of its messages). */
  private candidates = new Map<Channel, readonly Channel[]>();
  /** Each carrier's `failover-after`, when it has one. */
  private graces = new Map<Channel, number>();
  private readonly failover: Failover;
  private catchAll: Route[] = [];
  private carrierList: readonly C[] = [];
  private host: ChannelHost | null = null;
  /** Stops under way, so that a channel a reload is stopping is waited for, not stopped twice, by `stop`. */
  private readonly stopping = new Map<Channel, Promise<void>>();
  private allChannels: readonly Channel[] = [];
  /** Messages each channel took (`send` resolved `sent`), by channel name, since start (metrics). */
  readonly sentCounts = new Map<string, number>();

  /** Where the numbers no carrier lists go: the simulator, or the channel that fails them. */
  private readonly fallback: Channel;

  /**
   * `simulator` null: no simulator (`--carriers-only`); numbers no carrier lists go to `unrouted`.
   * `logger` hears of messages moved to a failover.
   */
  constructor(readonly simulator: Channel | null, carriers: readonly C[], unrouted: Channel | null = null, logger: Logger | null = null) {
    this.failover = new Failover({
      candidatesOf: (message) => this.candidatesOf(message),
      graceOf: (channel) => this.graces.get(channel) ?? 0,
      countSent: (channel) => this.countSentOn(channel),
    }, logger);
    const fallback = simulator ?? unrouted;
    if (fallback === null) throw new Error('a router without the simulator needs a channel for the numbers no carrier lists');
    this.fallback = fallback;
    this.route(carriers);
  }

  /** Whether a channel carries this Parley number to `to` (the simulator carries every number no carrier lists). */
  carries(number: string, to: string): boolean {
    return this.simulator !== null || this.channelFor(number, to) !== this.fallback;
  }

  /** Whether a carrier lists this number (or `*`), to some destination. */
  lists(number: string): boolean {
    return this.byNumber.has(withoutChannelPrefix(number)) || this.catchAll.length > 0;
  }

  get carriers(): readonly C[] {
    return this.carrierList;
  }

  /** The simulator (if any), then every carrier channel. */
  get all(): readonly Channel[] {
    return this.allChannels;
  }

  /**
   * Puts `next` in place of the carriers now (a reloaded configuration). The carriers not in it stop
   * first: they finish the submits in flight and hand what they still hold back to the delivery,
   * which sends it again on whichever channel then carries its number; a message routed to them
   * meanwhile is handed back the same way. So a carrier that allows one bind per account never sees
   * two. Then the carriers new in `next` start, and messages go by `next`'s numbers.
   */
  async replace(next: readonly C[]): Promise<void> {
    const staying = new Set(next.map((c) => c.channel));
    const running = new Set(this.carrierList.map((c) => c.channel));
    const leaving = this.carrierList.filter((c) => !staying.has(c.channel));
    await Promise.allSettled(leaving.map((c) => this.stopChannel(c.channel)));
    const starting = next.filter((c) => !running.has(c.channel));
    const host = this.host;
    if (host === null) return; // stopped meanwhile: nothing starts
    await Promise.all(starting.map((c) => c.channel.start(host)));
    if (this.host === null) {
      // Stopped while these started: `stop` did not know them.
      await Promise.allSettled(starting.map((c) => c.channel.stop()));
      return;
    }
    this.route(next);
    for (const { channel } of leaving) this.stopping.delete(channel);
  }

  private route(carriers: readonly C[]): void {
    const byNumber = new Map<string, Route[]>();
    const catchAll: Route[] = [];
    for (const { channel, numbers, destinations = [] } of carriers) {
      const routes = (destinations.length > 0 ? destinations : ['']).map((prefix) => ({ prefix, channel }));
      for (const number of numbers) {
        if (number === ANY_NUMBER) catchAll.push(...routes);
        else byNumber.set(number, [...byNumber.get(number) ?? [], ...routes]);
      }
    }
    for (const routes of [catchAll, ...byNumber.values()]) routes.sort((a, b) => b.prefix.length - a.prefix.length);
    const byName = new Map(carriers.map((c) => [c.channel.name, c.channel]));
    const candidates = new Map<Channel, readonly Channel[]>();
    const graces = new Map<Channel, number>();
    for (const { channel, failover = [], failoverAfterMs = 0 } of carriers) {
      const others = failover.flatMap((name) => byName.get(name) ?? []);
      if (others.length > 0) candidates.set(channel, [channel, ...others]);
      if (failoverAfterMs > 0) graces.set(channel, failoverAfterMs);
    }
    this.byNumber = byNumber;
    this.catchAll = catchAll;
    this.candidates = candidates;
    this.graces = graces;
    this.carrierList = carriers;
    this.allChannels = [...(this.simulator ? [this.simulator] : []), ...carriers.map((c) => c.channel)];
  }

  /** The channel that carries messages from this Parley number to `to`. */
  channelFor(number: string, to: string): Channel {
    const destination = withoutChannelPrefix(to);
    const routes = this.byNumber.get(withoutChannelPrefix(number));
    return (routes && routeTo(routes, destination)) ?? routeTo(this.catchAll, destination) ?? this.fallback;
  }

  /** The message's fate now, when its channel can tell at once (the simulator); see `Channel.settleAtOnce`. */
  settleAtOnce(message: MessageRecord): ReturnType<NonNullable<Channel['settleAtOnce']>> {
    return this.channelFor(message.from, message.to).settleAtOnce?.(message) ?? null;
  }

  /** Counts a message settled at once (and committed) as sent on its channel. */
  countSent(message: MessageRecord): void {
    this.countSentOn(this.channelFor(message.from, message.to));
  }

  /** The channels a message may go on: its own (by its number), then that one's failovers. */
  private candidatesOf(message: MessageRecord): readonly Channel[] {
    const channel = this.channelFor(message.from, message.to);
    return this.candidates.get(channel) ?? [channel];
  }

  /** Messages of each carrier's numbers that one of its failovers took, by the carrier's name (metrics). */
  get failoverCounts(): ReadonlyMap<string, number> {
    return this.failover.counts;
  }

  async send(message: MessageRecord, options?: SendOptions): Promise<SendOutcome> {
    const channel = this.channelFor(message.from, message.to);
    if (this.candidates.has(channel)) return this.failover.send(message, options);
    const outcome = await channel.send(message, options);
    // Its channel gained failovers (a reload) and released it: it is on its way on another.
    if (outcome.kind === 'retry' && outcome.released) return this.failover.following(message.sid) ?? this.send(message);
    // Counted here, not from status events: a fast receipt can settle a message before its `sent` commits.
    if (outcome.kind === 'sent') this.countSentOn(channel);
    return outcome;
  }

  private countSentOn(channel: Channel): void {
    this.sentCounts.set(channel.name, (this.sentCounts.get(channel.name) ?? 0) + 1);
  }

  async start(host: ChannelHost): Promise<void> {
    this.host = host;
    await Promise.all(this.all.map((c) => c.start(host)));
    // Only the carriers that are some message's candidates, and none being stopped by a reload.
    this.failover.start(() => [...new Set([...this.candidates.values()].flat())].filter((c) => !this.stopping.has(c)));
  }

  /** Stops every channel (carriers unbind); one that fails to stop does not keep the others open. */
  async stop(): Promise<void> {
    this.host = null;
    this.failover.stop();
    await Promise.allSettled(this.all.map((c) => this.stopChannel(c)));
  }

  private stopChannel(channel: Channel): Promise<void> {
    let stopped = this.stopping.get(channel);
    if (!stopped) {
      stopped = channel.stop();
      this.stopping.set(channel, stopped);
    }
    return stopped;
  }

  statuses(): ChannelStatus[] {
    return this.all.map((c) => c.status());
  }
}

/** The channel of the first route (the longest prefix) that starts `destination`. */
function routeTo(routes: readonly Route[], destination: string): Channel | null {
  for (const route of routes) if (destination.startsWith(route.prefix)) return route.channel;
  return null;
}
