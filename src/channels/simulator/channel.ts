/**
 * The simulator channel: handsets that live inside Parley. A message sent to a handset is in its
 * thread at once (the thread is read from the store), and a delivery receipt follows, so replies
 * move through queued, sent and delivered like on a real network. Inbound traffic comes from the
 * simulator's HTTP routes (POST /simulator/messages), which call `host.receive`.
 */
import type { Channel, ChannelHost, SendOutcome } from '../channel.js';
import type { MessageRecord } from '../../stores/records.js';

export class SimulatorChannel implements Channel {
  readonly name = 'simulator';
  private host: ChannelHost | null = null;
  private readonly receipts = new Set<Promise<void>>();

  async start(host: ChannelHost): Promise<void> {
    this.host = host;
  }

  async send(message: MessageRecord): Promise<SendOutcome> {
    const host = this.host;
    if (!host) return { kind: 'retry', errorCode: 30008, retryAfterMs: 1000 };
    // The handset "receives" it now; its receipt comes back on a later tick, as from a carrier.
    const receipt = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => host.report(message.sid, 'delivered'))
      .catch(() => undefined)
      .finally(() => this.receipts.delete(receipt));
    this.receipts.add(receipt);
    return { kind: 'sent' };
  }

  async stop(): Promise<void> {
    await Promise.all(this.receipts);
    this.host = null;
  }
}
