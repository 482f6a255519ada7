/**
 * Drain on SIGTERM (`parley serve` as a child process): /readyz turns 503 "draining" at once, new
 * messages (simulator and REST) are refused with 503 and Twilio's 20503 while /healthz stays 200,
 * the running turn finishes and commits, and the process exits 0. With `--drain-timeout`, a turn
 * that cannot finish in time is left pending and runs after the restart. Under load, SIGTERM
 * loses nothing: every accepted message has exactly one reply after a restart, in count order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Api, GatewayProcess, freePort, newCredentials } from '../helpers/gateway-process.js';
import { startCounterApp, startScriptedApp, twiml, type RunningApp } from '../reliability/apps.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-drain-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function startServe(name: string, extraArgs: string[] = []): Promise<{ gateway: GatewayProcess; api: Api }> {
  const credentials = newCredentials();
  const gateway = new GatewayProcess(await freePort(), join(dir, `${name}.db`), credentials, extraArgs);
  await gateway.start();
  await untilReadyz(gateway.url, 200);
  return { gateway, api: new Api(gateway.url, credentials) };
}

async function untilReadyz(url: string, status: number): Promise<{ status: string; reason?: string }> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    const res = await fetch(`${url}/readyz`);
    const body = (await res.json()) as { status: string; reason?: string };
    if (res.status === status) return body;
    await new Promise((r) => setTimeout(r, 10)); // polling a child process: no event to wait on
  }
  throw new Error(`/readyz never answered ${status}`);
}

/** An app that answers each request only when the test releases it. */
async function heldApp(): Promise<{ app: RunningApp; arrived: () => Promise<void>; release: () => void }> {
  const waiting: Array<() => void> = [];
  const arrivals: Array<() => void> = [];
  let count = 0;
  const app = await startScriptedApp({
    '/sms': (_req, res, params) => {
      waiting.push(() => res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml(`re: ${params.get('Body')}`)));
      count++;
      for (const wake of arrivals.splice(0)) wake();
    },
  });
  let consumed = 0;
  return {
    app,
    arrived: () => (count > consumed++ ? Promise.resolve() : new Promise<void>((resolve) => arrivals.push(resolve))),
    release: () => {
      for (const answer of waiting.splice(0)) answer();
    },
  };
}

describe('SIGTERM drains', () => {
  test('readyz 503 at once, new messages refused with 20503, the running turn commits, exit 0', { timeout: 60_000 }, async () => {
    const held = await heldApp();
    const { gateway, api } = await startServe('drain');
    try {
      await api.createNumber({ PhoneNumber: '+15005550911', SmsUrl: `${held.app.url}/sms` });
      const running = await api.send('+15558890001', '+15005550911', 'first');
      const waiting = await api.send('+15558890001', '+15005550911', 'second'); // queued behind it
      assert.deepEqual([running.status, waiting.status], [201, 201]);
      await held.arrived();

      const exited = once(gateway.child!, 'exit');
      gateway.child!.kill('SIGTERM');
      assert.equal((await untilReadyz(gateway.url, 503)).status, 'draining');
      const refused = await api.send('+15558890002', '+15005550911', 'too late');
      assert.equal(refused.status, 503);
      assert.equal(refused.json.code, 20503);
      assert.equal(refused.json.more_info, 'https://www.twilio.com/docs/errors/20503');
      const created = await api.request('POST', `/2010-04-01/Accounts/${api.credentials.accountSid}/Messages.json`, { From: '+15005550911', To: '+15558890003', Body: 'api' });
      assert.deepEqual([created.status, created.json.code], [503, 20503]);
      assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200, 'alive while draining');
      assert.equal(gateway.child!.exitCode, null, 'still draining while the turn runs');

      held.release();
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, gateway.output);
      assert.match(gateway.output, /SIGTERM: draining/);
      assert.match(gateway.output, /Parley stopped/);

      await gateway.start();
      const first = await api.turn(String(running.json.sid), '1ms');
      assert.equal(first.turn.status, 'done', 'the running turn committed before the exit');
      assert.deepEqual(first.replies.map((r) => r.body), ['re: first']);
      const second = held.arrived(); // the queued turn runs after the restart
      await second;
      held.release();
      const view = await api.turn(String(waiting.json.sid), '10s');
      assert.deepEqual([view.turn.status, view.replies.map((r) => r.body)], ['done', ['re: second']]);
      const thread = await api.request('GET', `/simulator/handsets/${encodeURIComponent('+15558890002')}/messages`);
      assert.deepEqual(thread.json.messages, [], 'the refused message was not stored');
    } finally {
      held.release();
      await gateway.kill('SIGKILL');
      await held.app.close();
    }
  });

  test('--drain-timeout: a turn that cannot finish stays pending, exit 0, and it runs after the restart', { timeout: 60_000 }, async () => {
    let answer = false;
    const arrivals: Array<() => void> = [];
    const app = await startScriptedApp({
      '/sms': (_req, res) => {
        for (const wake of arrivals.splice(0)) wake();
        if (answer) res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml('finally'));
        // otherwise never answered (within the drain)
      },
    });
    const { gateway, api } = await startServe('timeout', ['--drain-timeout', '1s']);
    try {
      await api.createNumber({ PhoneNumber: '+15005550912', SmsUrl: `${app.url}/sms` });
      const arrived = new Promise<void>((resolve) => arrivals.push(resolve));
      const sent = await api.send('+15558890011', '+15005550912', 'stuck');
      await arrived;
      assert.equal(await gateway.kill('SIGTERM'), 0, gateway.output);
      assert.match(gateway.output, /drain timed out/);

      answer = true;
      await gateway.start();
      const view = await api.turn(String(sent.json.sid), '20s');
      assert.equal(view.turn.status, 'done');
      assert.equal(view.turn.error_code, null, 'the abandoned run committed no error');
      assert.deepEqual(view.replies.map((r) => r.body), ['finally']);
    } finally {
      await gateway.kill('SIGKILL');
      await app.close();
    }
  });

  test('SIGTERM under load loses nothing: every accepted message is answered once, in count order, after a restart', { timeout: 120_000 }, async () => {
    const app = await startCounterApp();
    const { gateway, api } = await startServe('load');
    const NUMBER = '+15005550913';
    try {
      await api.createNumber({ PhoneNumber: NUMBER, SmsUrl: `${app.url}/sms` });
      const accepted = new Map<string, string[]>();
      let total = 0;
      let refused = 0;
      let signalled = false;
      const exited = once(gateway.child!, 'exit');
      await Promise.all(Array.from({ length: 20 }, async (_, h) => {
        const from = `+1555889${String(h).padStart(4, '0')}`;
        const sids: string[] = [];
        accepted.set(from, sids);
        for (let i = 0; i < 40; i++) {
          let res;
          try {
            res = await api.send(from, NUMBER, `m${i}`);
          } catch {
            return; // the server closed: nothing more is accepted
          }
          if (res.status !== 201) {
            assert.deepEqual([res.status, res.json.code], [503, 20503]);
            refused++;
            return;
          }
          sids.push(String(res.json.sid));
          if (++total === 200 && !signalled) {
            signalled = true;
            gateway.child!.kill('SIGTERM');
          }
        }
      }));
      assert.ok(signalled, 'the load reached the signal');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, gateway.output);
      assert.ok(refused > 0, 'some senders were refused while draining');

      await gateway.start();
      let answered = 0;
      for (const [from, sids] of accepted) {
        for (const sid of sids) await api.turn(sid, '30s');
        const thread = await api.request('GET', `/simulator/handsets/${encodeURIComponent(from)}/messages?Number=${encodeURIComponent(NUMBER)}`);
        const messages = thread.json.messages as Array<{ direction: string; body: string }>;
        const inbound = messages.filter((m) => m.direction === 'inbound').map((m) => m.body);
        const replies = messages.filter((m) => m.direction !== 'inbound').map((m) => m.body);
        assert.deepEqual(inbound, sids.map((_, i) => `m${i}`), `${from}: exactly the accepted messages are stored`);
        assert.deepEqual(replies, sids.map((_, i) => String(i + 1)), `${from}: one reply each, counting on`);
        answered += replies.length;
        const next = await api.send(from, NUMBER, 'after the restart');
        assert.deepEqual((await api.turn(String(next.json.sid), '10s')).replies.map((r) => r.body), [String(sids.length + 1)], `${from}: the session continues`);
      }
      assert.equal(answered, total);
    } finally {
      await gateway.kill('SIGKILL');
      await app.close();
    }
  });
});
