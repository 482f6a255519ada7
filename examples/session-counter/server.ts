/** Runs the session-counter app as a plain HTTP server (used by `npm start` and the tests). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSessionCounterApp, type SessionCounterOptions } from './app.js';

export interface RunningApp {
  server: Server;
  /** The webhook URL to configure as a number's SmsUrl. */
  smsUrl: string;
  close(): Promise<void>;
}

export async function startSessionCounter(options: SessionCounterOptions & { port?: number; host?: string }): Promise<RunningApp> {
  const server = createServer(createSessionCounterApp(options));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    smsUrl: `http://${host}:${port}/sms`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const authToken = process.env.PARLEY_AUTH_TOKEN ?? process.env.TWILIO_AUTH_TOKEN;
  if (!authToken) {
    console.error('Set PARLEY_AUTH_TOKEN (or TWILIO_AUTH_TOKEN) to the auth token used to sign webhooks.');
    process.exit(2);
  }
  const app = await startSessionCounter({ authToken, port: Number(process.env.PORT ?? 1337) });
  console.log(`Session counter listening; point a number's SmsUrl at ${app.smsUrl}`);
}
