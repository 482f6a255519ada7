/**
 * bench/lib/jit-functions.ts: callgrind's `???:0x…` functions (code V8 compiled) named through the
 * perf map V8 writes with `--perf-basic-prof`, native ones as callgrind named them, per turn.
 * Runs Debian's callgrind_annotate (valgrind) on a small dump in callgrind's own format.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionsOf } from '../../bench/lib/jit-functions.js';

const DUMP = `version: 1
creator: callgrind-3.19.0
pid: 42
cmd: node
part: 1

positions: line
events: Ir

ob=???
fl=???
fn=0x000000000d1d7ac0
0 3000

ob=/opt/parley/node_modules/better-sqlite3/build/Release/better_sqlite3.node
fl=???
fn=sqlite3VdbeExec
0 1000

ob=???
fl=???
fn=0x000000000d2d0010
0 500

ob=???
fl=???
fn=0x000000000d2d0030
0 400

ob=???
fl=???
fn=0x000000000e000000
0 100

totals: 5000
`;

// Two entries; 0xd2d0030 lies past the second's end and 0xe000000 past every entry: not named.
const PERF_MAP = [
  '0d1d7a00 200 JS:*send file:///opt/parley/dist/src/webhooks/client.js:32:15',
  '0d2d0000 20 JS:^flush file:///opt/parley/dist/src/stores/sqlite/group-commit.js:77:10',
  '',
].join('\n');

test('JIT addresses are named from the perf map (self instructions a turn); native names and unmapped addresses stay as callgrind gave them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-jit-functions-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'callgrind.out'), DUMP);
  writeFileSync(join(dir, 'perf.map'), PERF_MAP);
  const functions = functionsOf([join(dir, 'callgrind.out')], join(dir, 'perf.map'), 10, 10);
  assert.deepEqual(functions, [
    ['JS:*send src/webhooks/client.js:32:15', 300],
    ['???:sqlite3VdbeExec', 100],
    ['JS:^flush src/stores/sqlite/group-commit.js:77:10', 50],
    ['???:0x000000000d2d0030', 40],
    ['???:0x000000000e000000', 10],
  ]);
  // Two dumps of the same process add up; `top` keeps the first N.
  assert.deepEqual(functionsOf([join(dir, 'callgrind.out'), join(dir, 'callgrind.out')], join(dir, 'perf.map'), 10, 2), [
    ['JS:*send src/webhooks/client.js:32:15', 600],
    ['???:sqlite3VdbeExec', 200],
  ]);
  // Without a map (the gateway not started with --perf-basic-prof), nothing is named.
  assert.equal(functionsOf([join(dir, 'callgrind.out')], join(dir, 'missing.map'), 10, 1)[0]![0], '???:0x000000000d1d7ac0');
});
