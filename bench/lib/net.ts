/** Small network helpers for the bench: free loopback ports and polling a URL until it answers. */
import { createServer } from 'node:net';
import { request } from 'undici';

/** A port that was free on 127.0.0.1 a moment ago (for programs that cannot be told to use 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until `accept` approves of the answer, or fails after `timeoutMs`. Polling is the
 * only way to see that an external program (Kannel) is ready: it prints nothing at `-v 3`.
 */
export async function pollUntil(
  url: string, accept: (status: number, body: string) => boolean, timeoutMs: number, headers: Record<string, string> = {},
): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      // reset: no idle keep-alive connection is left behind to hold up the server's shutdown.
      const res = await request(url, { headers, headersTimeout: 2000, bodyTimeout: 2000, reset: true });
      const body = await res.body.text();
      if (accept(res.statusCode, body)) return body;
      last = `${res.statusCode} ${body.slice(0, 200)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
