/**
 * Hosts a webhook app in its own process for the bench: listens on 127.0.0.1 (port 0 unless told),
 * prints `listening PORT` once ready, and measures the app's own time per request (from the
 * request event to the last byte handed to the socket) so the bench can subtract it from the loop
 * latency. `GET /__bench/times` returns and clears what was measured since the last call.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';

const sidOf = new WeakMap<ServerResponse, string>();

/** Lets the app name the message a response belongs to, so its time can be matched to one loop. */
export function tagMessageSid(res: ServerResponse, sid: string): void {
  sidOf.set(res, sid);
}

export interface AppTimes {
  /** App time in microseconds for every request since the last read. */
  micros: number[];
  /** The same, keyed by MessageSid, for the requests the app tagged. */
  bySid: Record<string, number>;
}

export function hostApp(app: RequestListener, port = 0): void {
  let micros: number[] = [];
  let bySid: Record<string, number> = {};
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/__bench/times') {
      const body = JSON.stringify({ micros, bySid } satisfies AppTimes);
      micros = [];
      bySid = {};
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const t0 = process.hrtime.bigint();
    res.once('finish', () => {
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      micros.push(us);
      const sid = sidOf.get(res) ?? parsedSid(req);
      if (sid !== undefined) bySid[sid] = us;
    });
    app(req, res);
  });
  // The gateway keeps a pool of keep-alive connections; do not let idle ones be closed under it.
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    process.stdout.write(`listening ${bound}\n`);
  });
  const close = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  // Stop with the bench even if it dies without signalling (its stdout pipe closes).
  process.stdout.on('error', () => process.exit(0));
}

/** The MessageSid a framework's body parser left on the request (Express sets `req.body`). */
function parsedSid(req: IncomingMessage): string | undefined {
  const body: unknown = (req as IncomingMessage & { body?: unknown }).body;
  if (typeof body !== 'object' || body === null || !('MessageSid' in body)) return undefined;
  return typeof body.MessageSid === 'string' ? body.MessageSid : undefined;
}
