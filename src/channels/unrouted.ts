/**
 * Where a message goes when no channel carries its Parley number (to its destination) and Parley
 * runs without the simulator (`--carriers-only`): nowhere. It fails with 30008 and a warning
 * naming the number and the destination, so a number left out of every channel's `numbers` (or of
 * their `destinations`, or a channel removed by a reload) shows as an error instead of a message the
 * simulator would have called delivered. Never listed among the channels.
 */
import type { Channel, ChannelStatus, SendOutcome } from './channel.js';
import type { MessageRecord } from '../stores/records.js';
import type { Logger } from '../logging/logger.js';

export class UnroutedChannel implements Channel {
  readonly name = 'none';
  readonly type = 'none';

  constructor(private readonly logger: Logger) {}

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async send(message: MessageRecord): Promise<SendOutcome> {
    this.logger.warn({ messageSid: message.sid, from: message.from, to: message.to }, 'no channel carries this number to this destination (--carriers-only): the message fails with 30008');
    return { kind: 'failed', errorCode: 30008 };
  }

  status(): ChannelStatus {
    return { name: this.name, type: this.type, state: 'down', reason: 'no channel carries these numbers', since: 0, waiting: 0, inFlight: 0, numbers: [] };
  }
}
