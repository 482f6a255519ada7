/**
 * PostgreSQL restarted under load (fast shutdown: every connection cut), two nodes taking messages
 * from many handsets. Requests whose commit could not happen answer 503 with Twilio's error JSON
 * (20503) and are not acknowledged; the nodes reconnect by themselves; nothing acknowledged is
 * lost: every accepted message has exactly one reply, each handset counts 1..k, every reply is
 * delivered. The server is started again after the test whatever happens.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { allDelivered, startCluster, type Cluster } from '../helpers/cluster.js';
import { checkCounters } from '../helpers/counter-checks.js';
import { ensurePostgresRunning } from '../helpers/postgres.js';
import { startCounterApp, type RunningApp } from '../reliability/apps.js';

const HANDSETS = 30;
const PER_HANDSET = 30;
const NUMBER = '+15005550100';

let cluster: Cluster;
let app: RunningApp;

before(async () => {
  app = await startCounterApp();
  cluster = await startCluster(2, { lease: '10s' });
  await cluster.apis[0]!.createNumber({ PhoneNumber: NUMBER, SmsUrl: `${app.url}/sms` });
});

after(async () => {
  await ensurePostgresRunning();
  await cluster?.stop();
  await app?.close();
});

test('a PostgreSQL restart under load loses nothing acknowledged; failed commits answer 503 (20503)', { timeout: 240_000 }, async () => {
  const total = HANDSETS * PER_HANDSET;
  const accepted = new Map<string, string[]>();
  let acceptedCount = 0;
  const unavailable: Array<Record<string, unknown>> = [];
  const other: string[] = [];
  let restart: Promise<unknown> | null = null;

  const handset = async (h: number): Promise<void> => {
    const from = `+1555${String(h + 1).padStart(7, '0')}`;
    const sids: string[] = [];
    accepted.set(from, sids);
    for (let i = 0; i < PER_HANDSET; i++) {
      const res = await cluster.apis[(h + i) % 2]!.send(from, NUMBER, `message ${i + 1}`);
      if (res.status === 201) {
        sids.push(String(res.json.sid));
        acceptedCount++;
        // Restart the server once a third is in, without pausing the load (pg_ctlcluster runs beside it).
        const version = readdirSync('/etc/postgresql')[0]!;
        restart ??= acceptedCount >= total / 3
          ? promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'])
          : null;
      } else if (res.status === 503) {
        unavailable.push(res.json);
      } else {
        other.push(`${res.status} ${JSON.stringify(res.json)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: HANDSETS }, (_, h) => handset(h)));
  assert.ok(restart, 'the server was restarted');
  await restart;
  assert.deepEqual(other, [], 'nothing but 201 and 503');
  assert.ok(unavailable.length > 0, 'requests made during the restart were refused');
  for (const body of unavailable) {
    assert.deepEqual(body, { code: 20503, message: 'The database is unavailable; try again', more_info: 'https://www.twilio.com/docs/errors/20503', status: 503 });
  }

  const checked = await checkCounters(cluster.apis, accepted, NUMBER);
  assert.ok(checked >= acceptedCount);
  await allDelivered(cluster.db);
  console.log(`postgres restart test: ${acceptedCount} accepted, ${unavailable.length} answered 503 during the restart`);
});
