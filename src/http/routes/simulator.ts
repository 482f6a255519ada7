/**
 * The simulator: handsets that text Parley numbers, read their threads and watch events live.
 * Routes (all behind the account's Basic auth):
 *   POST /simulator/messages                       a handset texts a Parley number (201 + Message JSON)
 *   GET  /simulator/messages/{Sid}?Wait=15         that message's turn: status, replies, exchanges
 *   POST /simulator/handsets/{Handset}             `Reachable=false` switches the handset off: messages to it
 *                                                  end `undelivered` with 30003; `Reachable=true` back on
 *   GET  /simulator/handsets/{Handset}/messages    the handset's whole thread, oldest first
 *   GET  /simulator/conversations                  conversations with last activity and expiry
 *   GET  /simulator/conversations/{Number}/{Handset}        one conversation: its jar and timeline
 *   POST /simulator/conversations/{Number}/{Handset}/forget empties its cookie jar
 *   GET  /simulator/conversations/{Number}/{Handset}/test   the conversation as a test file (`Runner=node|vitest`)
 *   GET  /simulator/messages, /simulator/messages/{Sid}/details   the message log (./message-log.ts)
 *   GET  /simulator/events                         server-sent events (messages, turns, exchanges, alerts)
 *   GET|POST /simulator/clock                      development mode only: show or advance the clock
 */
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import type { RouteRequest } from '../route-table.js';
import { Params } from '../form.js';
import { TwilioError } from '../../errors/twilio-error.js';
import { isE164 } from '../../phone/numbers.js';
import { messageJson } from '../representations/message.js';
import { conversationId, type ConversationRecord, type MessageRecord } from '../../stores/records.js';
import { ConversationJar } from '../../cookies/jar.js';
import { parseDuration } from '../../config/duration.js';
import { registerEventStream } from './events.js';
import { registerMessageLogRoutes } from './message-log.js';
import { conversationTest } from '../../testing/conversation-test.js';
import { inboundWebhookFor } from '../../gateway/inbound-webhook.js';
import { HANDSET_MESSAGE_PATH, receiveHandsetMessage } from './handset-message.js';
import type { ApiServices } from '../../runtime/api-services.js';
import type { Interest } from '../../events/interest.js';

const MAX_WAIT_MS = 60_000;

export function registerSimulatorRoutes(ctx: RouteContext, api: ApiServices): void {
  const { gateway } = ctx;
  const { store } = gateway;

  ctx.routes.add('POST', HANDSET_MESSAGE_PATH, async (req: RouteRequest, reply) => {
    const text = await receiveHandsetMessage(gateway, accountFor(req).sid, Params.from(req.body));
    return reply.code(201).type('application/json; charset=utf-8').send(text);
  });

  ctx.routes.add('GET', '/simulator/messages/:Sid', async (req: RouteRequest) => {
    const account = accountFor(req);
    const sid = (req.params.Sid ?? '').replace(/\.json$/, '');
    const params = Params.from(req.query);
    const waitMs = Math.min(MAX_WAIT_MS, params.get('Wait') ? waitDuration(params.get('Wait')!) : 0);
    const message = await store.messages.get(account.sid, sid);
    if (!message) throw new TwilioError(20404, `The requested resource /simulator/messages/${sid} was not found`);
    if (message.direction === 'inbound' && waitMs > 0 && !(await store.turns.isDone(sid))) await turnDone(ctx, sid, waitMs);
    return turnView(ctx, account.sid, message);
  });

  ctx.routes.add('POST', '/simulator/handsets/:Handset', async (req: RouteRequest) => {
    const account = accountFor(req);
    gateway.assertSimulatesHandsets();
    const handset = req.params.Handset ?? '';
    if (!isE164(handset)) throw new TwilioError(21211, `The handset ${handset} is not a valid E.164 phone number.`);
    const value = Params.from(req.body).get('Reachable');
    if (value !== 'true' && value !== 'false') throw new TwilioError(20001, "Reachable must be 'true' or 'false'.");
    if (!gateway.setHandsetReachable(account.sid, handset, value === 'true')) {
      throw new TwilioError(20004, 'This channel has no simulated handsets.', 405);
    }
    return { handset, reachable: value === 'true' };
  });

  ctx.routes.add('GET', '/simulator/handsets/:Handset/messages', async (req: RouteRequest) => {
    const account = accountFor(req);
    const handset = req.params.Handset ?? '';
    const params = Params.from(req.query);
    const number = params.get('Number');
    const thread = await store.messages.thread(account.sid, handset, { limit: 1000, ...(number ? { number } : {}) });
    return { handset, messages: thread.map(messageJson) };
  });

  ctx.routes.add('GET', '/simulator/conversations', async (req: RouteRequest) => {
    const account = accountFor(req);
    const rows = await store.conversations.list(account.sid, 500);
    return { conversations: rows.map((c) => conversationJson(ctx, c)) };
  });

  ctx.routes.add('GET', '/simulator/conversations/:Number/:Handset', async (req: RouteRequest) => {
    const account = accountFor(req);
    const id = conversationId({ accountSid: account.sid, number: req.params.Number ?? '', handset: req.params.Handset ?? '' });
    const record = await store.conversations.get(id);
    if (!record) throw new TwilioError(20404, `No conversation between ${req.params.Number} and ${req.params.Handset}`);
    const exchanges = await store.exchanges.listForConversation(account.sid, id, 200);
    return { ...conversationJson(ctx, record), exchanges };
  });

  ctx.routes.add('POST', '/simulator/conversations/:Number/:Handset/forget', async (req: RouteRequest) => {
    const account = accountFor(req);
    const id = conversationId({ accountSid: account.sid, number: req.params.Number ?? '', handset: req.params.Handset ?? '' });
    const forgotten = await gateway.forgetCookies(account.sid, id);
    if (!forgotten) throw new TwilioError(20404, `No conversation between ${req.params.Number} and ${req.params.Handset}`);
    return { forgotten: true };
  });

  ctx.routes.add('GET', '/simulator/conversations/:Number/:Handset/test', async (req: RouteRequest, reply) => {
    const account = accountFor(req);
    const [number, handset] = [req.params.Number ?? '', req.params.Handset ?? ''];
    const runner = Params.from(req.query).get('Runner') ?? 'node';
    if (runner !== 'node' && runner !== 'vitest') throw new TwilioError(20001, "Runner must be 'node' or 'vitest'.");
    const messages = await store.messages.thread(account.sid, handset, { number, limit: 1000 });
    if (messages.length === 0) throw new TwilioError(20404, `No conversation between ${number} and ${handset}`);
    const webhook = (await inboundWebhookFor(store, account.sid, number)).number; // a Messaging Service's URL where it applies
    const text = conversationTest({
      number, handset, messages, sessionTtlMs: gateway.sessionTtlMs,
      smsUrl: webhook?.smsUrl || 'http://127.0.0.1:1337/sms', smsMethod: webhook?.smsMethod ?? 'POST',
    }, runner);
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(text);
  });

  ctx.routes.add('GET', '/simulator/clock', async (req: RouteRequest) => {
    accountFor(req);
    return clockJson(ctx);
  });

  ctx.routes.add('POST', '/simulator/clock', async (req: RouteRequest) => {
    accountFor(req);
    const clock = ctx.devClock;
    if (!clock) throw new TwilioError(20004, 'The clock can only be moved in development mode (parley serve --dev).', 403);
    const params = Params.from(req.body);
    const by = params.get('Advance');
    if (by !== undefined) {
      let ms: number;
      try {
        ms = parseDuration(by);
      } catch (error) {
        throw new TwilioError(20001, error instanceof Error ? error.message : String(error));
      }
      clock.advance(ms);
      await gateway.sweep();
      await api.outbound.sweep(); // scheduled messages that fell due go now, not at the next poll
    }
    return clockJson(ctx);
  });

  registerEventStream(ctx);
  registerMessageLogRoutes(ctx);
}

/**
 * Waits until the message's turn is done, or `waitMs`. The turn event is the fast path (from any
 * node that shares the store); the store is read again every second, because another node's
 * event may never arrive here (events between nodes are best effort).
 */
async function turnDone(ctx: RouteContext, sid: string, waitMs: number): Promise<void> {
  const { gateway } = ctx;
  const deadline = Date.now() + waitMs;
  const release = await gateway.events.observe(TURNS);
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      const seen = await gateway.events.waitFor((e) => e.type === 'turn' && e.messageSid === sid, Math.min(left, 1000), { everyNode: true })
        .then(() => true, () => false);
      if (seen || await gateway.store.turns.isDone(sid)) return;
    }
  } finally {
    release();
  }
}

/** What a long-poll wants from the other nodes: their turn events. */
const TURNS: Interest = { events: new Set(['turn']), statuses: null };

async function turnView(ctx: RouteContext, accountSid: string, read: MessageRecord): Promise<unknown> {
  const { store } = ctx.gateway;
  const inbound = read.direction === 'inbound';
  const done = inbound ? await store.turns.isDone(read.sid) : true;
  // Read again after `done`: a turn that committed since the first read recorded its outcome on the
  // message (with a database that other work commits to meanwhile, it can land between two reads).
  const message = inbound ? (await store.messages.get(accountSid, read.sid)) ?? read : read;
  const replies = inbound ? await store.messages.repliesOf(accountSid, message.sid) : [];
  const exchanges = inbound ? await store.exchanges.listForMessage(accountSid, message.sid) : [];
  return {
    message: messageJson(message),
    turn: { status: done ? 'done' : 'pending', error_code: message.errorCode, error_message: message.errorMessage },
    replies: replies.map(messageJson),
    exchanges,
  };
}

function conversationJson(ctx: RouteContext, c: ConversationRecord): Record<string, unknown> {
  const now = ctx.gateway.clock.now();
  const expiresAt = c.lastActivity + ctx.gateway.sessionTtlMs;
  const live = c.cookies !== null && expiresAt > now;
  return {
    id: c.id,
    number: c.number,
    handset: c.handset,
    last_activity: new Date(c.lastActivity).toISOString(),
    cookies_expire_at: new Date(expiresAt).toISOString(),
    seconds_until_expiry: live ? Math.ceil((expiresAt - now) / 1000) : 0,
    cookies: live ? ConversationJar.load(c.cookies).view(now) : [],
  };
}

function clockJson(ctx: RouteContext): Record<string, unknown> {
  const now = ctx.gateway.clock.now();
  return { now: new Date(now).toISOString(), manual: ctx.devClock !== null, offset_ms: now - Date.now() };
}

/** `Wait` as a duration; a malformed or non-positive one is bad input (20001), never a 500. */
function waitDuration(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    if (error instanceof RangeError) throw new TwilioError(20001, `Wait: ${error.message}`);
    throw error;
  }
}
