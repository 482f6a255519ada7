/**
 * The web console's server side: the built single-page app at `/`, one small route
 * `GET /console/session` (the account SID and auth token for the Account page, behind the same
 * Basic auth), and the Host-header check (see host-guard.ts) on console and browser API requests.
 * Everything else the console shows comes from the public REST, simulator and Monitor routes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gateway } from '../gateway/gateway.js';
import { authenticate } from '../http/auth.js';
import { TwilioError } from '../errors/twilio-error.js';
import { createHostGuard, fromBrowser } from './host-guard.js';
import { ConsoleFiles } from './static.js';

export interface ConsoleOptions {
  gateway: Gateway;
  /** Development mode (the clock can be advanced). */
  dev: boolean;
  /** Host names besides localhost and IP literals that browsers may use to reach Parley. */
  hosts?: readonly string[] | undefined;
  /** Folder of the built console; defaults to `dist/console`. */
  root?: string;
}

const CONSOLE_PATH = /^\/(index\.html)?$|^\/assets\/|^\/console\//;

export function registerConsole(app: FastifyInstance, options: ConsoleOptions): void {
  const files = new ConsoleFiles(options.root);
  const hostAllowed = createHostGuard(options.hosts ?? []);

  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const isConsole = CONSOLE_PATH.test(path);
    // req.host is the browser's Host, or X-Forwarded-Host from a trusted proxy (--trust-proxy).
    if ((isConsole || fromBrowser(req.headers)) && !hostAllowed(req.host)) {
      return reply.code(403).type('text/plain; charset=utf-8').send('Forbidden: unknown Host header (DNS rebinding protection).\n');
    }
    if (isConsole) req.account = await authenticate(options.gateway.store, req.headers.authorization);
    return undefined;
  });

  const serve = async (name: string, reply: import('fastify').FastifyReply): Promise<unknown> => {
    const file = await files.read(name);
    if (!file) {
      if (name === 'index.html') {
        return reply.code(503).type('text/plain; charset=utf-8').send('The console is not built: run npm run build.\n');
      }
      throw new TwilioError(20404, `The requested resource /${name} was not found`);
    }
    const immutable = name.startsWith('assets/');
    return reply
      .header('cache-control', immutable ? 'private, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .type(file.contentType)
      .send(file.body);
  };

  app.get('/', async (_req, reply) => serve('index.html', reply));
  app.get('/index.html', async (_req, reply) => serve('index.html', reply));
  app.get('/assets/*', async (req, reply) => serve(`assets/${(req.params as { '*': string })['*']}`, reply));

  app.get('/console/session', async (req, reply) => {
    const account = req.account;
    if (!account) throw new TwilioError(20003, 'Authenticate');
    reply.header('cache-control', 'no-store');
    return {
      account_sid: account.sid,
      auth_token: account.authToken,
      friendly_name: account.friendlyName,
      dev: options.dev,
      session_ttl_seconds: Math.round(options.gateway.sessionTtlMs / 1000),
    };
  });
}
