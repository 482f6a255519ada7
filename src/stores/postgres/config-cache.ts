/**
 * The configuration cache of a node sharing its database: numbers, their services, Messaging
 * Services and opt-outs are read on every turn and change rarely, but any node may change them.
 *
 * Every change bumps one version in the database (a statement trigger on each of those tables, so
 * no writer can forget it) and notifies the nodes. Entries are kept under the version they were
 * read at, and the version is checked where Parley starts work: every account read (each HTTP
 * request authenticates, each turn reads its account) returns the current version, and a newer one
 * empties the cache before that request or turn reads anything else. So a number changed through
 * one node is used by any other node's next request or turn; the notification (and emptying the
 * cache whenever the listening connection had to reconnect) covers work that starts elsewhere (a
 * carrier's inbound message, the scheduled-message sweep) within moments.
 *
 * Accounts themselves are never cached (their tokens and statuses decide authentication).
 */

/** At most this many entries; past it the cache starts over (most are per-handset opt-out checks). */
const LIMIT = 20_000;

export class ConfigCache {
  private version: string | null = null;
  /** Raised on every emptying, so that a read started before it never stores its stale answer. */
  private generation = 0;
  private readonly entries = new Map<string, unknown>();

  /**
   * A version read from the database (a bigint, as its text): a different one empties the cache. None
   * (the version row is missing) empties it every time: without a version nothing can be trusted.
   */
  seen(version: string | null): void {
    if (version !== null && version === this.version) return;
    this.version = version;
    this.clear();
  }

  clear(): void {
    this.entries.clear();
    this.generation++;
  }

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation) {
      if (this.entries.size >= LIMIT) this.entries.clear();
      this.entries.set(key, value);
    }
    return value;
  }
}
