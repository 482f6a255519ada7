/**
 * GET /simulator/events: server-sent events for one account. Each event is a JSON line:
 *   event: message   data: {"message": <Message JSON>, "inbound_sid": "SM…" | null}
 *   event: turn      data: {"message_sid", "conversation_id", "error_code"}
 *   event: exchange  data: <webhook exchange record>
 *   event: alert     data: <alert record>
 *   event: conversation data: {"conversation_id"}
 * Optional filters: `?Handset=+1555…` keeps message events of that handset only;
 * `?Events=message,turn` keeps only the named event types (one of the five above; another name
 * answers 400, code 20001); `?Direction=` and `?Status=` keep only
 * message events whose message has one of the listed directions and statuses (comma-separated,
 * the message log's values: ./message-filters.ts). A client that waits for one status of one kind,
 * as the bench's load generator waits for a reply `delivered`, then is sent only that: a message
 * event skipped is never written as text (four a turn otherwise).
 * Events of one tick go out in one write, and a client that stops reading is disconnected once
 * it is 8 MB behind, so a slow reader never makes Parley's memory grow without bound.
 */
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import type { RouteRequest } from '../route-table.js';
import { Params } from '../form.js';
import { messageJsonText } from '../representations/message-text.js';
import { directionPasses, DIRECTIONS, someOf, STATUSES, type DirectionFilter } from './message-filters.js';
import type { GatewayEvent } from '../../events/bus.js';
import { STREAMED_EVENTS, type StreamedEvent } from '../../events/interest.js';
import type { MessageStatus } from '../../stores/records.js';
import type { ServerResponse } from 'node:http';

const MAX_BEHIND_BYTES = 8 * 1024 * 1024;

export function registerEventStream(ctx: RouteContext): void {
  // Open streams never end by themselves: close them when the server closes, or a shutdown would
  // wait for every console tab and `parley tail` to go away.
  const open = new Set<ServerResponse>();
  ctx.app.addHook('preClose', async () => {
    for (const res of open) res.end();
    open.clear();
  });
  ctx.routes.add('GET', '/simulator/events', async (req: RouteRequest, reply) => {
    const account = accountFor(req);
    const query = Params.from(req.query);
    // The event types a stream can carry. A name outside the list answers 400 rather than a stream
    // that stays silent forever over a typo.
    const wanted = someOf('Events', query.get('Events'), STREAMED_EVENTS);
    const shown: MessagesShown = {
      accountSid: account.sid,
      handset: query.get('Handset'),
      directions: someOf('Direction', query.get('Direction'), DIRECTIONS),
      statuses: someOf('Status', query.get('Status'), STATUSES),
    };
    // Other nodes relay what this stream shows before it begins (events/observers.ts): no event
    // emitted after the response began is missed, whichever node emits it.
    const release = await ctx.gateway.events.observe({ events: wanted ?? null, statuses: shown.statuses ?? null });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    open.add(res);
    let pending = '';
    const flush = (): void => {
      const chunk = pending;
      pending = '';
      if (res.destroyed) return;
      if (res.writableLength > MAX_BEHIND_BYTES) {
        res.destroy(); // the client is not reading: stop buffering for it
        return;
      }
      // As one Buffer: a string would be measured twice, for the chunk's size line and again by the
      // socket's write, before being encoded (bench/README.md, finding 94).
      res.write(Buffer.from(chunk));
    };
    const unsubscribe = ctx.gateway.events.subscribe((event: GatewayEvent) => {
      if (wanted && !wanted.has(event.type as StreamedEvent)) return;
      const payload = eventPayload(event, shown);
      if (!payload) return;
      if (pending === '') setImmediate(flush);
      pending += `event: ${payload[0]}\ndata: ${payload[1]}\n\n`;
    }, { everyNode: true }); // what happens on every node sharing the store, not only this one
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    const end = (): void => {
      open.delete(res);
      clearInterval(heartbeat);
      unsubscribe();
      release();
    };
    if (req.raw.destroyed) end(); // gone while the other nodes were told
    else req.raw.on('close', end);
  });
}

/** Which events one stream shows: its account's, and of message events those its filters pass. */
interface MessagesShown {
  accountSid: string;
  handset: string | undefined;
  directions: ReadonlySet<DirectionFilter> | undefined;
  statuses: ReadonlySet<MessageStatus> | undefined;
}

/** The event's name and its data line (JSON text), or null when this stream does not show it. */
function eventPayload(event: GatewayEvent, shown: MessagesShown): [string, string] | null {
  const { accountSid, handset } = shown;
  const json = (name: string, data: unknown): [string, string] => [name, JSON.stringify(data)];
  switch (event.type) {
    case 'message': {
      const m = event.message;
      if (m.accountSid !== accountSid) return null;
      if (handset && m.from !== handset && m.to !== handset) return null;
      if (shown.statuses && !shown.statuses.has(m.status)) return null;
      if (shown.directions && !directionPasses(m.direction, shown.directions)) return null;
      // The most frequent event (four per turn): its message is written as text directly (message-text.ts).
      return ['message', `{"message":${messageJsonText(m)},"inbound_sid":${m.inboundSid === null ? 'null' : `"${m.inboundSid}"`}}`];
    }
    case 'turn':
      return event.accountSid === accountSid
        ? json('turn', { message_sid: event.messageSid, conversation_id: event.conversationId, error_code: event.errorCode })
        : null;
    case 'exchange':
      return event.exchange.accountSid === accountSid ? json('exchange', event.exchange) : null;
    case 'alert':
      return event.alert.accountSid === accountSid ? json('alert', event.alert) : null;
    case 'conversation':
      return event.accountSid === accountSid ? json('conversation', { conversation_id: event.conversationId }) : null;
    case 'receipt-unmatched':
      return null; // belongs to no account: logs and metrics only
  }
}
