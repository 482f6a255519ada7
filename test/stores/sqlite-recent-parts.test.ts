/**
 * The SQLite store's parts kept in memory for their receipts (src/stores/sqlite/recent-parts.ts):
 * a store that keeps them answers every record and receipt exactly as one that reads every receipt's
 * part from the table, whatever the order, the reuse of ids, the batching, the evictions and the
 * rollbacks; and after a restart, with nothing in memory, receipts still find parts recorded before it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import type { Store } from '../../src/stores/store.js';
import type { CarrierReceipt, SubmittedPart } from '../../src/stores/records.js';
import { newMessage } from '../../src/messages/message.js';

type Op =
  | { kind: 'record'; message: number; index: number; total: number; channel: string; smscId: string; receiptKey: string }
  | { kind: 'receipt'; channel: string; smscId: string | null; receiptKey: string; state: CarrierReceipt['state']; errorCode: number | null }
  | { kind: 'expire' }
  /** A write that fails (a message stored twice): its batch rolls back and the other writes run again alone. */
  | { kind: 'fail' };

// Few ids, two channels: ids are reused, and a receipt's two ids often name different parts.
const channel = fc.constantFrom('carrier-a', 'carrier-b');
const smscId = fc.constantFrom('A1', 'B2', 'C3', 'D4');
const receiptKey = fc.constantFrom('a1', 'b2', 'c3', 'd4', 'e5');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('record' as const), message: fc.nat(7), index: fc.nat(1), total: fc.constantFrom(1, 2), channel, smscId, receiptKey }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('receipt' as const), channel, smscId: fc.option(smscId, { nil: null }), receiptKey, state: fc.constantFrom('enroute' as const, 'delivered' as const, 'undelivered' as const), errorCode: fc.constantFrom(null, 30003) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'fail' as const }) },
);
/** Operations in groups: a group is started at once (one tick, so often one commit), groups one after another. */
const script = fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 });

const stored = newMessage({ accountSid: 'AC1', direction: 'outbound-api', from: '+15550001111', to: '+15550002222', body: 'once', status: 'queued', at: 1 });

async function play(store: Store, groups: Op[][]): Promise<unknown[]> {
  await store.messages.insert(stored);
  let clock = 1_000;
  const answers: unknown[] = [];
  for (const group of groups) {
    answers.push(...await Promise.all(group.map((o) => {
      clock += 1; // every time distinct: the table's choice between equal times is not defined
      if (o.kind === 'record') {
        const total = Math.max(o.total, o.index + 1);
        return store.carrierParts.record({ messageSid: `SM${o.message}`, accountSid: 'AC1', channel: o.channel, index: o.index, total, smscId: o.smscId, receiptKey: o.receiptKey, submittedAt: clock });
      }
      if (o.kind === 'receipt') return store.carrierParts.applyReceipt({ channel: o.channel, smscId: o.smscId, receiptKey: o.receiptKey, state: o.state, errorCode: o.errorCode, at: clock });
      if (o.kind === 'fail') return store.messages.insert(stored).then(() => 'stored twice', () => 'refused');
      return store.carrierParts.expireUnmatched(clock - 5);
    })));
  }
  const parts: SubmittedPart[][] = [];
  for (let m = 0; m < 8; m++) parts.push(await store.carrierParts.ofMessage(`SM${m}`));
  return [answers, parts];
}

test('property: with parts kept in memory (and evicted from it), every answer is the one the table alone gives', async () => {
  await fc.assert(fc.asyncProperty(script, fc.constantFrom(1, 2, 20_000), async (groups, capacity) => {
    const tableOnly = openSqliteStore({ path: ':memory:', recentParts: 0 });
    const remembering = openSqliteStore({ path: ':memory:', recentParts: capacity });
    try {
      assert.deepEqual(await play(remembering, groups), await play(tableOnly, groups));
    } finally {
      await Promise.all([tableOnly.close(), remembering.close()]);
    }
  }), { numRuns: 1000 });
});

test('examples a random search finds rarely: a receipt whose two ids name two parts, one of them settled already', async () => {
  const record = (message: number, smscId: string, receiptKey: string): Op => ({ kind: 'record', message, index: 0, total: 1, channel: 'carrier-a', smscId, receiptKey });
  const receipt = (smscId: string | null, receiptKey: string, state: CarrierReceipt['state'] = 'delivered'): Op => ({ kind: 'receipt', channel: 'carrier-a', smscId, receiptKey, state, errorCode: null });
  const scripts: Op[][][] = [
    // The later part (by its SMSC id) was settled: the table names it, and the receipt changes nothing.
    [[record(1, 'A1', 'a1')], [record(2, 'B2', 'b2')], [receipt(null, 'b2')], [receipt('B2', 'a1', 'undelivered')]],
    // The same, the other way round: the later part named by its receipt key.
    [[record(1, 'A1', 'a1')], [record(2, 'B2', 'b2')], [receipt('B2', 'x9')], [receipt('A1', 'b2', 'undelivered')]],
    // Both still held: the later one settles.
    [[record(1, 'A1', 'a1')], [record(2, 'B2', 'b2')], [receipt('A1', 'b2', 'undelivered')], [receipt('B2', 'a1')]],
  ];
  for (const groups of scripts) {
    const tableOnly = openSqliteStore({ path: ':memory:', recentParts: 0 });
    const remembering = openSqliteStore({ path: ':memory:' });
    try {
      assert.deepEqual(await play(remembering, groups), await play(tableOnly, groups), JSON.stringify(groups));
    } finally {
      await Promise.all([tableOnly.close(), remembering.close()]);
    }
  }
});

test('after a restart nothing is in memory, and receipts still settle the parts recorded before it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-recent-parts-'));
  const path = join(dir, 'parley.db');
  try {
    const before = openSqliteStore({ path });
    await before.carrierParts.record({ messageSid: 'SM1', accountSid: 'AC1', channel: 'carrier-a', index: 0, total: 1, smscId: 'AB12', receiptKey: 'ab12', submittedAt: 1_000 });
    await before.close();
    const after = openSqliteStore({ path });
    const settled = await after.carrierParts.applyReceipt({ channel: 'carrier-a', smscId: 'AB12', receiptKey: 'ab12', state: 'delivered', errorCode: null, at: 2_000 });
    assert.deepEqual(settled?.map((p) => [p.messageSid, p.state, p.doneAt]), [['SM1', 'delivered', 2_000]]);
    const again = await after.carrierParts.applyReceipt({ channel: 'carrier-a', smscId: 'AB12', receiptKey: 'ab12', state: 'undelivered', errorCode: 30003, at: 3_000 });
    assert.deepEqual(again?.map((p) => [p.state, p.doneAt]), [['delivered', 2_000]], 'a final state stays');
    await after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
