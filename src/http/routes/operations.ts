/**
 * What operators and their tools read (docs/deploying.md):
 *   GET /readyz         200 {"status":"ready"} while the gateway takes work and its store answers;
 *                       503 {"status":"starting"|"draining"|"unavailable","reason":…} otherwise.
 *                       No credentials: load balancers and orchestrators probe it.
 *   GET /metrics        the Prometheus text format; the default account's SID and auth token as
 *                       HTTP Basic (Prometheus' basic_auth), 401 otherwise.
 *   GET /parley/status  the console's status page: the same numbers as JSON, with the last
 *                       minutes sampled, and on a cluster the nodes the database knows; the
 *                       default account only.
 *   GET /parley/nodes   those nodes alone (`parley nodes`); the default account only.
 * `/healthz` (liveness) stays in server.ts.
 */
import type { RouteContext } from '../server.js';
import { accountFor } from '../server.js';
import { authenticate } from '../auth.js';
import { TwilioError } from '../../errors/twilio-error.js';
import { lookupError } from '../../errors/catalog.js';
import { channelJson } from '../representations/channel.js';
import { clusterJson } from '../representations/cluster.js';
import { within } from '../../clock/deadline.js';

/** A readiness probe waits this long for the store before calling it unavailable. */
const PING_TIMEOUT_MS = 2_000;

export function registerOperationRoutes(ctx: RouteContext): void {
  const { gateway, operations, app } = ctx;
  let storeFailing = false;

  app.get('/readyz', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    const phase = gateway.phase;
    if (phase === 'starting') return reply.code(503).send({ status: 'starting', reason: 'resuming the work a previous run left' });
    if (phase !== 'ready') return reply.code(503).send({ status: 'draining', reason: 'shutting down: finishing the running turns, taking no new work' });
    try {
      await within(gateway.store.ping(), PING_TIMEOUT_MS, () => new Error(`no answer within ${PING_TIMEOUT_MS / 1000} s`));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      if (!storeFailing) ctx.logger.error({ code: 20503, reason: why }, 'not ready: the database does not answer');
      storeFailing = true;
      return reply.code(503).send({ status: 'unavailable', reason: `the database does not answer: ${why}` });
    }
    if (storeFailing) ctx.logger.info('ready again: the database answers');
    storeFailing = false;
    return { status: 'ready' };
  });

  app.get('/metrics', async (req, reply) => {
    const account = await authenticate(gateway.store, req.headers.authorization);
    if (account.sid !== operations.defaultAccountSid) throw new TwilioError(20003, 'Authenticate');
    const text = await operations.metrics.text();
    return reply.header('cache-control', 'no-store').type(operations.metrics.contentType).send(text);
  });

  const defaultAccountOnly = (req: Parameters<typeof accountFor>[0], what: string): void => {
    if (accountFor(req).sid !== operations.defaultAccountSid) throw new TwilioError(20006, `Access Denied: ${what} is the default account's`);
  };

  ctx.routes.add('GET', '/parley/nodes', async (req, reply) => {
    defaultAccountOnly(req, 'the list of nodes');
    reply.header('cache-control', 'no-store');
    return { cluster: await clusterJson(gateway.store.cluster, PING_TIMEOUT_MS) };
  });

  ctx.routes.add('GET', '/parley/status', async (req, reply) => {
    defaultAccountOnly(req, 'the status page');
    const latest = operations.history.latest() ?? await operations.metrics.snapshot();
    const cluster = await clusterJson(gateway.store.cluster, PING_TIMEOUT_MS);
    reply.header('cache-control', 'no-store');
    return {
      sample_interval_seconds: operations.history.intervalMs / 1000,
      cluster,
      channels: gateway.channelStatuses().map(channelJson),
      queues: latest.queues,
      totals: { received: latest.received, sent: latest.sent, turns_ok: latest.turnsOk, turns_error: latest.turnsError },
      errors: [...latest.errors].map(([code, count]) => ({ code: Number(code), count, title: lookupError(Number(code))?.title ?? null }))
        .sort((a, b) => b.count - a.count),
      samples: operations.history.points(),
    };
  });
}
