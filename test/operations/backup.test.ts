/**
 * `parley db backup` while a gateway (a child process) takes a steady stream of messages, and
 * `parley db restore` into a new file: the restored gateway starts, runs the turns the copy had
 * pending, and every conversation goes on counting from its cookies, consistent to one commit.
 * Also: restore refuses a database a running gateway holds; a PostgreSQL URL gets pg_dump's
 * instructions instead of a copy; the rollback story: an older Parley refuses a newer schema, and
 * the backup taken before the upgrade brings the database back to what it can run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, GatewayProcess, freePort, newCredentials } from '../helpers/gateway-process.js';
import { startCounterApp, type RunningApp } from '../reliability/apps.js';
import { cleanEnv, runCli } from '../cli/run-cli.js';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import { MIGRATIONS } from '../../src/stores/sqlite/migrations.js';

const NUMBER = '+15005550921';
const HANDSETS = 10;
const PER_HANDSET = 30;
let dir: string;
let app: RunningApp;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-backup-'));
  app = await startCounterApp();
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const handset = (h: number): string => `+1555892${String(h).padStart(4, '0')}`;

test('a backup taken under load restores to a gateway whose conversations keep counting', { timeout: 180_000 }, async () => {
  const credentials = newCredentials();
  const live = join(dir, 'live.db');
  const copy = join(dir, 'backup.db');
  const restored = join(dir, 'restored.db');
  const source = new GatewayProcess(await freePort(), live, credentials);
  await source.start();
  const api = new Api(source.url, credentials);
  let accepted = 0;
  let acceptedAfterBackup = 0;
  let backup: Promise<Awaited<ReturnType<typeof runCli>>> | null = null;
  let backupDone = false;
  try {
    await api.createNumber({ PhoneNumber: NUMBER, SmsUrl: `${app.url}/sms` });
    await Promise.all(Array.from({ length: HANDSETS }, async (_, h) => {
      for (let i = 0; i < PER_HANDSET; i++) {
        const res = await api.send(handset(h), NUMBER, `m${i}`);
        assert.equal(res.status, 201);
        accepted++;
        if (backupDone) acceptedAfterBackup++;
        if (accepted === 100) {
          backup = runCli(['db', 'backup', copy, '--db', live], cleanEnv());
          void backup.then(() => { backupDone = true; });
        }
      }
    }));
    const result = await backup!;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /backed up to .*backup\.db \(schema version \d+, \d+ messages, \d+ bytes\)/);
    assert.ok(acceptedAfterBackup > 0 || accepted === HANDSETS * PER_HANDSET, 'the gateway kept taking messages');

    const inUse = await runCli(['db', 'restore', copy, '--db', live], cleanEnv());
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /in use: stop the Parley that runs on it first/);
  } finally {
    await source.kill('SIGTERM');
  }
  assert.ok(!existsSync(`${copy}-wal`) && !existsSync(`${copy}.partial`), 'one self-contained file');

  const restore = await runCli(['db', 'restore', copy, '--db', restored], cleanEnv());
  assert.equal(restore.code, 0, restore.stderr);
  const target = new GatewayProcess(await freePort(), restored, credentials);
  await target.start();
  const again = new Api(target.url, credentials);
  try {
    let inCopy = 0;
    for (let h = 0; h < HANDSETS; h++) {
      const thread = await again.request('GET', `/simulator/handsets/${encodeURIComponent(handset(h))}/messages?Number=${encodeURIComponent(NUMBER)}`);
      const inbound = (thread.json.messages as Array<{ sid: string; direction: string; body: string }>).filter((m) => m.direction === 'inbound');
      assert.deepEqual(inbound.map((m) => m.body), inbound.map((_, i) => `m${i}`), `${handset(h)}: a prefix of what was sent, in order`);
      for (const m of inbound) await again.turn(m.sid, '30s'); // the turns the copy had pending run now
      const after = await again.request('GET', `/simulator/handsets/${encodeURIComponent(handset(h))}/messages?Number=${encodeURIComponent(NUMBER)}`);
      const replies = (after.json.messages as Array<{ direction: string; body: string }>).filter((m) => m.direction !== 'inbound').map((m) => m.body);
      assert.deepEqual(replies, inbound.map((_, i) => String(i + 1)), `${handset(h)}: one reply per message, counting`);
      const next = await again.send(handset(h), NUMBER, 'after the restore');
      assert.equal(next.status, 201);
      assert.deepEqual((await again.turn(String(next.json.sid), '10s')).replies.map((r) => r.body), [String(inbound.length + 1)], `${handset(h)}: the cookie session continues`);
      inCopy += inbound.length;
    }
    assert.ok(inCopy >= 100 && inCopy < accepted, `the copy holds the database as of the backup (${inCopy} of ${accepted} messages)`);
  } finally {
    await target.kill('SIGTERM');
  }
});

test('a PostgreSQL URL: the command copies nothing and says how to use pg_dump and pg_restore', async () => {
  for (const action of ['backup', 'restore']) {
    const result = await runCli(['db', action, join(dir, 'x.dump'), '--db', 'postgres://parley@127.0.0.1:5432/parley'], cleanEnv());
    assert.equal(result.code, 2);
    assert.match(result.stderr, /pg_dump --format=custom --file=FILE "\$PARLEY_DB"/);
    assert.match(result.stderr, /pg_restore --clean --if-exists --no-owner --dbname="\$PARLEY_DB" FILE/);
    assert.ok(!existsSync(join(dir, 'x.dump')));
  }
});

test('rollback: an older Parley refuses a database a newer one migrated; the backup from before the upgrade restores it', async () => {
  const db = join(dir, 'upgraded.db');
  const before = join(dir, 'before-upgrade.db');
  await (openSqliteStore({ path: db })).close();
  const backup = await runCli(['db', 'backup', before, '--db', db], cleanEnv());
  assert.equal(backup.code, 0, backup.stderr);
  const newer = new Database(db); // what a later Parley's next migration leaves
  newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  newer.close();
  const serve = await runCli(['serve', '--db', db, '--port', '0', '--log-level', 'silent'], cleanEnv());
  assert.equal(serve.code, 1);
  assert.match(serve.stderr, new RegExp(`schema version ${MIGRATIONS.length + 1}, newer than this Parley knows \\(${MIGRATIONS.length}\\)`));
  const status = await runCli(['db', 'status', '--db', db], cleanEnv());
  assert.equal(status.code, 1);
  assert.match(status.stdout, /newer than this Parley/);
  const restore = await runCli(['db', 'restore', before, '--db', db], cleanEnv());
  assert.equal(restore.code, 0, restore.stderr);
  const after = await runCli(['db', 'status', '--db', db], cleanEnv());
  assert.match(after.stdout, new RegExp(`schema version ${MIGRATIONS.length} of ${MIGRATIONS.length} \\(up to date\\)`));
});
