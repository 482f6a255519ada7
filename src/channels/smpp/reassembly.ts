/**
 * Reassembly of a concatenated inbound message from the parts that arrived, in any order, with
 * possible duplicates (SMSCs redeliver a part whose `deliver_sm_resp` they did not see). Pure:
 * the channel keeps the parts (durably) and the timeout; this says what they make.
 *
 * Contract:
 * - Parts of one message share `concatenationKey(source, destination, concatenation)`: the
 *   reference alone is not enough (8 bits wrap quickly and every handset picks its own).
 * - `reassemble(total, parts)`: the first arrival of each seq counts, later duplicates are
 *   ignored, a seq outside 1..total is ignored. When every seq 1..total is there: `complete`
 *   with the texts joined in seq order (a surrogate pair a handset split across parts joins up
 *   again). Otherwise `missing` lists the absent seqs in order and `text` joins what came (what
 *   Parley stores, with 30009, when the timeout passes).
 * - GSM escapes are not rejoined across parts: 23.040 forbids splitting them, and the UDH
 *   splitters seen in practice respect it.
 */
import type { Concatenation } from './udh.js';

export interface ArrivedPart {
  seq: number;
  text: string;
}

export type Reassembly =
  | { complete: true; text: string }
  | { complete: false; text: string; missing: number[] };

export function concatenationKey(source: string, destination: string, concatenation: Pick<Concatenation, 'reference' | 'total' | 'referenceBits'>): string {
  return JSON.stringify([source, destination, concatenation.referenceBits, concatenation.reference, concatenation.total]);
}

export function reassemble(total: number, parts: Iterable<ArrivedPart>): Reassembly {
  const bySeq = new Map<number, string>();
  for (const { seq, text } of parts) {
    if (Number.isInteger(seq) && seq >= 1 && seq <= total && !bySeq.has(seq)) bySeq.set(seq, text);
  }
  const missing: number[] = [];
  let text = '';
  for (let seq = 1; seq <= total; seq++) {
    const part = bySeq.get(seq);
    if (part === undefined) missing.push(seq);
    else text += part;
  }
  return missing.length ? { complete: false, text, missing } : { complete: true, text };
}
