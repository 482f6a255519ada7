/**
 * One reload as `parley serve` runs it on SIGHUP (src/cli/commands/reload.ts), with the real
 * configuration schema and a temporary file: the log level takes effect at once, without a restart
 * and without naming it as one. What SIGHUP does to channels, in a real process against SMSC
 * doubles, is in test/channels/smpp/reload.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { reload, type Reloading } from '../../src/cli/commands/reload.js';
import { loadServeConfig } from '../../src/config/schema.js';
import type { ChannelChanges } from '../../src/channels/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-reload-level-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('log-level: the new level at once, said in the reload line, not named as taking a restart', async (t) => {
  const file = join(dir, 'parley.yaml');
  writeFileSync(file, 'log-level: info\n');
  const args = ['--config', file];
  const running = loadServeConfig(args, {});
  const logger = { level: 'info' };
  const outcomes: boolean[] = [];
  const unchanged: ChannelChanges = { started: [], adjusted: [], restarted: [], stopped: [], unchanged: [] };
  const reloading: Reloading = {
    parley: { reloadChannels: async () => unchanged, metrics: { recordReload: (ok) => void outcomes.push(ok) } },
    logger, args,
  };
  const printed: string[] = [];
  t.mock.method(console, 'log', (line: string) => void printed.push(line));
  t.mock.method(console, 'error', (line: string) => void printed.push(line));

  writeFileSync(file, 'log-level: debug\n');
  const next = await reload(reloading, running);
  assert.equal(logger.level, 'debug');
  assert.equal(next?.logLevel, 'debug');
  assert.deepEqual(printed, ['SIGHUP: configuration reloaded; no channels; log level debug']);
  assert.deepEqual(outcomes, [true]);

  writeFileSync(file, 'log-level: loud\n');
  assert.equal(await reload(reloading, next!), null);
  assert.equal(logger.level, 'debug', 'a refused reload leaves the level');
  assert.match(printed[1]!, /^parley: SIGHUP: the configuration was not reloaded, nothing changed: .*unknown log level "loud"/);
  assert.deepEqual(outcomes, [true, false]);
});
