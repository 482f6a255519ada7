/**
 * The windows of a channel's transmitting binds: how many submit_sm each session has without a
 * response, and which bind the next one goes on. The window is per bind (what carriers set per
 * connection), so the next submit goes on the bound transmitter with the fewest in flight, below
 * the window; equal binds take turns, so that a light load spreads over them too.
 */
import type { SmppSession } from './session.js';

/** A bind that can submit (a transceiver or a transmitter): its session while it is bound. */
export interface Transmitter {
  readonly bound: SmppSession | null;
}

export class BindWindows {
  private readonly bySession = new Map<SmppSession, number>();
  private total = 0;
  /** Where the next search starts: past the transmitter used last. */
  private next = 0;

  constructor(private transmitters: readonly Transmitter[], private window: number) {}

  /** A reload's binds and window (SmppChannel.adjust); what is in flight stays counted on its session. */
  configure(transmitters: readonly Transmitter[], window: number): void {
    this.transmitters = transmitters;
    this.window = window;
    this.next = 0;
  }

  /** submit_sm without a response, on every bind. */
  get inFlight(): number {
    return this.total;
  }

  /** submit_sm without a response on one session. */
  inFlightOn(session: SmppSession): number {
    return this.bySession.get(session) ?? 0;
  }

  /** The transmitter the next submit goes on, or -1 when none is bound or every window is full. */
  roomiest(): number {
    const { transmitters } = this;
    let best = -1;
    let fewest = this.window;
    for (let i = 0; i < transmitters.length; i++) {
      const at = (this.next + i) % transmitters.length;
      const session = transmitters[at]!.bound;
      if (!session) continue;
      const inFlight = this.inFlightOn(session);
      if (inFlight < fewest) {
        best = at;
        fewest = inFlight;
      }
    }
    return best;
  }

  /** Counts a submit on the transmitter `roomiest` gave, and returns its session. */
  take(at: number): SmppSession {
    const session = this.transmitters[at]!.bound!;
    this.next = (at + 1) % this.transmitters.length;
    this.total++;
    this.bySession.set(session, this.inFlightOn(session) + 1);
    return session;
  }

  /** A submit on `session` got its response, or was given up (a timeout, the session's end). */
  done(session: SmppSession): void {
    this.total--;
    const left = this.inFlightOn(session) - 1;
    if (left > 0) this.bySession.set(session, left);
    else this.bySession.delete(session);
  }
}
