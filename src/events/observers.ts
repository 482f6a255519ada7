/**
 * This node's observers of other nodes' events (event streams, long-polls), and what the other
 * nodes are told about them: the union of their interests (./interest.ts).
 *
 * An observer that wants more than the other nodes were told waits until they have all heard it
 * (`tell` resolves once each node alive has answered, or after a bound), so a stream whose response
 * has begun sees every event any node emits from then on. One that wants nothing new waits only
 * for the telling in progress, if any. When observers leave, the other nodes are told the narrower
 * union `lingerMs` later: long-polls come and go many times a second, and each widening costs a
 * round trip to every node.
 */
import { covers, interestText, NOTHING, unionOf, type Interest } from './interest.js';
import { settlesWithin } from '../clock/deadline.js';

/** Tells the other nodes what this node's observers want ('' for nothing); resolves once they heard it. */
export type Tell = (interest: string) => Promise<void>;

export class Observers {
  private readonly open = new Map<number, Interest>();
  private nextId = 0;
  /** What the other nodes were last told (or are being told). */
  private told: Interest = NOTHING;
  /** The last telling, in order after the ones before it. */
  private telling: Promise<void> = Promise.resolve();
  private narrowing: NodeJS.Timeout | null = null;

  /** `maxWaitMs`: the longest an observer waits for the telling (a database that does not answer must not hold a stream). */
  constructor(private readonly tell: Tell, private readonly lingerMs = 30_000, private readonly maxWaitMs = 5000) {}

  /** Registers an observer; resolves, once other nodes will relay what it wants, with its release. */
  async observe(interest: Interest): Promise<() => void> {
    const id = this.nextId++;
    this.open.set(id, interest);
    if (!covers(this.told, interest)) this.announce(unionOf([this.told, interest]));
    await settlesWithin(this.telling, this.maxWaitMs);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open.delete(id);
      this.narrowLater();
    };
  }

  /** Stops the narrowing timer (the gateway is stopping; its row goes with it). */
  stop(): void {
    if (this.narrowing) clearTimeout(this.narrowing);
    this.narrowing = null;
  }

  private announce(interest: Interest): void {
    this.told = interest;
    const text = interestText(interest);
    this.telling = this.telling.then(() => this.tell(text)).catch(() => undefined);
  }

  private narrowLater(): void {
    if (this.narrowing) return;
    this.narrowing = setTimeout(() => {
      this.narrowing = null;
      const wanted = unionOf(this.open.values());
      if (interestText(wanted) === interestText(this.told)) return;
      this.announce(wanted);
    }, this.lingerMs);
    this.narrowing.unref();
  }
}
