/**
 * Migration 5's leaner message indexes (no SID in their keys): every statement of the SQLite store
 * still finds its rows through an index, never a full scan of messages, conversations or exchanges.
 * Migration 11: writing a message never builds a temporary B-tree to check a partial index.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/stores/sqlite/migrations.js';
import { SQL } from '../../src/stores/sqlite/sql.js';

describe('message indexes (migration 5)', () => {
  test('no statement of the store scans messages, conversations or exchanges', () => {
    const db = new Database(':memory:');
    try {
      for (const migration of MIGRATIONS) db.exec(migration);
      for (const [name, sql] of Object.entries(SQL)) {
        const names = [...new Set(sql.match(/@\w+/g) ?? [])].map((n) => n.slice(1));
        const positional = (sql.match(/\?/g) ?? []).length;
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
        const rows = (names.length > 0 ? plan.all(Object.fromEntries(names.map((n) => [n, null]))) : plan.all(...Array<null>(positional).fill(null))) as Array<{ detail: string }>;
        const detail = rows.map((r) => r.detail).join(' | ');
        assert.doesNotMatch(detail, /SCAN (messages|conversations|exchanges)(?! USING)/, `${name}: ${detail}`);
        if (name === 'messageThread') assert.match(detail, /messages_account_from_number.*messages_account_to_number/, detail);
      }
    } finally {
      db.close();
    }
  });

  test('a turn\'s writes of messages build no temporary B-tree (migration 11: no IN list in a partial index)', () => {
    const db = new Database(':memory:');
    try {
      for (const migration of MIGRATIONS) db.exec(migration);
      for (const name of ['messageInsert', 'replyInsert', 'turnFinish', 'messageSetStatus', 'messageSetStatusFrom', 'messageUpdate'] as const) {
        const sql = SQL[name];
        const names = [...new Set(sql.match(/@\w+/g) ?? [])].map((n) => n.slice(1));
        const positional = (sql.match(/\?/g) ?? []).length;
        const program = db.prepare(`EXPLAIN ${sql}`);
        const rows = (names.length > 0 ? program.all(Object.fromEntries(names.map((n) => [n, null]))) : program.all(...Array<null>(positional).fill(null))) as Array<{ opcode: string }>;
        assert.ok(rows.length > 0, name);
        assert.deepEqual(rows.filter((r) => r.opcode === 'OpenEphemeral'), [], `${name} opens a temporary B-tree`);
      }
    } finally {
      db.close();
    }
  });
});
