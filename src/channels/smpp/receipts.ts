/**
 * Delivery receipts: a `deliver_sm` whose esm_class says "SMSC delivery receipt", read from its
 * TLVs (`receipted_message_id`, `message_state`, `network_error_code`) or, when they are absent,
 * from the de facto text `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`
 * (SMPP 3.4 Appendix B calls it vendor specific). And the keys that match a receipt's id to the
 * `message_id` a `submit_sm_resp` gave.
 *
 * Contract:
 * - `parseReceiptText(text)` scans `key:value` pairs case-insensitively in any order, tolerating
 *   missing keys, extra spaces, `submit_date`, NULs and junk after the text; `text:` is last and
 *   takes the rest. Undefined when neither `id:` nor `stat:` is there.
 * - `stateOfStat(stat)` reads the 7-letter and long forms (`DELIVRD`/`DELIVERED`, `UNDELIV`/
 *   `UNDELIVERABLE`, `FAILED` → UNDELIVERABLE, `BUFFRED`/`ACKED` → ENROUTE, …); anything else is
 *   UNKNOWN. `doneDate` is `YYMMDDhhmm` (the first 10 digits; seconds, when given, dropped), the
 *   form of Twilio's `RawDlrDoneDate`.
 * - `parseReceipt({ text, tlvs })` prefers the TLVs and completes them from the text: state from
 *   `message_state` else `stat:`, error from `network_error_code` else `err:`, ids from both
 *   (TLV first). Undefined when no state can be read (the channel logs and counts it).
 * - Id matching, per the channel's `receipt-id`: `as-is` = the receipt carries the id exactly as
 *   `submit_sm_resp` gave it; `decimal` = the resp id is hexadecimal and the receipt text writes
 *   the same number in decimal (Kannel's msg-id-type 0x01 case); `hex` = the resp id is decimal
 *   and the receipt text writes it in hexadecimal. `submitIdKey` and `receiptIdKey` give keys that
 *   are equal exactly when the ids match: in the numeric modes leading zeros and hex case do not
 *   matter, and an id that is not a number in its expected base falls back to as-is (a receipt id
 *   that is not a number in the receipt's base is taken to be the resp id as given, and keyed like
 *   one). The `receipted_message_id` TLV carries the id as the resp gave it: keyed like a resp id.
 */
import { alphabetOf, decodeUserData } from './inbound-text.js';

/** SMPP `message_state` values (0 and 9 are SMPP 5.0), index = value. */
export const MESSAGE_STATES = ['SCHEDULED', 'ENROUTE', 'DELIVERED', 'EXPIRED', 'DELETED', 'UNDELIVERABLE', 'ACCEPTED', 'UNKNOWN', 'REJECTED', 'SKIPPED'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** States after which nothing more happens to the message. ENROUTE, ACCEPTED and SCHEDULED are not. */
export function isFinalState(state: MessageState): boolean {
  return state !== 'ENROUTE' && state !== 'ACCEPTED' && state !== 'SCHEDULED';
}

export type ReceiptIdMode = 'as-is' | 'hex' | 'decimal';

export type DeliverSmType = 'message' | 'delivery-receipt' | 'sme-delivery-ack' | 'sme-manual-ack' | 'intermediate-notification' | 'reserved';

/** What a `deliver_sm` is, from esm_class bits 5-2 (tested as bits: UDHI may be set as well). */
export function deliverSmType(esmClass: number): DeliverSmType {
  switch (esmClass & 0x3c) {
    case 0x00: return 'message';
    case 0x04: return 'delivery-receipt';
    case 0x08: return 'sme-delivery-ack';
    case 0x10: return 'sme-manual-ack';
    case 0x20: return 'intermediate-notification';
    default: return 'reserved';
  }
}

export interface ReceiptText {
  id?: string;
  sub?: string;
  dlvrd?: string;
  submitDate?: string;
  doneDate?: string;
  /** As written, upper-cased. */
  stat?: string;
  err?: string;
  text?: string;
}

/** Receipt TLVs as the `smpp` library names them. */
export interface ReceiptTlvs {
  receipted_message_id?: string | undefined;
  message_state?: number | undefined;
  network_error_code?: Uint8Array | undefined;
}

export type ReceiptError =
  /** `network_error_code`: network type (1 ANSI-136, 2 IS-95, 3 GSM, …) and the 2-octet code. */
  | { source: 'tlv'; networkType: number; code: number }
  /** `err:`; `code` when it is decimal digits. */
  | { source: 'text'; raw: string; code?: number };

export interface Receipt {
  ids: Array<{ id: string; source: 'tlv' | 'text' }>;
  state: MessageState;
  final: boolean;
  error?: ReceiptError;
  doneDate?: string;
}

const KEY = /(?:^|[\s\0])(id|sub|dlvrd|submit[\s_]*date|done[\s_]*date|stat|err|text)\s*:/gi;

/** The fields in slot order; a key's slot comes from `slotOf`. */
const FIELDS = ['id', 'sub', 'dlvrd', 'submitDate', 'doneDate', 'stat', 'err', 'text'] as const;
const fieldSlot = (field: (typeof FIELDS)[number]): number => FIELDS.indexOf(field);
const ID_SLOT = fieldSlot('id');
const SUB_SLOT = fieldSlot('sub');
const DLVRD_SLOT = fieldSlot('dlvrd');
const SUBMIT_DATE_SLOT = fieldSlot('submitDate');
const DONE_DATE_SLOT = fieldSlot('doneDate');
const STAT_SLOT = fieldSlot('stat');
const ERR_SLOT = fieldSlot('err');
const TEXT_SLOT = fieldSlot('text');

/**
 * A key's slot in `FIELDS`, as `KEY` matched it. A key comes as a fresh substring, so looking it
 * up in an object goes through V8's megamorphic keyed load and hashes it first; comparing it
 * with the few spellings is cheaper (bench/README.md, finding 105).
 */
function slotOf(key: string): number {
  switch (key) {
    case 'id': return ID_SLOT;
    case 'sub': return SUB_SLOT;
    case 'dlvrd': return DLVRD_SLOT;
    case 'submit date': case 'submitdate': return SUBMIT_DATE_SLOT;
    case 'done date': case 'donedate': return DONE_DATE_SLOT;
    case 'stat': return STAT_SLOT;
    case 'err': return ERR_SLOT;
    case 'text': return TEXT_SLOT;
    default: {
      // Another case or spacing (`ID`, `submit_date`, `Done  Date`): the same key folded. -1, no
      // field, cannot come from what `KEY` matches; it keeps a change to `KEY` from looping here.
      const folded = key.toLowerCase().replace(/[\s_]/g, '');
      return folded === key ? -1 : slotOf(folded);
    }
  }
}

/**
 * The form nearly every SMSC writes (the SMPP 3.4 example in lower case, one space apart): all of
 * it in one match, where the general scan below runs `KEY` eight times (finding 105). A value
 * here holds no space and no NUL, so each capture is what the scan would cut and trim.
 */
const STANDARD_FORM = /^id:([^\s\0]*) sub:([^\s\0]*) dlvrd:([^\s\0]*) submit date:([^\s\0]*) done date:([^\s\0]*) stat:([^\s\0]*) err:([^\s\0]*) text:/;

export function parseReceiptText(text: string): ReceiptText | undefined {
  const standard = STANDARD_FORM.exec(text);
  if (standard) {
    return {
      id: standard[1]!, sub: standard[2]!, dlvrd: standard[3]!, submitDate: compactDate(standard[4]!), doneDate: compactDate(standard[5]!),
      stat: standard[6]!.toUpperCase(), err: standard[7]!, text: valueOf(TEXT_SLOT, text.slice(standard[0].length)),
    };
  }
  // One pass: each value runs from its key to the next key's separator (`text:` to the end).
  // Keys are mostly written in lower case already, and most values hold no NUL: both skip a
  // regular expression's replace (bench/README.md, finding 87). Values wait in slots, and the
  // record is made at the end with its fields always added in one order (finding 105).
  const slots: Array<string | undefined> = [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined];
  KEY.lastIndex = 0;
  let slot = -1;
  let valueStart = 0;
  for (;;) {
    const m = slot === TEXT_SLOT ? null : KEY.exec(text);
    if (slot >= 0 && slots[slot] === undefined) slots[slot] = valueOf(slot, text.slice(valueStart, m ? m.index : text.length));
    if (!m) break;
    slot = slotOf(m[1]!);
    valueStart = m.index + m[0].length;
  }
  if (slots[ID_SLOT] === undefined && slots[STAT_SLOT] === undefined) return undefined;
  const receipt: ReceiptText = {};
  for (let i = 0; i < FIELDS.length; i++) {
    const value = slots[i];
    if (value !== undefined) receipt[FIELDS[i]!] = value;
  }
  return receipt;
}

/** A key's value as kept (only its first is): trimmed, NULs as spaces (`text:` ends at its first NUL). */
function valueOf(slot: number, raw: string): string {
  const withoutNul = !raw.includes('\0') ? raw : slot === TEXT_SLOT ? raw.replace(/\0[\s\S]*$/, '') : raw.replace(/\0/g, ' ');
  const value = withoutNul.trim();
  if (slot === STAT_SLOT) return value.toUpperCase();
  if (slot === SUBMIT_DATE_SLOT || slot === DONE_DATE_SLOT) return compactDate(value);
  return value;
}

const ONLY_DIGITS = /^\d*$/;

/** `YYMMDDhhmm` from a date value: its first 10 digits (a value with fewer is kept as written). */
function compactDate(value: string): string {
  const digits = ONLY_DIGITS.test(value) ? value : value.replace(/\D/g, '');
  return digits.length >= 10 ? digits.slice(0, 10) : value;
}

/** A Map, not an object: a stat is a fresh substring, which an object's keyed load would hash and look up the slow way (finding 105). */
const STATS = new Map<string, MessageState>([
  ['DELIVRD', 'DELIVERED'], ['DELIVERED', 'DELIVERED'],
  ['EXPIRED', 'EXPIRED'],
  ['DELETED', 'DELETED'],
  ['UNDELIV', 'UNDELIVERABLE'], ['UNDELIVERABLE', 'UNDELIVERABLE'], ['UNDELIVERED', 'UNDELIVERABLE'], ['FAILED', 'UNDELIVERABLE'],
  ['ACCEPTD', 'ACCEPTED'], ['ACCEPTED', 'ACCEPTED'],
  ['UNKNOWN', 'UNKNOWN'],
  ['REJECTD', 'REJECTED'], ['REJECTED', 'REJECTED'],
  ['ENROUTE', 'ENROUTE'], ['BUFFRED', 'ENROUTE'], ['BUFFERD', 'ENROUTE'], ['BUFFERED', 'ENROUTE'], ['ACKED', 'ENROUTE'],
  ['SCHEDULED', 'SCHEDULED'],
  ['SKIPPED', 'SKIPPED'],
]);

export function stateOfStat(stat: string): MessageState {
  return STATS.get(stat.trim().toUpperCase()) ?? 'UNKNOWN';
}

/**
 * The text of a receipt's `short_message`. Some SMSCs label an ASCII receipt data_coding 8
 * (reference trap 6): when the declared coding gives no `id:`/`stat:` but Latin-1 does, Latin-1 wins.
 */
export function receiptTextOf(shortMessage: Uint8Array, dataCoding: number): string {
  const declared = decodeUserData(shortMessage, alphabetOf(dataCoding));
  if (/(id|stat)\s*:/i.test(declared)) return declared;
  const latin1 = decodeUserData(shortMessage, 'latin1');
  return /(id|stat)\s*:/i.test(latin1) ? latin1 : declared;
}

export function parseReceipt(input: { text?: string | undefined; tlvs?: ReceiptTlvs | undefined }): Receipt | undefined {
  const tlvs = input.tlvs ?? {};
  const text = input.text === undefined ? undefined : parseReceiptText(input.text);
  const tlvState = tlvs.message_state === undefined ? undefined : MESSAGE_STATES[tlvs.message_state] ?? 'UNKNOWN';
  const state = tlvState ?? (text?.stat === undefined ? undefined : stateOfStat(text.stat));
  if (state === undefined) return undefined;
  const ids: Receipt['ids'] = [];
  if (tlvs.receipted_message_id) ids.push({ id: tlvs.receipted_message_id, source: 'tlv' });
  if (text?.id) ids.push({ id: text.id, source: 'text' });
  const receipt: Receipt = { ids, state, final: isFinalState(state) };
  const error = networkError(tlvs.network_error_code) ?? textError(text?.err);
  if (error) receipt.error = error;
  if (text?.doneDate !== undefined) receipt.doneDate = text.doneDate;
  return receipt;
}

function networkError(bytes: Uint8Array | undefined): ReceiptError | undefined {
  if (!bytes || bytes.length < 3) return undefined;
  return { source: 'tlv', networkType: bytes[0]!, code: (bytes[1]! << 8) | bytes[2]! };
}

function textError(err: string | undefined): ReceiptError | undefined {
  if (err === undefined || err === '') return undefined;
  return /^\d+$/.test(err) ? { source: 'text', raw: err, code: Number.parseInt(err, 10) } : { source: 'text', raw: err };
}

/** The key of a `submit_sm_resp` message_id under a mode. */
export function submitIdKey(id: string, mode: ReceiptIdMode): string {
  if (mode === 'decimal') return numericKey(id, 16);
  if (mode === 'hex') return numericKey(id, 10);
  return asIs(id);
}

/** The key of a receipt's id under a mode: the text's `id:`, or the `receipted_message_id` TLV. */
export function receiptIdKey(id: string, mode: ReceiptIdMode, source: 'text' | 'tlv' = 'text'): string {
  const base = mode === 'decimal' ? 10 : mode === 'hex' ? 16 : undefined;
  // Not a number in the receipt's base (or a TLV id): the id as the resp gave it, keyed like one.
  if (source === 'tlv' || base === undefined || !NUMBER[base].test(id)) return submitIdKey(id, mode);
  return numericKey(id, base);
}

/** The distinct keys to look a receipt's message up by, TLV id first. */
export function receiptKeys(receipt: Pick<Receipt, 'ids'>, mode: ReceiptIdMode): string[] {
  return [...new Set(receipt.ids.map(({ id, source }) => receiptIdKey(id, mode, source)))];
}

const NUMBER = { 10: /^[0-9]+$/, 16: /^[0-9a-f]+$/i } as const;

function numericKey(id: string, base: 10 | 16): string {
  return NUMBER[base].test(id) ? `n:${BigInt(base === 10 ? id : `0x${id}`).toString(10)}` : asIs(id);
}

function asIs(id: string): string {
  return `s:${id}`;
}
