/**
 * deploy/parley.service: read as systemd reads it (sections, `Key=value`, repeated keys, comments),
 * it names what the deployment guide promises; `systemd-analyze verify` reports nothing (systemd's
 * own parser: unknown keys and bad values are warnings it prints, so the test requires silence),
 * and `systemd-analyze security --offline` rates its exposure OK. What cannot be checked here
 * without a running systemd: that the unit starts, and the sandbox at run time. Also the sample
 * configuration deploy/parley.yaml is valid for `parley serve`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadServeConfig } from '../../src/config/schema.js';

const run = promisify(execFile);
const UNIT = fileURLToPath(new URL('../../../deploy/parley.service', import.meta.url));
const SAMPLE_CONFIG = fileURLToPath(new URL('../../../deploy/parley.yaml', import.meta.url));

/** Section → key → every value, in order (systemd appends repeated keys, an empty value resets). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(pair && current, `line ${i + 1} is neither a section nor Key=value: ${raw}`);
    const values = current.get(pair[1]!) ?? [];
    current.set(pair[1]!, pair[2] === '' ? [''] : [...values, pair[2]!]);
  }
  return sections;
}

test('the unit names the command, the user, the database directory, the drain and the hardening', () => {
  const unit = parseUnit(readFileSync(UNIT, 'utf8'));
  const service = unit.get('Service')!;
  const one = (key: string): string | undefined => {
    const values = service.get(key);
    return values?.[values.length - 1];
  };
  assert.match(one('ExecStart') ?? '', /^\/usr\/bin\/node \S+\/dist\/src\/cli\/main\.js serve --config \/etc\/parley\/parley\.yaml$/);
  assert.equal(one('DynamicUser'), 'yes');
  assert.equal(one('StateDirectory'), 'parley');
  assert.ok(service.get('Environment')?.includes('PARLEY_DB=/var/lib/parley/parley.db'), 'the database in the state directory');
  assert.ok(one('ReadWritePaths')?.split(/\s+/).includes('/var/lib/parley'));
  assert.equal(one('KillSignal'), 'SIGTERM');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID', 'systemctl reload sends the SIGHUP that reloads the channels');
  assert.ok(Number(one('TimeoutStopSec')) > 30, 'longer than the default --drain-timeout (30 s)');
  assert.equal(one('Restart'), 'on-failure');
  const hardening: Record<string, string> = {
    NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', PrivateDevices: 'yes', CapabilityBoundingSet: '',
    ProtectKernelTunables: 'yes', ProtectKernelModules: 'yes', ProtectControlGroups: 'yes', RestrictSUIDSGID: 'yes', LockPersonality: 'yes',
    RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX', SystemCallArchitectures: 'native', UMask: '0077',
  };
  for (const [key, value] of Object.entries(hardening)) assert.equal(one(key), value, key);
  assert.notEqual(one('MemoryDenyWriteExecute'), 'yes', "V8's JIT needs writable and executable memory");
  assert.equal(unit.get('Install')?.get('WantedBy')?.[0], 'multi-user.target');
});

test('systemd-analyze verify prints nothing, and security --offline rates the unit OK', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-unit-'));
  try {
    // verify checks that ExecStart's program exists: this machine's node stands in for /usr/bin/node.
    const unit = join(dir, 'parley.service');
    writeFileSync(unit, readFileSync(UNIT, 'utf8').replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    const verify = await run('systemd-analyze', ['verify', unit]).catch((error: { code?: string; stderr?: string }) => {
      if (error.code === 'ENOENT') throw new Error('systemd-analyze is not installed (Debian: apt-get install systemd; .ci/run does)');
      throw new Error(`systemd-analyze verify failed: ${error.stderr ?? String(error)}`);
    });
    assert.equal(verify.stderr.trim(), '', 'no warnings');
    const security = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', unit]);
    const level = /Overall exposure level for parley\.service: ([\d.]+) (\w+)/.exec(security.stdout);
    assert.ok(level, security.stdout.slice(-500));
    assert.equal(level[2], 'OK', `exposure ${level[1]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sample configuration deploy/parley.yaml is valid', () => {
  const config = loadServeConfig(['--config', SAMPLE_CONFIG], {});
  assert.equal(config.host, '127.0.0.1');
  assert.deepEqual(config.trustProxy, ['loopback']);
  assert.deepEqual(config.allowedHosts, ['parley.example.com']);
  assert.equal(config.drainTimeoutMs, 30_000);
});
