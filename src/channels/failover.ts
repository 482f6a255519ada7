/**
 * Failover between carrier channels (the `failover` key): a channel's messages go on the first of
 * it and its failovers that is bound, and the messages it holds while it is not bound move to one
 * that is. With `failover-after`, a channel keeps its messages through a shorter outage (a
 * reconnect), holding them as a channel without failovers does. Order per conversation holds
 * across channels:
 * - a conversation with a message still on a channel sends its next ones there too (that channel's
 *   queue keeps them in order), so a channel coming back takes only conversations that have
 *   nothing on another;
 * - a channel that is not bound is asked each second to release what a bound candidate could
 *   send (`Channel.release`); it hands each conversation's messages back from the front, and they
 *   are sent on, in that order, in the same tick, before any newer message can come between.
 * The promise `send` returned follows its message from channel to channel and resolves with the
 * outcome of the last.
 */
import type { MessageRecord } from '../stores/records.js';
import type { Logger } from '../logging/logger.js';
import type { Channel, SendOptions, SendOutcome } from './channel.js';

/** How often channels that are not bound are asked to release what a bound one could send. */
export const RELEASE_INTERVAL_MS = 1000;

/** A message on its way, and the channel that has it now. */
interface Ticket {
  message: MessageRecord;
  conversation: string;
  /** Null until first dispatched. */
  channel: Channel | null;
  outcome: Promise<SendOutcome>;
  resolve(outcome: SendOutcome): void;
}

/** What the failover asks of the router. */
export interface FailoverRoutes {
  /** The channels a message may go on as routed now (after a reload too): its own (by its number), then that one's failovers. */
  candidatesOf(message: MessageRecord): readonly Channel[];
  /** How long a channel may be not bound before its own messages go on its failovers (`failover-after`). */
  graceOf(channel: Channel): number;
  /** Counts a message a channel took (`sent`). */
  countSent(channel: Channel): void;
}

export class Failover {
  private readonly tickets = new Map<string, Ticket>();
  /** When each channel was first seen not bound, since it last was (monotonic ms). */
  private readonly notBoundSince = new Map<Channel, number>();
  /** Per conversation, the channels that hold some of its messages now, and how many. */
  private readonly held = new Map<string, Map<Channel, number>>();
  private timer: NodeJS.Timeout | null = null;
  /** Messages of each channel's numbers that another channel took (`sent`), by the first channel's name. */
  readonly counts = new Map<string, number>();

  /** `logger` hears of each move. */
  constructor(private readonly routes: FailoverRoutes, private readonly logger: Logger | null = null) {}

  private ticket(message: MessageRecord): Ticket {
    let resolve!: (outcome: SendOutcome) => void;
    const outcome = new Promise<SendOutcome>((r) => { resolve = r; });
    const ticket: Ticket = { message, conversation: `${message.accountSid} ${message.from} ${message.to}`, channel: null, outcome, resolve };
    this.tickets.set(message.sid, ticket);
    return ticket;
  }

  send(message: MessageRecord, options?: SendOptions): Promise<SendOutcome> {
    const ticket = this.ticket(message);
    this.dispatch(ticket, options);
    return ticket.outcome;
  }

  /**
   * The outcome of a message that `releaseHeld` took from a channel it had been given directly
   * (before a reload gave that channel failovers): the router waits for this instead.
   */
  following(sid: string): Promise<SendOutcome> | null {
    return this.tickets.get(sid)?.outcome ?? null;
  }

  /** Asks every channel of `channels` that is not bound to release what a bound candidate could send, and sends it there. */
  releaseHeld(channels: readonly Channel[]): void {
    const bound = new Set(channels.filter(isBound));
    for (const channel of channels) {
      if (bound.has(channel)) {
        this.notBoundSince.delete(channel);
        continue;
      }
      const keepsOwn = this.keeps(channel); // also starts its count, each second from the drop on
      if (!channel.release || channel.status().waiting === 0) continue;
      const released = channel.release((message) => {
        const candidates = this.routes.candidatesOf(message);
        return (candidates[0] !== channel || !keepsOwn) && candidates.some((c) => c !== channel && bound.has(c));
      });
      const moving = released.map((message) => {
        const known = this.tickets.get(message.sid);
        if (known) this.unhold(known); // first for every one, so none is sent back to `channel`
        return known ?? this.ticket(message);
      });
      // Parts may have been accepted before: the next channel reads them (no `firstHandover`).
      for (const ticket of moving) this.dispatch(ticket, undefined, channel);
      if (moving.length > 0) this.logMove(channel, moving);
    }
  }

  /** One line a move: the channel left, and how many messages went where. */
  private logMove(from: Channel, moving: readonly Ticket[]): void {
    const to: Record<string, number> = {};
    for (const { channel } of moving) if (channel) to[channel.name] = (to[channel.name] ?? 0) + 1;
    this.logger?.warn({ channel: from.name, moved: moving.length, to, reason: from.status().reason }, 'channel not bound: the messages it held went on its failover');
  }

  /** Starts asking each second (unref'd: it keeps no process alive). */
  start(channels: () => readonly Channel[]): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.releaseHeld(channels()), RELEASE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private dispatch(ticket: Ticket, options: SendOptions | undefined, leaving?: Channel): void {
    const channel = this.pick(ticket, leaving);
    ticket.channel = channel;
    this.hold(ticket);
    void channel.send(ticket.message, options).then((outcome) => this.settled(ticket, channel, outcome), () => this.settled(ticket, channel, { kind: 'retry', errorCode: 30008, retryAfterMs: 1000 }));
  }

  private settled(ticket: Ticket, channel: Channel, outcome: SendOutcome): void {
    // Released and already sent on elsewhere (releaseHeld): this outcome is the old channel's.
    if (ticket.channel !== channel) return;
    this.unhold(ticket);
    if (outcome.kind === 'retry' && outcome.released) {
      this.dispatch(ticket, undefined, channel); // released by someone else than releaseHeld: send it on all the same
      return;
    }
    this.tickets.delete(ticket.message.sid);
    if (outcome.kind === 'sent') {
      this.routes.countSent(channel);
      const first = this.routes.candidatesOf(ticket.message)[0]!;
      if (channel !== first) this.counts.set(first.name, (this.counts.get(first.name) ?? 0) + 1);
    }
    ticket.resolve(outcome);
  }

  /**
   * Where the message goes: where its conversation has messages now (a bound one of them first), else
   * its own channel while it keeps its messages (bound, or within `failover-after`), else the first
   * bound failover, else its own channel, which holds it until it binds or releases it. Never back
   * to `leaving`, the channel that released it.
   */
  private pick(ticket: Ticket, leaving?: Channel): Channel {
    const holding = [...(this.held.get(ticket.conversation)?.keys() ?? [])].filter((c) => c !== leaving);
    if (holding.length > 0) return holding.find(isBound) ?? holding[0]!;
    const all = this.routes.candidatesOf(ticket.message);
    const own = all[0]!;
    if (own !== leaving && this.keeps(own)) return own;
    const candidates = all.filter((c) => c !== leaving);
    return candidates.find(isBound) ?? candidates[0] ?? own;
  }

  /** Whether a channel keeps its own messages now: it is bound, or not bound for less than its `failover-after`. */
  private keeps(channel: Channel): boolean {
    if (isBound(channel)) {
      this.notBoundSince.delete(channel);
      return true;
    }
    const grace = this.routes.graceOf(channel);
    if (grace === 0) return false;
    const now = performance.now();
    let since = this.notBoundSince.get(channel);
    if (since === undefined) this.notBoundSince.set(channel, since = now);
    return now - since < grace;
  }

  private hold(ticket: Ticket): void {
    if (!ticket.channel) return;
    let holding = this.held.get(ticket.conversation);
    if (!holding) this.held.set(ticket.conversation, holding = new Map());
    holding.set(ticket.channel, (holding.get(ticket.channel) ?? 0) + 1);
  }

  private unhold(ticket: Ticket): void {
    if (!ticket.channel) return;
    const holding = this.held.get(ticket.conversation);
    if (!holding) return;
    const count = (holding.get(ticket.channel) ?? 0) - 1;
    if (count > 0) holding.set(ticket.channel, count);
    else holding.delete(ticket.channel);
    if (holding.size === 0) this.held.delete(ticket.conversation);
  }
}

function isBound(channel: Channel): boolean {
  return channel.status().state === 'bound';
}
