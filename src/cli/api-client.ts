/**
 * How CLI commands talk to a running Parley: over its HTTP API (`--url`, credentials from flags or
 * PARLEY_ACCOUNT_SID / PARLEY_AUTH_TOKEN), so they work against a local or a remote instance.
 */
import { request, type Dispatcher } from 'undici';

export interface Connection {
  url: string;
  accountSid: string;
  authToken: string;
  /** Optional connection pool (the test harness passes its own so `stop()` can close it). */
  dispatcher?: Dispatcher;
}

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code: number | null) {
    super(code ? `${message} (Twilio error ${code})` : message);
  }
}

export async function callApi<T>(conn: Connection, method: 'GET' | 'POST' | 'DELETE', path: string, form?: Array<[string, string]>): Promise<T> {
  const auth = 'Basic ' + Buffer.from(`${conn.accountSid}:${conn.authToken}`).toString('base64');
  let res;
  try {
    res = await request(new URL(path, conn.url), {
      method,
      headers: { authorization: auth, accept: 'application/json', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      ...(conn.dispatcher ? { dispatcher: conn.dispatcher } : {}),
      headersTimeout: 90_000,
      bodyTimeout: 90_000,
    });
  } catch (error) {
    throw new ApiError(`cannot reach Parley at ${conn.url}: ${error instanceof Error ? (error.message || error.name) : String(error)}`, 0, null);
  }
  const text = await res.body.text();
  if (res.statusCode === 204) return undefined as T;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(`Parley answered ${res.statusCode} with a body that is not JSON`, res.statusCode, null);
  }
  if (res.statusCode >= 400) {
    const body = (json ?? {}) as { message?: string; code?: number };
    if (body.code === 20003) {
      throw new ApiError(`authentication failed at ${conn.url}: check the account SID and auth token`, res.statusCode, 20003);
    }
    throw new ApiError(body.message ?? `HTTP ${res.statusCode}`, res.statusCode, typeof body.code === 'number' ? body.code : null);
  }
  return json as T;
}
