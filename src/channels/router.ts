/**
 * Picks each outbound message's channel by its Parley number (the `From`): a carrier channel that
 * lists the number, else the carrier channel that lists `*`, else the simulator. Inbound traffic
 * needs no routing: each channel hands its own to the gateway.
 */
import type { MessageRecord } from '../stores/records.js';
import { withoutChannelPrefix } from '../phone/numbers.js';
import { ANY_NUMBER } from '../config/channels.js';
import type { Channel, ChannelHost, ChannelStatus, SendOptions, SendOutcome } from './channel.js';

export class ChannelRouter {
  private readonly byNumber = new Map<string, Channel>();
  private readonly catchAll: Channel | null;
  readonly all: readonly Channel[];
  /** Messages each channel took (`send` resolved `sent`), by channel name, since start (metrics). */
  readonly sentCounts = new Map<string, number>();

  /** `carriers` with the numbers each carries (the configuration file checked they do not overlap). */
  constructor(readonly simulator: Channel, carriers: ReadonlyArray<{ channel: Channel; numbers: readonly string[] }>) {
    let catchAll: Channel | null = null;
    for (const { channel, numbers } of carriers) {
      for (const number of numbers) {
        if (number === ANY_NUMBER) catchAll = channel;
        else this.byNumber.set(number, channel);
      }
    }
    this.catchAll = catchAll;
    this.all = [simulator, ...carriers.map((c) => c.channel)];
  }

  /** The channel that carries this Parley number. */
  channelFor(number: string): Channel {
    const plain = withoutChannelPrefix(number);
    return this.byNumber.get(plain) ?? this.catchAll ?? this.simulator;
  }

  /** The message's fate now, when its channel can tell at once (the simulator); see `Channel.settleAtOnce`. */
  settleAtOnce(message: MessageRecord): ReturnType<NonNullable<Channel['settleAtOnce']>> {
    return this.channelFor(message.from).settleAtOnce?.(message) ?? null;
  }

  /** Counts a message settled at once (and committed) as sent on its channel. */
  countSent(message: MessageRecord): void {
    this.countSentOn(this.channelFor(message.from));
  }

  async send(message: MessageRecord, options?: SendOptions): Promise<SendOutcome> {
    const channel = this.channelFor(message.from);
    const outcome = await channel.send(message, options);
    // Counted here, not from status events: a fast receipt can settle a message before its `sent` commits.
    if (outcome.kind === 'sent') this.countSentOn(channel);
    return outcome;
  }

  private countSentOn(channel: Channel): void {
    this.sentCounts.set(channel.name, (this.sentCounts.get(channel.name) ?? 0) + 1);
  }

  async start(host: ChannelHost): Promise<void> {
    await Promise.all(this.all.map((c) => c.start(host)));
  }

  /** Stops every channel (carriers unbind); one that fails to stop does not keep the others open. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.all.map((c) => c.stop()));
  }

  statuses(): ChannelStatus[] {
    return this.all.map((c) => c.status());
  }
}
