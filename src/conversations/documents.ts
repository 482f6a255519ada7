/**
 * Fetches one TwiML document for a turn: one webhook exchange (plus any HTTP redirects it
 * answers with), with the conversation's cookies going out and its Set-Cookie headers coming
 * back into the jar, recorded as typed exchange records.
 */
import type { HttpMethod, WebhookExchange, ExchangePurpose } from '../stores/records.js';
import type { ConversationJar } from '../cookies/jar.js';
import { recordedResponse, type WebhookClient, type WebhookResult } from '../webhooks/client.js';
import { splitOverrides } from '../webhooks/overrides.js';
import { idempotencyToken } from '../webhooks/params.js';
import { newSid } from '../ids/sid.js';

export const MAX_HTTP_REDIRECTS = 10;

export interface DocumentRequest {
  purpose: ExchangePurpose;
  method: HttpMethod;
  /** As configured (may carry a `#ct=...` fragment). */
  url: string;
  params: Array<[string, string]>;
}

export interface FetchContext {
  client: WebhookClient;
  jar: ConversationJar;
  now: () => number;
  authToken: string;
  accountSid: string;
  messageSid: string;
  conversationId: string | null;
  /** Exchange numbering within the turn (for idempotency tokens and ordering). */
  nextSeq: () => number;
}

export interface FetchedDocument {
  /** The last exchange's result (after redirects). */
  result: WebhookResult;
  /** The URL the final document came from, for resolving relative <Redirect> URLs. */
  finalUrl: string;
  exchanges: WebhookExchange[];
  /** Set when following HTTP redirects failed (11215). */
  redirectError: 11215 | null;
}

export async function fetchDocument(ctx: FetchContext, doc: DocumentRequest): Promise<FetchedDocument> {
  const exchanges: WebhookExchange[] = [];
  let method = doc.method;
  let url = doc.url;
  for (let hop = 0; ; hop++) {
    const seq = ctx.nextSeq();
    const plainUrl = splitOverrides(url).url;
    const jarBefore = ctx.jar.view(ctx.now());
    const startedAt = ctx.now();
    const result = await ctx.client.send({
      method, configuredUrl: url, params: doc.params, authToken: ctx.authToken,
      idempotencyToken: idempotencyToken(ctx.messageSid, seq), cookie: safeCookieHeader(ctx, plainUrl),
    }, ctx.now);
    if (result.response) ctx.jar.setCookies(result.response.setCookies, result.request.url, ctx.now());
    exchanges.push(exchangeRecord(ctx, doc.purpose, seq, startedAt, result, jarBefore));
    const location = result.response?.location;
    const status = result.response?.status ?? 0;
    if (!location || ![301, 302, 303, 307, 308].includes(status)) {
      return { result, finalUrl: plainUrl, exchanges, redirectError: null };
    }
    if (hop + 1 >= MAX_HTTP_REDIRECTS) return { result, finalUrl: plainUrl, exchanges, redirectError: 11215 };
    url = new URL(location, plainUrl).toString();
    if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) method = 'GET';
  }
}

function safeCookieHeader(ctx: FetchContext, url: string): string | null {
  try {
    return ctx.jar.cookieHeader(url, ctx.now());
  } catch {
    return null; // not an http(s) URL: the client reports 11100
  }
}

function exchangeRecord(
  ctx: FetchContext, purpose: ExchangePurpose, seq: number, startedAt: number, r: WebhookResult,
  jarBefore: WebhookExchange['jarBefore'],
): WebhookExchange {
  return {
    sid: newSid('WX', startedAt),
    accountSid: ctx.accountSid,
    messageSid: ctx.messageSid,
    conversationId: ctx.conversationId,
    purpose,
    seq,
    startedAt,
    request: r.request,
    response: recordedResponse(r.response),
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    jarBefore,
    jarAfter: ctx.jar.view(ctx.now()),
    steps: [],
  };
}
