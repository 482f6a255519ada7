/**
 * The simulator channel: handsets that live inside Parley. A message sent to a handset is in its
 * thread at once (the thread is read from the store), and a delivery receipt follows, so replies
 * move through queued, sent and delivered like on a real network. Inbound traffic comes from the
 * simulator's HTTP routes (POST /simulator/messages), which call `host.receive`.
 * A handset marked unreachable (POST /simulator/handsets/{Handset} Reachable=false) gets nothing:
 * its messages are sent and then reported `undelivered` with 30003, as a carrier reports a phone
 * that is off or out of coverage.
 */
import type { Channel, ChannelHost, ChannelStatus, SendOutcome } from '../channel.js';
import type { MessageRecord } from '../../stores/records.js';
import { withoutChannelPrefix } from '../../phone/numbers.js';

/** The simulator's channel name: where a simulated handset's messages come from (metrics, logs). */
export const SIMULATOR_CHANNEL = 'simulator';

export class SimulatorChannel implements Channel {
  readonly name = SIMULATOR_CHANNEL;
  readonly type = 'simulator';
  private host: ChannelHost | null = null;
  private readonly startedAt = Date.now();
  private readonly receipts = new Set<Promise<void>>();
  /** `${accountSid}:${handset}` of handsets that are switched off. */
  private readonly unreachable = new Set<string>();

  setHandsetReachable(accountSid: string, handset: string, reachable: boolean): void {
    if (reachable) this.unreachable.delete(`${accountSid}:${handset}`);
    else this.unreachable.add(`${accountSid}:${handset}`);
  }

  async start(host: ChannelHost): Promise<void> {
    this.host = host;
  }

  /** The simulator's network is in-process: a handset gets the message at once, or is switched off. */
  settleAtOnce(message: MessageRecord): { status: 'delivered' } | { status: 'undelivered'; errorCode: number } {
    const reachable = !this.unreachable.has(`${message.accountSid}:${withoutChannelPrefix(message.to)}`);
    return reachable ? { status: 'delivered' } : { status: 'undelivered', errorCode: 30003 };
  }

  async send(message: MessageRecord): Promise<SendOutcome> {
    const host = this.host;
    if (!host) return { kind: 'retry', errorCode: 30008, retryAfterMs: 1000 };
    const handset = withoutChannelPrefix(message.to);
    const reachable = !this.unreachable.has(`${message.accountSid}:${handset}`);
    // The handset "receives" it now; its receipt comes back on a later tick, as from a carrier.
    const receipt = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => (reachable ? host.report(message, 'delivered') : host.report(message, 'undelivered', 30003)))
      .catch(() => undefined)
      .finally(() => this.receipts.delete(receipt));
    this.receipts.add(receipt);
    return { kind: 'sent' };
  }

  /** Always bound: its handsets live in Parley. It carries every number no carrier channel lists. */
  status(): ChannelStatus {
    return { name: this.name, type: this.type, state: 'bound', reason: null, since: this.startedAt, waiting: 0, inFlight: this.receipts.size, numbers: [] };
  }

  async stop(): Promise<void> {
    await Promise.all(this.receipts);
    this.host = null;
  }
}
