/** Scriptable webhook apps for tests: real HTTP servers on 127.0.0.1 that record every request. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  params: URLSearchParams;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface TestApp {
  url: string;
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startApp(handler: Handler, host = '127.0.0.1'): Promise<TestApp> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const query = (req.url ?? '').split('?')[1] ?? '';
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body,
        params: new URLSearchParams(req.method === 'GET' ? query : body),
      };
      requests.push(recorded);
      void Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host === '::1' ? '[::1]' : host}:${port}`;
  return {
    url: `${origin}/sms`,
    origin,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function twiml(res: ServerResponse, xml: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(200, { 'content-type': 'text/xml', ...headers });
  res.end(xml.startsWith('<?xml') ? xml : `<?xml version="1.0" encoding="UTF-8"?>${xml}`);
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
