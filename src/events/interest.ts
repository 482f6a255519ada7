/**
 * What an observer (an event stream, a long-poll) wants to hear from the other nodes sharing the
 * store: some event types, and of message events some statuses. Nodes tell each other the union of
 * their observers' interests (./observers.ts), and a node relays only the events that some other
 * node's interest takes (./relay.ts): the bench's load generator, which waits for replies
 * `queued` and `delivered`, has two of a turn's seven events relayed, not all seven.
 *
 * On the wire an interest is a short text, the same for equal interests whatever their order:
 * `message,turn|queued,delivered`, with `*` for every type or every status. A text this build cannot
 * read (from a newer node) means everything: relaying too much is only slower, too little loses events.
 */
import type { MessageStatus } from '../stores/records.js';
import type { GatewayEvent } from './bus.js';

/** The event types an observer can hear from other nodes (a receipt that matched nothing stays local). */
export type StreamedEvent = Exclude<GatewayEvent['type'], 'receipt-unmatched'>;
export const STREAMED_EVENTS: readonly StreamedEvent[] = ['message', 'turn', 'exchange', 'alert', 'conversation'];

/** Null means every type, or every status. `statuses` only matters when `events` takes messages. */
export interface Interest {
  events: ReadonlySet<StreamedEvent> | null;
  statuses: ReadonlySet<MessageStatus> | null;
}

const EVERYTHING: Interest = { events: null, statuses: null };
export const NOTHING: Interest = { events: new Set(), statuses: new Set() };

const takesMessages = (i: Interest): boolean => i.events === null || i.events.has('message');

/** Whether an interest takes no event at all. */
function isNothing(i: Interest): boolean {
  return i.events !== null && i.events.size === 0;
}

/** Every event either takes. */
export function unionOf(interests: Iterable<Interest>): Interest {
  let events: Set<StreamedEvent> | null = new Set();
  let statuses: Set<MessageStatus> | null = new Set();
  for (const i of interests) {
    if (events !== null) {
      if (i.events === null) events = null;
      else for (const e of i.events) events.add(e);
    }
    // A status filter counts only where messages are wanted: a `turn` observer widens no status.
    if (statuses !== null && takesMessages(i)) {
      if (i.statuses === null) statuses = null;
      else for (const s of i.statuses) statuses.add(s);
    }
  }
  return { events, statuses };
}

/** Whether every event `wider` takes includes every event `narrower` takes. */
export function covers(wider: Interest, narrower: Interest): boolean {
  return interestText(unionOf([wider, narrower])) === interestText(wider);
}

export function passes(i: Interest, event: GatewayEvent): boolean {
  if (event.type === 'receipt-unmatched') return false;
  if (i.events !== null && !i.events.has(event.type)) return false;
  return event.type !== 'message' || i.statuses === null || i.statuses.has(event.message.status);
}

const listText = (values: ReadonlySet<string> | null): string => (values === null ? '*' : [...values].sort().join(','));

/** The interest's text on the wire (canonical: equal interests give equal texts); '' for nothing. */
export function interestText(i: Interest): string {
  if (isNothing(i)) return '';
  return `${listText(i.events)}|${takesMessages(i) ? listText(i.statuses) : ''}`;
}

/** Reads `interestText`'s output; anything else reads as everything. */
export function parseInterest(text: string): Interest {
  if (text === '') return NOTHING;
  const bar = text.indexOf('|');
  if (bar < 0) return EVERYTHING;
  const events = readList(text.slice(0, bar), STREAMED_EVENTS);
  const statuses = readList(text.slice(bar + 1), null);
  if (events === undefined || statuses === undefined) return EVERYTHING;
  return { events, statuses: statuses as ReadonlySet<MessageStatus> | null };
}

/** A list of names; null for `*`; undefined when a name is not one of `known` (a newer node's). */
function readList<T extends string>(text: string, known: readonly T[] | null): Set<T> | null | undefined {
  if (text === '*') return null;
  const names = text === '' ? [] : text.split(',');
  if (known !== null && names.some((n) => !(known as readonly string[]).includes(n))) return undefined;
  return new Set(names as T[]);
}
