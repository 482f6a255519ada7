/**
 * Webhook apps for the reliability tests, each on 127.0.0.1 port 0: a counter that keeps its
 * whole session in a signed cookie (cookie-session), and apps that hang, reset the connection,
 * answer 500, or answer garbage. Each records the requests it received.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import cookieSession from 'cookie-session';

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  params: URLSearchParams;
}

export interface RunningApp {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

async function listen(server: Server, received: ReceivedRequest[]): Promise<RunningApp> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

/** Counts the messages of each conversation in a cookie-held session and replies with the count. */
export async function startCounterApp(): Promise<RunningApp> {
  const received: ReceivedRequest[] = [];
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use((req, _res, next) => {
    received.push({ path: req.path, headers: req.headers, params: new URLSearchParams(req.body as Record<string, string>) });
    next();
  });
  app.use(cookieSession({ name: 'counter', keys: ['reliability-test-key'] }));
  app.post('/sms', (req, res) => {
    const session = (req as unknown as { session: { count?: number } }).session;
    session.count = (session.count ?? 0) + 1;
    res.type('text/xml').send(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>${session.count}</Message></Response>`);
  });
  return listen(createServer(app), received);
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: URLSearchParams) => void;

/** A plain app whose routes are given as path → handler; it records every request first. */
export async function startScriptedApp(routes: Record<string, Handler>): Promise<RunningApp> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      received.push({ path, headers: req.headers, params });
      const handler = routes[path];
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      handler(req, res, params);
    });
  });
  return listen(server, received);
}

export const twiml = (text: string): string => `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${text}</Message></Response>`;
