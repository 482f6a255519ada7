/**
 * GET /simulator/events: server-sent events for one account. Each event is a JSON line:
 *   event: message   data: {"message": <Message JSON>, "inbound_sid": "SM…" | null}
 *   event: turn      data: {"message_sid", "conversation_id", "error_code"}
 *   event: exchange  data: <webhook exchange record>
 *   event: alert     data: <alert record>
 *   event: conversation data: {"conversation_id"}
 * Optional filter `?Handset=+1555…` keeps message events of that handset only.
 */
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import type { RouteRequest } from '../route-table.js';
import { Params } from '../form.js';
import { messageJson } from '../representations/message.js';
import type { GatewayEvent } from '../../events/bus.js';

export function registerEventStream(ctx: RouteContext): void {
  ctx.routes.add('GET', '/simulator/events', async (req: RouteRequest, reply) => {
    const account = accountFor(req);
    const handset = Params.from(req.query).get('Handset');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const send = (name: string, data: unknown): void => {
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const unsubscribe = ctx.gateway.events.subscribe((event: GatewayEvent) => {
      const payload = eventPayload(event, account.sid, handset);
      if (payload) send(payload[0], payload[1]);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}

function eventPayload(event: GatewayEvent, accountSid: string, handset: string | undefined): [string, unknown] | null {
  switch (event.type) {
    case 'message': {
      const m = event.message;
      if (m.accountSid !== accountSid) return null;
      if (handset && m.from !== handset && m.to !== handset) return null;
      return ['message', { message: messageJson(m), inbound_sid: m.inboundSid }];
    }
    case 'turn':
      return event.accountSid === accountSid
        ? ['turn', { message_sid: event.messageSid, conversation_id: event.conversationId, error_code: event.errorCode }]
        : null;
    case 'exchange':
      return event.exchange.accountSid === accountSid ? ['exchange', event.exchange] : null;
    case 'alert':
      return event.alert.accountSid === accountSid ? ['alert', event.alert] : null;
    case 'conversation':
      return event.accountSid === accountSid ? ['conversation', { conversation_id: event.conversationId }] : null;
  }
}
