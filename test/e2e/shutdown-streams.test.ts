/** SIGTERM stops `parley serve` even while event streams (console tabs, `parley tail`) are open. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'undici';
import { startServe, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../helpers/serve-process.js';

test('an open /simulator/events stream does not hold up shutdown', async () => {
  const gateway = await startServe(':memory:');
  const stream = await request(`${gateway.url}/simulator/events`, {
    headers: { authorization: 'Basic ' + Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64') },
  });
  assert.equal(stream.statusCode, 200);
  const ended = once(stream.body, 'end');
  stream.body.resume();
  const exited = once(gateway.child, 'exit');
  gateway.child.kill('SIGTERM');
  // Bounded: before the fix this waited for the client forever.
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('serve did not exit within 10 s')), 10_000).unref());
  const [code] = (await Promise.race([exited, timeout])) as [number | null];
  assert.equal(code, 0);
  await ended; // the stream was ended cleanly, not cut
});
