/**
 * GET /readyz through a gateway's life: 503 `starting` while `parley serve` resumes a previous
 * run's backlog (it already listens, and /healthz, the liveness check, answers 200), 200 once it
 * takes work, and 503 `unavailable` with the reason once its SQLite database file is gone (the
 * directory removed under it: SQLite would go on writing to a file nothing can open again).
 * Draining is in drain.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayProcess, freePort, newCredentials } from '../helpers/gateway-process.js';
import { startTestParley } from '../helpers/parley.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { ensureDefaultAccount } from '../../src/gateway/accounts.js';
import { newMessage } from '../../src/messages/message.js';

interface Probe {
  status: number;
  body: { status: string; reason?: string };
}

async function probe(url: string): Promise<Probe | null> {
  try {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: (await res.json()) as Probe['body'] };
  } catch {
    return null; // not listening (yet)
  }
}

test('a gateway resuming a backlog answers 503 "starting", then 200 "ready"', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-readyz-'));
  const db = join(dir, 'parley.db');
  const credentials = newCredentials();
  // A previous run left 40,000 replies that no channel took: the next start hands them all over
  // before it calls itself ready.
  const store = openSqliteStore({ path: db });
  await ensureDefaultAccount(store, Date.now(), { sid: credentials.accountSid, authToken: credentials.authToken });
  for (let batch = 0; batch < 40; batch++) {
    await Promise.all(Array.from({ length: 1000 }, (_, i) => store.messages.insert(newMessage({
      accountSid: credentials.accountSid, direction: 'outbound-api', from: '+15005550901', to: `+1555${String(batch * 1000 + i).padStart(7, '0')}`,
      body: 'left over', status: 'queued', at: Date.now(),
    }))));
  }
  assert.equal((await store.queueDepths()).outbound, 40_000);
  await store.close();

  const gateway = new GatewayProcess(await freePort(), db, credentials);
  const seen: string[] = [];
  try {
    const started = gateway.start(); // resolves once /healthz answers 200
    let last: Probe | null = null;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && last?.status !== 200;) {
      last = await probe(gateway.url);
      if (last && seen[seen.length - 1] !== `${last.status} ${last.body.status}`) seen.push(`${last.status} ${last.body.status}`);
      if (last?.status === 503) {
        assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200, 'alive while starting');
      }
      await new Promise((r) => setTimeout(r, 10)); // polling a child process: no event to wait on
    }
    await started;
    assert.deepEqual(seen, ['503 starting', '200 ready'], gateway.output);
  } finally {
    await gateway.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a gateway whose database file disappears answers 503 "unavailable" and says why', async () => {
  const parley = await startTestParley();
  try {
    assert.deepEqual(await probe(parley.url), { status: 200, body: { status: 'ready' } });
    rmSync(parley.dir, { recursive: true, force: true });
    const gone = await probe(parley.url);
    assert.equal(gone?.status, 503);
    assert.equal(gone?.body.status, 'unavailable');
    assert.match(gone?.body.reason ?? '', /^the database does not answer: the database file is no longer at .*parley\.db \(deleted, moved or replaced\)$/);
    assert.equal((await fetch(`${parley.url}/healthz`)).status, 200, 'alive: the process itself is fine');
  } finally {
    await parley.stop();
  }
});
