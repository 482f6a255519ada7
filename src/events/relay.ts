/**
 * Live events on every node: this node's events go to the other nodes sharing the store (its
 * `cluster.broadcast`), and theirs come into this node's bus for the observers that asked for them
 * (event streams, long-polls). Events of one tick travel together, packed into as few payloads as
 * fit. A record too big to travel (a webhook exchange with a large body) goes as a reference that
 * the receiver reads from the store, and only when something on it is listening.
 *
 * Only what some other node's observers want is sent (`cluster.watchers()`, ./interest.ts), and
 * nothing is even encoded when no other node wants anything: on one node the relay was a sixth of a
 * turn's CPU and as much of PostgreSQL's, spent on payloads that came back only to itself, and with
 * several nodes and no stream open it was the same waste (bench/README.md, findings 121 and 122).
 * This node's observers declare their interest through the bus (`observe`, ./observers.ts), and the
 * other nodes relay it before the observer starts: a stream sees every event emitted after its
 * response began, on whichever node.
 *
 * Best effort by design: a node whose connection is down misses what is sent meanwhile. Nothing
 * that correctness depends on rides on it (turns, deliveries and callbacks are polled from the
 * store; the `?Wait=` long-poll also re-reads the store).
 */
import type { ClusterMembership, Store } from '../stores/store.js';
import type { AlertRecord, MessageRecord, WebhookExchange } from '../stores/records.js';
import type { EventBus, GatewayEvent } from './bus.js';
import { NOTHING, parseInterest, passes, unionOf, type Interest } from './interest.js';
import { Observers } from './observers.js';

/** Records up to this size travel whole; bigger ones as a reference. */
const INLINE_BYTES = 3000;

/** What a payload carries: events, or references to records to read back. */
type Wire =
  | GatewayEvent
  | { type: 'message-ref'; accountSid: string; sid: string }
  | { type: 'exchange-ref'; accountSid: string; messageSid: string; sid: string }
  | { type: 'alert-ref'; accountSid: string; sid: string };

function encode(event: GatewayEvent): string | null {
  if (event.type === 'receipt-unmatched') return null; // this node's logs and metrics only
  const whole = JSON.stringify(event);
  if (Buffer.byteLength(whole) <= INLINE_BYTES) return whole;
  let ref: Wire | null = null;
  if (event.type === 'message') ref = { type: 'message-ref', accountSid: event.message.accountSid, sid: event.message.sid };
  if (event.type === 'exchange') ref = { type: 'exchange-ref', accountSid: event.exchange.accountSid, messageSid: event.exchange.messageSid, sid: event.exchange.sid };
  if (event.type === 'alert') ref = { type: 'alert-ref', accountSid: event.alert.accountSid, sid: event.alert.sid };
  return ref ? JSON.stringify(ref) : null;
}

/** Parses a payload from another node: a JSON array of wire items; anything else is dropped. */
function decode(payload: string): Wire[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((item): item is Wire => typeof item === 'object' && item !== null && typeof (item as { type?: unknown }).type === 'string');
}

async function resolve(store: Store, item: Wire): Promise<GatewayEvent | null> {
  switch (item.type) {
    case 'message-ref': {
      const message: MessageRecord | null = await store.messages.get(item.accountSid, item.sid);
      return message ? { type: 'message', message } : null;
    }
    case 'exchange-ref': {
      const exchange: WebhookExchange | undefined = (await store.exchanges.listForMessage(item.accountSid, item.messageSid)).find((x) => x.sid === item.sid);
      return exchange ? { type: 'exchange', exchange } : null;
    }
    case 'alert-ref': {
      const alert: AlertRecord | null = await store.alerts.get(item.accountSid, item.sid);
      return alert ? { type: 'alert', alert } : null;
    }
    case 'message': case 'turn': case 'exchange': case 'alert': case 'conversation':
      return item;
    default:
      return null;
  }
}

/** Starts relaying; returns the function that stops it. */
export function relayEvents(bus: EventBus, cluster: ClusterMembership, store: Store, onError: (error: unknown) => void): () => void {
  const observers = new Observers((interest) => cluster.watch(interest));
  bus.useObservers(observers);
  // What the other nodes want, read again only when their list changed.
  let watchers: readonly string[] = [];
  let wanted: Interest = NOTHING;
  const wants = (event: GatewayEvent): boolean => {
    const now = cluster.watchers();
    if (now !== watchers) {
      watchers = now;
      wanted = now.length === 0 ? NOTHING : unionOf(now.map(parseInterest));
    }
    return passes(wanted, event);
  };
  let outgoing: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const items = outgoing;
    outgoing = [];
    let payload = '';
    let bytes = 2;
    for (const item of items) {
      const size = Buffer.byteLength(item) + 1;
      if (payload !== '' && bytes + size > cluster.maxPayloadBytes) {
        cluster.broadcast(`[${payload}]`);
        payload = '';
        bytes = 2;
      }
      payload = payload === '' ? item : `${payload},${item}`;
      bytes += size;
    }
    if (payload !== '') cluster.broadcast(`[${payload}]`);
  };
  const stopSending = bus.subscribe((event) => {
    if (!wants(event)) return;
    const item = encode(event);
    if (item === null) return;
    outgoing.push(item);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });

  // Incoming: in order, one payload after the other (a reference is read before what follows it).
  let chain: Promise<void> = Promise.resolve();
  const stopReceiving = cluster.onBroadcast((payload) => {
    if (!bus.hasEveryNodeListeners) return;
    chain = chain.then(async () => {
      for (const item of decode(payload)) {
        const event = await resolve(store, item);
        if (event) bus.emitFromOtherNode(event);
      }
    }).catch(onError);
  });
  return () => {
    stopSending();
    stopReceiving();
    observers.stop();
    bus.useObservers(null);
  };
}
