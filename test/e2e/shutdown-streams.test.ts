/** SIGTERM stops `parley serve` even while event streams (console tabs, `parley tail`) are open. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'undici';
import { startGateway } from '../helpers/gateway-process.js';

test('an open /simulator/events stream does not hold up shutdown', async () => {
  const { gateway } = await startGateway(':memory:');
  const { accountSid, authToken } = gateway.credentials;
  const stream = await request(`${gateway.url}/simulator/events`, {
    headers: { authorization: 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64') },
  });
  assert.equal(stream.statusCode, 200);
  const ended = once(stream.body, 'end');
  stream.body.resume();
  // Bounded: before the fix this waited for the client forever.
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('serve did not exit within 10 s')), 10_000).unref());
  const code = await Promise.race([gateway.kill('SIGTERM'), timeout]);
  assert.equal(code, 0);
  await ended; // the stream was ended cleanly, not cut
});
