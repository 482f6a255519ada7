/**
 * What the other nodes' observers want from this node (interest texts, events/interest.ts), as
 * this node knows it: from the database's `nodes.watching` of the nodes alive, read when joining
 * and at each heartbeat, and from what a node announces over the broadcast channel, heard at once.
 * An entry lasts a lease unless renewed: a node that died stops being relayed to.
 */
interface Known {
  interest: string;
  /** performance.now() when it was announced; -1 when it was read from the database. */
  heardAt: number;
  until: number;
}

export class PeerInterests {
  private readonly byNode = new Map<string, Known>();
  private current: readonly string[] = [];
  private nextExpiry = Number.POSITIVE_INFINITY;

  constructor(private readonly leaseMs: number) {}

  /** A node announced its interest ('' when it wants nothing now). */
  heard(node: string, interest: string): void {
    const now = performance.now();
    this.byNode.set(node, { interest, heardAt: now, until: now + this.leaseMs });
    this.rebuild(now);
  }

  /**
   * The database's rows of the other nodes alive that want something, asked at `askedAt`. They
   * override what was known before then (a node that left or died is gone from them); what a node
   * announced since may be newer than the rows' snapshot, so it stays.
   */
  read(rows: ReadonlyArray<readonly [string, string]>, askedAt: number): void {
    const now = performance.now();
    const listed = new Set<string>();
    for (const [node, interest] of rows) {
      listed.add(node);
      const known = this.byNode.get(node);
      if (known && known.heardAt >= askedAt) continue;
      this.byNode.set(node, { interest, heardAt: -1, until: now + this.leaseMs });
    }
    for (const [node, known] of this.byNode) {
      if (!listed.has(node) && known.heardAt < askedAt) this.byNode.delete(node);
    }
    this.rebuild(now);
  }

  /** The interests of the nodes that want something: the same array until it changes. */
  list(): readonly string[] {
    if (this.nextExpiry !== Number.POSITIVE_INFINITY) {
      const now = performance.now();
      if (now >= this.nextExpiry) this.rebuild(now);
    }
    return this.current;
  }

  private rebuild(now: number): void {
    this.nextExpiry = Number.POSITIVE_INFINITY;
    const wanted: string[] = [];
    for (const [node, known] of this.byNode) {
      if (known.until <= now) {
        this.byNode.delete(node);
        continue;
      }
      this.nextExpiry = Math.min(this.nextExpiry, known.until);
      if (known.interest !== '') wanted.push(known.interest);
    }
    wanted.sort();
    const same = wanted.length === this.current.length && wanted.every((w, i) => w === this.current[i]);
    if (!same) this.current = wanted;
  }
}
