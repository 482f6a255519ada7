/**
 * The SQLite store's opt-outs, answered from memory.
 *
 * Every reply and every REST message is checked against them before it is sent, and on SQLite a
 * read outside a write transaction takes and releases a lock on the WAL index: two `fcntl` calls,
 * 7 to 11 µs a read here however small the table (bench/README.md, finding 35), the only read of a
 * turn. This adapter is the only writer of its file, so it loads the opt-outs once and applies each
 * add and remove once it has committed. Past `limit` rows it stops keeping them and reads instead,
 * so a gateway with a very long opt-out list keeps a bounded memory.
 */
import type { OptOutRepository } from '../store.js';
import type { Statements } from './sql.js';

type Write = <T>(run: () => T) => Promise<T>;
type Read = <T>(run: () => T) => Promise<T>;

/** About 100 bytes each: 10 MB at most. */
export const OPT_OUTS_IN_MEMORY = 100_000;

const keyOf = (accountSid: string, number: string, handset: string): string => `${accountSid}\u0000${number}\u0000${handset}`;

export function sqliteOptOuts(st: Statements, write: Write, read: Read, limit = OPT_OUTS_IN_MEMORY): OptOutRepository {
  let memory: Set<string> | null = null;
  if ((st.optOutCount.get() as { n: number }).n <= limit) {
    memory = new Set();
    for (const row of st.optOutAll.iterate() as Iterable<{ account_sid: string; number: string; handset: string }>) {
      memory.add(keyOf(row.account_sid, row.number, row.handset));
    }
  }
  return {
    add: (account, number, handset, at) => write(() => void st.optOutAdd.run(account, number, handset, at)).then(() => {
      if (!memory) return;
      memory.add(keyOf(account, number, handset));
      if (memory.size > limit) memory = null; // too many to keep: read from now on
    }),
    remove: (account, number, handset) => write(() => st.optOutRemove.run(account, number, handset).changes > 0).then((removed) => {
      memory?.delete(keyOf(account, number, handset));
      return removed;
    }),
    has: (account, number, handset) => (memory
      ? Promise.resolve(memory.has(keyOf(account, number, handset)))
      : read(() => st.optOutHas.get(account, number, handset) !== undefined)),
  };
}
