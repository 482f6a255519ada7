/**
 * Sends one webhook request the way Twilio does and classifies the outcome with Twilio's codes.
 *
 * Budget (error 11205/11200 docs): connect 5 s per attempt, one retry on connect failure only,
 * 15 s in all; overridable per URL with a `#ct=..&rt=..&tt=..&rc=..&rp=..` fragment. Pooled
 * keep-alive connections, not global fetch, keep this path cheap (performance notes, lesson 3):
 * for `http:` URLs an exchange of our own on node:net (plain-http.ts, bench/README.md finding 61),
 * for `https:` undici's agent through `dispatch` with a handler of our own (response-reader.ts).
 */
import { Agent, errors as undiciErrors } from 'undici';
import type { ExchangeRequest, HttpMethod, WebhookExchange } from '../stores/records.js';
import { recordedSignedString, sign, type FormParams } from './signature.js';
import { splitOverrides, type ConnectionPolicy } from './overrides.js';
import { maskUrlCredentials } from './redact.js';
import { guardedLookup, isPrivateAddress, PrivateAddressError } from './address-guard.js';
import { ResponseReader, type ReadOutcome } from './response-reader.js';
import { PlainHttpPool } from './plain-http.js';
import { markSent } from './sent-form.js';

export const USER_AGENT = 'TwilioProxy/1.1';
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookRequest {
  method: HttpMethod;
  /** As configured: may carry a connection-override fragment. */
  configuredUrl: string;
  params: FormParams;
  authToken: string;
  idempotencyToken: string;
  cookie: string | null;
}

export type SentRequest = ExchangeRequest;

export interface ReceivedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** True when the body was larger than 64 kB (error 11750); `body` then holds the first 64 kB. */
  tooLarge: boolean;
  setCookies: string[];
  contentType: string | undefined;
  location: string | undefined;
  durationMs: number;
}

/** What an exchange record keeps of a response (not the cookies or flags used while running). */
export function recordedResponse(r: ReceivedResponse | null): WebhookExchange['response'] {
  return r && { status: r.status, headers: r.headers, body: r.body, durationMs: r.durationMs };
}

export interface WebhookResult {
  request: SentRequest;
  response: ReceivedResponse | null;
  /** Set when no usable HTTP response came back (11200, 11205, 11206, 11210, 11100). */
  errorCode: 11100 | 11200 | 11205 | 11206 | 11210 | null;
  errorMessage: string | null;
  attempts: number;
}

export class WebhookClient {
  private readonly agents = new Map<number, Agent>();
  private plain: PlainHttpPool | null = null;

  /** `blockPrivateAddresses`: the opt-in guard for shared deployments (see address-guard.ts). */
  constructor(private readonly options: { connections?: number; blockPrivateAddresses?: boolean } = {}) {}

  async send(req: WebhookRequest, now: () => number = Date.now): Promise<WebhookResult> {
    const { url: baseUrl, policy } = splitOverrides(req.configuredUrl);
    // Copied by push, not map: map's result is a holey array, which JSON.stringify (the stored
    // exchange record) walks element by element through its slow path (bench/README.md, finding 64).
    const params: Array<[string, string]> = [];
    for (const [k, v] of req.params) params.push([k, v]);
    const form = new URLSearchParams(params).toString();
    const url = req.method === 'GET' ? baseUrl + (form ? (baseUrl.includes('?') ? '&' : '?') + form : '') : baseUrl;
    // Credentials in the URL go out as Basic auth and are not part of the signed URL (Twilio docs).
    const signUrl = url.replace(/^(https?:\/\/)[^@/?#]*@/i, '$1');
    // The same rule a read uses to derive it again from a record (stores/exchange-text.ts).
    const toSign = recordedSignedString({ method: req.method, url: signUrl, params });
    const signature = sign(req.authToken, toSign);
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      accept: '*/*',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': req.idempotencyToken,
      'x-home-region': 'us1',
    };
    if (req.method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded';
    if (req.cookie) headers.cookie = req.cookie;
    // Kept in exchanges and alerts: URL credentials are masked there (they go out as Basic auth only).
    const request: SentRequest = { method: req.method, url: maskUrlCredentials(url), headers, params, signedString: toSign, signature };
    markSent(request, form, request.url === signUrl); // the signed string can be derived again unless credentials were masked

    let target: URL;
    try {
      target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new TypeError('not http');
    } catch {
      return { request, response: null, errorCode: 11100, errorMessage: `Invalid URL format: ${request.url}`, attempts: 0 };
    }
    // What to connect to: the URL's host without an IPv6 literal's brackets. An IP literal is never
    // looked up, so the guard checks it here; names are checked after DNS.
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (this.options.blockPrivateAddresses && isPrivateAddress(host)) {
      const error = new PrivateAddressError(target.hostname, host);
      return { request, response: null, errorCode: 11205, errorMessage: `HTTP connection failure: ${error.message}`, attempts: 0 };
    }

    // Credentials in the URL go out as Basic auth (they are masked in what is recorded).
    const sent = target.username ? { ...headers, authorization: basicFromUrl(target) } : headers;
    const started = now();
    const deadline = Date.now() + policy.totalTimeoutMs;
    let attempts = 0;
    let last: Omit<WebhookResult, 'request' | 'attempts'> = { response: null, errorCode: 11200, errorMessage: 'no attempt made' };
    while (attempts <= policy.retryCount && Date.now() < deadline) {
      attempts++;
      last = await this.attempt(target, host, req.method, sent, req.method === 'POST' ? form : undefined, policy, deadline, started, now);
      const retryKind = classifyForRetry(last);
      if (!retryKind || !policy.retryOn.has(retryKind)) break;
    }
    return { request, attempts, ...last };
  }

  private async attempt(
    target: URL, host: string, method: HttpMethod, headers: Record<string, string>, body: string | undefined,
    policy: ConnectionPolicy, deadline: number, started: number, now: () => number,
  ): Promise<Omit<WebhookResult, 'request' | 'attempts'>> {
    const remaining = Math.max(1, deadline - Date.now());
    const outcome = await new Promise<ReadOutcome>((resolve) => {
      if (target.protocol === 'http:') {
        this.plain ??= new PlainHttpPool({
          connections: this.options.connections ?? 128,
          keepAliveMs: 4000,
          ...(this.options.blockPrivateAddresses ? { lookup: guardedLookup } : {}),
        });
        this.plain.request({
          host,
          port: Number(target.port || 80),
          hostHeader: target.host,
          method,
          path: target.pathname + target.search,
          headers,
          body,
          connectTimeoutMs: policy.connectTimeoutMs,
          readTimeoutMs: Math.min(policy.readTimeoutMs, remaining),
          timeoutMs: remaining,
          limit: MAX_RESPONSE_BYTES,
        }, resolve);
        return;
      }
      const reader = new ResponseReader(MAX_RESPONSE_BYTES, remaining, resolve);
      this.agent(policy.connectTimeoutMs).dispatch({
        origin: target.origin,
        path: target.pathname + target.search,
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        headersTimeout: Math.min(policy.readTimeoutMs, remaining),
        bodyTimeout: Math.min(policy.readTimeoutMs, remaining),
      }, reader);
    });
    if ('error' in outcome) return { response: null, ...classifyError(outcome.error, remaining) };
    const { status, headers: responseHeaders, body: text, tooLarge } = outcome.response;
    const setCookie = responseHeaders['set-cookie'];
    const response: ReceivedResponse = {
      status,
      headers: responseHeaders,
      body: text,
      tooLarge,
      setCookies: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie],
      contentType: single(responseHeaders['content-type']),
      location: single(responseHeaders.location),
      durationMs: now() - started,
    };
    return { response, errorCode: null, errorMessage: null };
  }

  private agent(connectTimeoutMs: number): Agent {
    let agent = this.agents.get(connectTimeoutMs);
    if (!agent) {
      agent = new Agent({
        connections: this.options.connections ?? 128,
        connect: { timeout: connectTimeoutMs, ...(this.options.blockPrivateAddresses ? { lookup: guardedLookup } : {}) },
        keepAliveTimeout: 4000,
      });
      this.agents.set(connectTimeoutMs, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    this.plain?.close();
    await Promise.all([...this.agents.values()].map((a) => a.close().catch(() => a.destroy())));
    this.agents.clear();
  }

  /** Aborts the requests in flight and closes every socket (a shutdown that ran out of time). */
  async destroy(): Promise<void> {
    this.plain?.destroy();
    await Promise.all([...this.agents.values()].map((a) => a.destroy().catch(() => undefined)));
    this.agents.clear();
  }
}

function classifyForRetry(r: Omit<WebhookResult, 'request' | 'attempts'>): 'ct' | 'rt' | '4xx' | '5xx' | null {
  if (r.errorCode === 11205) return 'ct';
  if (r.errorCode === 11200 && !r.response) return 'rt';
  if (r.response && r.response.status >= 500) return '5xx';
  if (r.response && r.response.status >= 400) return '4xx';
  return null;
}

function classifyError(error: unknown, remainingMs: number): { errorCode: 11200 | 11205 | 11206 | 11210; errorMessage: string } {
  const code = (error as { code?: string } | null)?.code ?? '';
  const cause = (error as { cause?: { code?: string } } | null)?.cause?.code ?? '';
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'EPRIVATEADDR' || cause === 'EPRIVATEADDR' || code === 'ECONNREFUSED' || cause === 'ECONNREFUSED' || code === 'EHOSTUNREACH') {
    return { errorCode: 11205, errorMessage: `HTTP connection failure: ${text}` };
  }
  if (code === 'ENOTFOUND' || cause === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { errorCode: 11210, errorMessage: `HTTP bad host name: ${text}` };
  }
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError
    || (error as { name?: string }).name === 'TimeoutError' || (error as { name?: string }).name === 'AbortError') {
    return { errorCode: 11200, errorMessage: `HTTP retrieval failure: no complete response within ${Math.round(remainingMs)} ms` };
  }
  if (code.startsWith('HPE_') || error instanceof undiciErrors.HTTPParserError || code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return { errorCode: 11206, errorMessage: `HTTP protocol violation: ${text}` };
  }
  return { errorCode: 11200, errorMessage: `HTTP retrieval failure: ${text}` };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function basicFromUrl(u: URL): string {
  return 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
}
