/**
 * One conversation turn as the load generator drives it: a simulated handset texts a Parley number
 * (`POST /simulator/messages`, answered 201 once the message is committed), and the turn is
 * complete when the reply reaches `delivered` on the live event stream. Latency runs from the 201
 * to that event. A handset never has two turns in flight, as a person waits for the answer.
 */
import { LatencyRecorder } from './latency.js';
import { openDeliveryStream, type EventStream } from './sse.js';
import type { Operation } from './load.js';
import type { RunningGateway } from './gateway.js';

export interface LoopDriver {
  op: Operation;
  /** 201 round trips (post to commit-and-acknowledge), in ms. */
  acks: LatencyRecorder;
  /** The loop latency split in two: 201 to the reply stored (webhook, TwiML, commit) ... */
  toReplyStored: LatencyRecorder;
  /** ... and the reply stored to delivered (hand-over to the channel, status commits). */
  storedToDelivered: LatencyRecorder;
  /** Loop latency per inbound sid, while `keepSids` is set (to match with the app's own times). */
  latencyBySid: Map<string, number>;
  keepSids: boolean;
  /** Deliveries seen before the 201 that announced their message was read. */
  early(): number;
  /** Loops completed since the driver opened, warm-up included. */
  completed(): number;
  /** Switches the handsets that later turns use. */
  useHandsets(handsets: readonly number[]): void;
  events(): number;
  close(): void;
}

export interface LoopOptions {
  /** Handsets to use, as indexes; handset h texts `numbers[h % numbers.length]`. */
  handsets: readonly number[];
  handsetNumber: (h: number) => string;
  numbers: readonly string[];
  /** A loop that has not completed after this long is counted as failed. */
  timeoutMs: number;
}

interface Waiter {
  t201: number;
  storedAt: number | null;
  resolve: (ms: number) => void;
  timer: NodeJS.Timeout;
}

const SID = /"sid"\s*:\s*"(SM[0-9a-f]{32})"/;

/**
 * The stream's filters: only the two events a loop's timing reads (the reply stored, the reply
 * delivered), as a client waiting for replies would ask. The gateway then writes two message events
 * a turn instead of four (bench/README.md, finding 117). A gateway older than those filters ignores
 * them and sends all four, which `openDeliveryStream` tells apart itself.
 */
const DELIVERY_EVENTS = 'Events=message&Direction=outbound-reply&Status=queued,delivered';

/**
 * `gw` streams the events; turns are posted to `targets` in turn (several nodes of one gateway;
 * by default `gw` alone). Events of every node reach a node's stream, so one stream sees them all.
 */
export async function loopDriver(gw: RunningGateway, options: LoopOptions, targets: readonly RunningGateway[] = [gw]): Promise<LoopDriver> {
  const waiting = new Map<string, Waiter>();
  const deliveredEarly = new Map<string, number>();
  const storedEarly = new Map<string, number>();
  let earlyCount = 0;
  let completedCount = 0;
  const stream: EventStream = await openDeliveryStream(
    `${gw.origin}/simulator/events?${DELIVERY_EVENTS}`, { authorization: gw.authHeader },
    ({ inboundSid, status, at }) => {
      const w = waiting.get(inboundSid);
      // The 201 and the events travel on different connections; an event can be read first.
      if (status === 'queued') {
        if (w) w.storedAt = at;
        else storedEarly.set(inboundSid, at);
        return;
      }
      if (w) {
        waiting.delete(inboundSid);
        clearTimeout(w.timer);
        if (w.storedAt !== null) {
          driver.toReplyStored.record(Math.max(0, w.storedAt - w.t201));
          driver.storedToDelivered.record(at - w.storedAt);
        }
        w.resolve(at - w.t201);
      } else {
        deliveredEarly.set(inboundSid, at);
      }
    },
  );

  const busy = new Set<number>();
  let cursor = 0;
  let handsets = options.handsets;
  const nextHandset = (): number => {
    for (let tries = 0; tries < handsets.length; tries++) {
      const h = handsets[cursor++ % handsets.length]!;
      if (!busy.has(h)) return h;
    }
    throw new Error('every handset has a turn in flight: use more handsets than concurrency');
  };

  const headers = { authorization: gw.authHeader, 'content-type': 'application/x-www-form-urlencoded' };
  const driver: LoopDriver = {
    acks: new LatencyRecorder(),
    toReplyStored: new LatencyRecorder(),
    storedToDelivered: new LatencyRecorder(),
    latencyBySid: new Map(),
    keepSids: false,
    early: () => earlyCount,
    completed: () => completedCount,
    useHandsets: (list) => {
      handsets = list;
      cursor = 0;
    },
    events: () => stream.events(),
    close: () => stream.close(),
    op: async (i) => {
      const h = nextHandset();
      busy.add(h);
      try {
        const body = `From=${encodeURIComponent(options.handsetNumber(h))}&To=${encodeURIComponent(
          options.numbers[h % options.numbers.length]!)}&Body=hello+${i}`;
        const t0 = performance.now();
        const res = await targets[i % targets.length]!.pool.request({ path: '/simulator/messages', method: 'POST', headers, body });
        const text = await res.body.text();
        const t201 = performance.now();
        if (res.statusCode !== 201) throw new Error(`simulator answered ${res.statusCode}: ${text.slice(0, 200)}`);
        driver.acks.record(t201 - t0);
        const sid = text.match(SID)?.[1];
        if (!sid) throw new Error(`no message sid in ${text.slice(0, 200)}`);
        const early = deliveredEarly.get(sid);
        const storedAt = storedEarly.get(sid) ?? null;
        storedEarly.delete(sid);
        let ms: number;
        if (early !== undefined) {
          deliveredEarly.delete(sid);
          earlyCount++;
          ms = 0;
        } else {
          ms = await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(() => {
              waiting.delete(sid);
              reject(new Error(`no delivered reply for ${sid} within ${options.timeoutMs} ms`));
            }, options.timeoutMs);
            waiting.set(sid, { t201, storedAt, resolve, timer });
          });
        }
        completedCount++;
        if (driver.keepSids) driver.latencyBySid.set(sid, ms);
        return ms;
      } finally {
        busy.delete(h);
      }
    },
  };
  return driver;
}
