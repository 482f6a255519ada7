/**
 * The parts this process recorded and no receipt has settled yet, by the two ids a receipt names a
 * part with (its SMSC id and its receipt key, per channel). Most receipts come seconds after their
 * part, so their part is found here instead of by `carrierPartMatch`, the carrier loop's costliest
 * lookup (bench/README.md, finding 88). The table stays the truth: anything not found here is read
 * from it.
 *
 * Contract (what keeps an answer from here equal to the table's):
 * - Entries change only inside the group committer's writes, in the order the writes run, so they
 *   follow the table as the next statement of the transaction sees it. A rollback undoes the writes
 *   of its batch, so it clears everything (`clear`, before any write runs again).
 * - An entry for an id is the part recorded last with that id in this process: a part whose insert
 *   took, and that no receipt settled at once, is added in place of what its ids named before.
 * - `match` answers only when every id the receipt carries is found here; then the table's latest
 *   part for each id is the one found (parts of an earlier process, or evicted from here, are older),
 *   and the later of the two is the table's answer too.
 * - Settling a part (by a receipt, found here or in the table) forgets its ids: a repeated receipt
 *   reads the table, which then has its final state. Past `capacity` parts, the oldest leave first.
 */
import type { CarrierPartRow } from '../shared-rows.js';

export class RecentParts {
  /** Per channel, by receipt key and by SMSC id. */
  private readonly byKey = new Map<string, Map<string, CarrierPartRow>>();
  private readonly bySmscId = new Map<string, Map<string, CarrierPartRow>>();
  /** Every part held, oldest first. */
  private readonly order = new Set<CarrierPartRow>();

  /** `capacity` 0 keeps nothing: every receipt reads the table. */
  constructor(private readonly capacity: number) {}

  /** A part with these ids was settled (or is being added): the table answers for them. */
  forget(channel: string, smscId: string, receiptKey: string): void {
    if (this.order.size === 0) return;
    const byKey = this.byKey.get(channel)?.get(receiptKey);
    if (byKey) this.remove(byKey);
    const bySmscId = this.bySmscId.get(channel)?.get(smscId);
    if (bySmscId) this.remove(bySmscId);
  }

  /** A part just inserted as `submitted` (no receipt came first to settle it), in place of what its ids named. */
  add(row: CarrierPartRow): void {
    if (this.capacity === 0) return;
    this.forget(row.channel, row.smsc_id, row.receipt_key);
    if (this.order.size >= this.capacity) this.remove(this.order.values().next().value!);
    channelMap(this.byKey, row.channel).set(row.receipt_key, row);
    channelMap(this.bySmscId, row.channel).set(row.smsc_id, row);
    this.order.add(row);
  }

  /** The part the table would match, when this can tell; undefined sends the receipt to the table. */
  match(channel: string, smscId: string | null, receiptKey: string): CarrierPartRow | undefined {
    if (this.order.size === 0) return undefined;
    const byKey = this.byKey.get(channel)?.get(receiptKey);
    if (!byKey || smscId === null) return byKey;
    const bySmscId = this.bySmscId.get(channel)?.get(smscId);
    if (!bySmscId) return undefined;
    return bySmscId.submitted_at > byKey.submitted_at ? bySmscId : byKey;
  }

  /** After a rollback: what the batch's writes put here may no longer be in the table. */
  clear(): void {
    this.byKey.clear();
    this.bySmscId.clear();
    this.order.clear();
  }

  private remove(row: CarrierPartRow): void {
    if (!this.order.delete(row)) return;
    const byKey = this.byKey.get(row.channel);
    if (byKey?.get(row.receipt_key) === row) byKey.delete(row.receipt_key);
    const bySmscId = this.bySmscId.get(row.channel);
    if (bySmscId?.get(row.smsc_id) === row) bySmscId.delete(row.smsc_id);
  }
}

function channelMap(maps: Map<string, Map<string, CarrierPartRow>>, channel: string): Map<string, CarrierPartRow> {
  let map = maps.get(channel);
  if (!map) {
    map = new Map();
    maps.set(channel, map);
  }
  return map;
}
