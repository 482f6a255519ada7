/**
 * The HTTP face of Parley (fastify): the Twilio-compatible REST API, the simulator, the Monitor
 * alerts and the health check, on one port. Every error answers Twilio's JSON shape.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import type { Gateway } from '../gateway/gateway.js';
import type { AccountRecord } from '../stores/records.js';
import type { ManualClock } from '../clock/clock.js';
import type { Logger } from '../logging/logger.js';
import { TwilioError } from '../errors/twilio-error.js';
import { authenticateFor } from './auth.js';
import { registerNumberRoutes } from './routes/numbers.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerSimulatorRoutes } from './routes/simulator.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { RouteTable } from './route-table.js';
import { registerMessageWriteRoutes } from './routes/message-writes.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerMessagingServiceRoutes } from './routes/messaging-services.js';
import { startApiServices } from '../runtime/api-services.js';
import type { RetryPolicy } from '../webhooks/status-callbacks.js';
import { registerConsole } from '../console/index.js';
import { registerChannelRoutes } from './routes/channels.js';
import { registerOperationRoutes } from './routes/operations.js';
import type { ParleyMetrics } from '../metrics/metrics.js';
import type { StatusHistory } from '../metrics/history.js';

declare module 'fastify' {
  interface FastifyRequest {
    account: AccountRecord | null;
  }
}

export interface HttpOptions {
  gateway: Gateway;
  logger: Logger;
  /** Set in development mode: the clock `POST /simulator/clock` may advance. */
  devClock: ManualClock | null;
  /** Host names (besides localhost and IP literals) that browsers may use: the console's DNS-rebinding check. */
  hosts?: readonly string[] | undefined;
  /** Overrides the status-callback retry policy (tests shorten it). */
  statusCallbackRetry?: Partial<RetryPolicy> | undefined;
  /** Reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (addresses, CIDRs, `loopback`); none by default. */
  trustProxy?: readonly string[] | undefined;
  /** Readiness, metrics and the status page (routes/operations.ts). */
  operations: { metrics: ParleyMetrics; history: StatusHistory; defaultAccountSid: string };
}

export interface RouteContext extends HttpOptions {
  routes: RouteTable;
  /** The server itself, for lifecycle hooks (closing long-lived streams on shutdown). */
  app: FastifyInstance;
}

/** A client has this long to send its request headers, and this long for the whole request. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

/** Builds the server; call `listen` on the result. */
export async function createHttpServer(options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Request lines are info-level; the http child logs warnings and errors only (no per-request noise).
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    // Every request logs through that one logger, not a child of its own: fastify's default child
    // (binding the request id) cost about 1 % of a turn, pino preparing its redaction for each one.
    // The lines logged for a request carry its id themselves (reqId, as fastify's child would).
    childLoggerFactory: (logger) => logger,
    bodyLimit: 1024 * 1024,
    // Slow-loris guard: a client has HEADERS_TIMEOUT_MS to send its headers and REQUEST_TIMEOUT_MS
    // for the whole request, checked every second (node's default check runs every 30 s).
    connectionTimeout: 30_000,
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
    // URLs the router rejects before any route runs (bad percent-encoding, a 5,000-character SID)
    // still answer Twilio's error JSON: such a resource does not exist.
    frameworkErrors: (_error, req, reply) => {
      void sendError(reply, new TwilioError(20404, `The requested resource ${safePath(req.url)} was not found`));
    },
    routerOptions: { maxParamLength: 500 },
    // While the server closes (the end of a drain), requests still arriving on open connections
    // run as usual and get Twilio's JSON: a new message is refused with 20503 by the gateway.
    return503OnClosing: false,
    // req.ip, req.protocol and req.host read X-Forwarded-For/-Proto/-Host only from these peers.
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
  });
  app.decorateRequest('account', null);
  await app.register(formbody, { bodyLimit: 1024 * 1024 });

  let ready = false;
  app.addHook('onReady', async () => {
    ready = true;
  });
  app.get('/healthz', async (_req, reply) => reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'starting' }));

  // Every API and simulator route needs the account's credentials.
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const path = req.url.split('?')[0] ?? '';
    if (path.startsWith('/2010-04-01/') || path.startsWith('/simulator/') || path.startsWith('/v1/') || path.startsWith('/parley/')) {
      req.account = await authenticateFor(options.gateway.store, req.headers.authorization, path);
    }
  });

  const routes = new RouteTable(app);
  const ctx: RouteContext = { ...options, routes, app };
  registerConsole(app, { gateway: options.gateway, dev: options.devClock !== null, hosts: options.hosts });
  registerNumberRoutes(ctx);
  registerMessageRoutes(ctx);
  const api = startApiServices(options.gateway, { statusCallbackRetry: options.statusCallbackRetry ?? {} });
  app.addHook('onClose', async () => api.stop());
  registerSimulatorRoutes(ctx, api);
  registerAlertRoutes(ctx);
  registerMessageWriteRoutes(ctx, api);
  registerAccountRoutes(ctx);
  registerMessagingServiceRoutes(ctx);
  registerChannelRoutes(ctx);
  registerOperationRoutes(ctx);

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? req.url;
    const error = routes.knowsPath(path)
      ? new TwilioError(20004, `Method ${req.method} not allowed on ${path}`)
      : new TwilioError(20404, `The requested resource ${path} was not found`);
    void sendError(reply, error);
  });
  app.setErrorHandler((error: unknown, req, reply) => {
    if (error instanceof TwilioError) {
      // Failed sign-ins at warn, with the client's address (the proxy's X-Forwarded-For when trusted),
      // never a header; a drain's refusals at info; other caller mistakes only at debug.
      const line = { reqId: req.id, code: error.code, status: error.status, method: req.method, path: safePath(req.url), ip: req.ip };
      if (error.code === 20003 || error.code === 20005) req.log.warn(line, 'authentication failed');
      else if (error.code === 20503) options.logger.info(line, 'refused: draining');
      else options.logger.debug(line, 'request refused');
      return sendError(reply, error);
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      const message = error instanceof Error ? error.message : 'Bad request';
      return sendError(reply, new TwilioError(status === 413 ? 20001 : 20001, message, status));
    }
    req.log.error({ reqId: req.id, err: error, url: req.url.split('?')[0] }, 'internal error');
    return sendError(reply, new TwilioError(20500, 'Internal Server Error'));
  });
  return app;
}

/** A request path fit to quote in an error: its query cut off, at most 200 characters. */
function safePath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}

export function sendError(reply: FastifyReply, error: TwilioError): FastifyReply {
  if (error.code === 20003) reply.header('www-authenticate', 'Basic realm="Twilio API"');
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.toJSON());
}

/** The authenticated account; also checks that it is the account the path names. */
export function accountFor(req: FastifyRequest, pathAccountSid?: string): AccountRecord {
  const account = req.account;
  if (!account) throw new TwilioError(20003, 'Authenticate');
  if (pathAccountSid !== undefined && pathAccountSid !== account.sid) {
    throw new TwilioError(20003, 'Authenticate');
  }
  return account;
}
