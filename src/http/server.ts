/**
 * The HTTP face of Parley (fastify): the Twilio-compatible REST API, the simulator, the Monitor
 * alerts and the health check, on one port. Every error answers Twilio's JSON shape.
 */
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import proxyAddr from '@fastify/proxy-addr';
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
import { withHotPath, type RequestListener } from './hot-path.js';
import { takeHotConnections } from './hot-connections.js';
import { refusalFor, refusalHeaders, safePath } from './refusals.js';
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

/** The largest request body, for the framework and the hot path alike. */
const BODY_LIMIT = 1024 * 1024;

/** Builds the server; call `listen` on the result. */
export async function createHttpServer(options: HttpOptions): Promise<FastifyInstance> {
  // Request lines are info-level; the http child logs warnings and errors only (no per-request noise).
  const loggers = { http: options.logger.child({ component: 'http' }, { level: 'warn' }), gateway: options.logger };
  const trustProxy = options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false;
  const trusted = trustProxy ? proxyAddr.compile(trustProxy) : null;
  let requests = 0;
  const requestId = (): string => `req-${(requests = (requests + 1) % 2_147_483_647).toString(36)}`;
  const app = Fastify({
    loggerInstance: loggers.http as FastifyBaseLogger,
    // Every request logs through that one logger, not a child of its own: fastify's default child
    // (binding the request id) cost about 1 % of a turn, pino preparing its redaction for each one.
    // The lines logged for a request carry its id themselves (reqId, as fastify's child would).
    childLoggerFactory: (logger) => logger,
    genReqId: requestId,
    bodyLimit: BODY_LIMIT,
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
    trustProxy,
  });
  // The simulator's inbound route is answered in front of the framework (./hot-path.ts): fastify's
  // request listener, the server's only one, becomes the hot path's fallback. (Servers fastify adds
  // for a host name with several addresses keep its listener alone: correct, only slower.)
  const [framework] = app.server.listeners('request') as RequestListener[];
  if (!framework) throw new Error('fastify made a server without a request listener');
  app.server.removeAllListeners('request');
  const hotPath = {
    authenticate: (authorization: string | undefined, path: string) => authenticateFor(options.gateway.store, authorization, path),
    target: options.gateway,
    bodyLimit: BODY_LIMIT,
    loggers,
    requestId,
  };
  app.server.on('request', withHotPath(framework, {
    ...hotPath,
    clientAddress: (req) => (trusted ? proxyAddr(req, trusted) : req.socket.remoteAddress),
  }));
  // And before node:http, on the connection itself, while it carries only that route (./hot-connections.ts).
  takeHotConnections(app.server, {
    ...hotPath,
    clientAddress: (remoteAddress, forwardedFor) => {
      if (!trusted) return remoteAddress;
      const peer = { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }, socket: { remoteAddress } };
      return proxyAddr(peer as unknown as IncomingMessage, trusted);
    },
  });
  app.decorateRequest('account', null);
  await app.register(formbody, { bodyLimit: BODY_LIMIT });

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
    return sendError(reply, refusalFor(error, { reqId: req.id, method: req.method, url: req.url, ip: req.ip }, loggers));
  });
  return app;
}

export function sendError(reply: FastifyReply, error: TwilioError): FastifyReply {
  return reply.headers(refusalHeaders(error)).code(error.status).type('application/json; charset=utf-8').send(error.toJSON());
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
