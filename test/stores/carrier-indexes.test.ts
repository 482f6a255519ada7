/**
 * Receipt matching reads two indexes, never every part of a channel: each receipt looks its part
 * up by the SMSC's id and by the receipt key, through the whole of each index's key (an `OR` of
 * the two used only the channel prefix and scanned the channel's parts, 30 ms a receipt at 200,000).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { applyMigrations } from '../../src/stores/sqlite/migrations.js';
import { SQL } from '../../src/stores/sqlite/sql.js';

test('carrierPartMatch and unmatchedFor search both indexes by channel and id', () => {
  const db = new Database(':memory:');
  try {
    applyMigrations(db);
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('a', 'x', 'a', 'y') as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    const parts = plan(SQL.carrierPartMatch);
    assert.match(parts, /carrier_parts_smsc_id \(channel=\? AND smsc_id=\?\)/, parts);
    assert.match(parts, /carrier_parts_receipt_key \(channel=\? AND receipt_key=\?\)/, parts);
    const unmatched = plan(SQL.unmatchedFor);
    assert.match(unmatched, /unmatched_receipts_smsc_id \(channel=\? AND smsc_id=\?\)/, unmatched);
    assert.match(unmatched, /unmatched_receipts_key \(channel=\? AND receipt_key=\?\)/, unmatched);
  } finally {
    db.close();
  }
});
