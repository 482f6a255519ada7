/**
 * How a request that failed is answered and logged: one rule for the framework's error handler
 * and for the hot path (./hot-path.ts), so a client and an operator cannot tell which one ran.
 */
import type { Logger } from '../logging/logger.js';
import { TwilioError } from '../errors/twilio-error.js';

/** What a log line says about the request, never a header. */
export interface RequestFacts {
  readonly reqId: string;
  readonly method: string;
  readonly url: string;
  /** The client's address (the proxy's X-Forwarded-For when trusted). */
  readonly ip: string | undefined;
}

export interface HttpLoggers {
  /** Warnings and errors of the HTTP layer. */
  readonly http: Logger;
  /** The gateway's own logger: a drain's refusals at info, caller mistakes at debug. */
  readonly gateway: Logger;
}

/** The Twilio error to answer with, logged at the level its kind deserves. */
export function refusalFor(error: unknown, request: RequestFacts, loggers: HttpLoggers): TwilioError {
  if (error instanceof TwilioError) {
    // Failed sign-ins at warn, with the client's address, never a header; a drain's refusals at
    // info; other caller mistakes only at debug.
    const line = { reqId: request.reqId, code: error.code, status: error.status, method: request.method, path: safePath(request.url), ip: request.ip };
    if (error.code === 20003 || error.code === 20005) loggers.http.warn(line, 'authentication failed');
    else if (error.code === 20503) loggers.gateway.info(line, 'refused: draining');
    else loggers.gateway.debug(line, 'request refused');
    return error;
  }
  const status = (error as { statusCode?: number } | null)?.statusCode;
  if (status && status >= 400 && status < 500) {
    return new TwilioError(20001, error instanceof Error ? error.message : 'Bad request', status);
  }
  loggers.http.error({ reqId: request.reqId, err: error, url: request.url.split('?')[0] }, 'internal error');
  return new TwilioError(20500, 'Internal Server Error');
}

/** The headers of an error answer besides its JSON type: a failed sign-in asks for credentials. */
export function refusalHeaders(error: TwilioError): Record<string, string> {
  return error.code === 20003 ? { 'www-authenticate': 'Basic realm="Twilio API"' } : {};
}

/** A request path fit to quote in an error: its query cut off, at most 200 characters. */
export function safePath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}
