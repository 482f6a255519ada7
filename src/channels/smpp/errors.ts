/**
 * SMPP outcomes → what Parley does and which Twilio error code a message ends with (reference
 * section 5.1). The tables are exported as data so docs can print them, and every code is a key
 * of the error catalog (the `ErrorCode` type checks it at compile time).
 *
 * Contract:
 * - `classifySubmitStatus(status, { attempt, overrides })` for the `command_status` of a
 *   `submit_sm_resp` or a `generic_nack` (same table: an SMSC that nacks says why in the status):
 *   0 → `ok`; `retry` (temporary: 0x08, 0x14, 0x58, 0x64, and 0xFF for one retry) with
 *   `throttle` for 0x14/0x58 (slow down) and the code to end with when retries run out; `rebind`
 *   (0x04, 0x05: the session, not the message, is wrong: rebind and send again); `failed` with a
 *   code. A status the table lacks is `failed` 30008. `attempt` counts from 1 (the first send);
 *   a rule with `maxRetries` turns `failed` once `attempt` exceeds it.
 * - `receiptOutcome(receipt, overrides)`: DELIVERED → `delivered`; ENROUTE, ACCEPTED, SCHEDULED →
 *   `sent` (not final); EXPIRED 30003; DELETED, UNKNOWN, SKIPPED 30008; REJECTED 30007;
 *   UNDELIVERABLE → the GSM MAP error of `err:` or of a GSM `network_error_code` (type 3) when the
 *   table has it, else 30003.
 * - Overrides are per channel: `commandStatus` maps a status to a code (`failed`) or to 'retry';
 *   `receiptError` maps a receipt's numeric error (text `err:` or the TLV's code, any network
 *   type) to a code, for every failed state. An override wins over the tables.
 */
import type { ErrorCode } from '../../errors/catalog.js';
import type { MessageState, Receipt } from './receipts.js';

export type SubmitStatusKind = 'retry' | 'rebind' | 'failed';

export interface SubmitStatusRule {
  status: number;
  name: string;
  kind: SubmitStatusKind;
  /** The code the message ends with: at once (`failed`) or when retries run out. */
  errorCode: ErrorCode;
  /** `retry` only: the SMSC asks to slow down. */
  throttle?: true;
  /** `retry` only: retries allowed before `failed`; without it the channel's own limit applies. */
  maxRetries?: number;
}

function rule(status: number, name: string, kind: SubmitStatusKind, errorCode: ErrorCode, extra: Partial<SubmitStatusRule> = {}): SubmitStatusRule {
  return { status, name, kind, errorCode, ...extra };
}

export const SUBMIT_STATUS_TABLE: readonly SubmitStatusRule[] = [
  rule(0x01, 'ESME_RINVMSGLEN', 'failed', 30008),
  rule(0x02, 'ESME_RINVCMDLEN', 'failed', 30008),
  rule(0x03, 'ESME_RINVCMDID', 'failed', 30008),
  rule(0x04, 'ESME_RINVBNDSTS', 'rebind', 30008),
  rule(0x05, 'ESME_RALYBND', 'rebind', 30008),
  rule(0x08, 'ESME_RSYSERR', 'retry', 30008),
  rule(0x0a, 'ESME_RINVSRCADR', 'failed', 30007),
  rule(0x0b, 'ESME_RINVDSTADR', 'failed', 30005),
  rule(0x14, 'ESME_RMSGQFUL', 'retry', 30001, { throttle: true }),
  rule(0x43, 'ESME_RINVESMCLASS', 'failed', 30008),
  rule(0x45, 'ESME_RSUBMITFAIL', 'failed', 30008),
  rule(0x48, 'ESME_RINVSRCTON', 'failed', 30007),
  rule(0x49, 'ESME_RINVSRCNPI', 'failed', 30007),
  rule(0x50, 'ESME_RINVDSTTON', 'failed', 30005),
  rule(0x51, 'ESME_RINVDSTNPI', 'failed', 30005),
  rule(0x58, 'ESME_RTHROTTLED', 'retry', 30001, { throttle: true }),
  rule(0x61, 'ESME_RINVSCHED', 'failed', 30008),
  rule(0x62, 'ESME_RINVEXPIRY', 'failed', 30008),
  rule(0x64, 'ESME_RX_T_APPN', 'retry', 30008),
  rule(0x65, 'ESME_RX_P_APPN', 'failed', 30008),
  rule(0x66, 'ESME_RX_R_APPN', 'failed', 30008),
  rule(0xc0, 'ESME_RINVTLVSTREAM', 'failed', 30008),
  rule(0xc1, 'ESME_RTLVNOTALLWD', 'failed', 30008),
  rule(0xc2, 'ESME_RINVTLVLEN', 'failed', 30008),
  rule(0xc3, 'ESME_RMISSINGTLV', 'failed', 30008),
  rule(0xc4, 'ESME_RINVTLVVAL', 'failed', 30008),
  rule(0xfe, 'ESME_RDELIVERYFAILURE', 'failed', 30008),
  rule(0xff, 'ESME_RUNKNOWNERR', 'retry', 30008, { maxRetries: 1 }),
  rule(0x100, 'ESME_RSERTYPUNAUTH', 'failed', 30007),
  rule(0x101, 'ESME_RPROHIBITED', 'failed', 30007),
  rule(0x103, 'ESME_RSERTYPDENIED', 'failed', 30007),
  rule(0x104, 'ESME_RINVDCS', 'failed', 30008),
];

/** What a status the table lacks ends as. */
export const UNLISTED_SUBMIT_STATUS_CODE: ErrorCode = 30008;
/** A `submit_sm` that got no response in time, once it is given up. */
export const NO_RESPONSE_CODE: ErrorCode = 30008;
/** An inbound concatenated message stored with parts missing. */
export const MISSING_SEGMENT_CODE: ErrorCode = 30009;

export interface ErrorOverrides {
  commandStatus?: Readonly<Record<number, ErrorCode | 'retry'>>;
  receiptError?: Readonly<Record<number, ErrorCode>>;
}

export type SubmitOutcome =
  | { kind: 'ok' }
  | { kind: 'retry'; status: number; errorCode: ErrorCode; throttle: boolean; maxRetries?: number }
  | { kind: 'rebind'; status: number; errorCode: ErrorCode }
  | { kind: 'failed'; status: number; errorCode: ErrorCode };

const RULES = new Map(SUBMIT_STATUS_TABLE.map((r) => [r.status, r]));

export function classifySubmitStatus(status: number, options: { attempt?: number; overrides?: ErrorOverrides } = {}): SubmitOutcome {
  if (status === 0) return { kind: 'ok' };
  const override = options.overrides?.commandStatus?.[status];
  const base = RULES.get(status);
  if (override === 'retry') return { kind: 'retry', status, errorCode: base?.errorCode ?? UNLISTED_SUBMIT_STATUS_CODE, throttle: base?.throttle ?? false };
  if (override !== undefined) return { kind: 'failed', status, errorCode: override };
  if (!base) return { kind: 'failed', status, errorCode: UNLISTED_SUBMIT_STATUS_CODE };
  if (base.kind === 'failed') return { kind: 'failed', status, errorCode: base.errorCode };
  if (base.kind === 'rebind') return { kind: 'rebind', status, errorCode: base.errorCode };
  const attempt = options.attempt ?? 1;
  if (base.maxRetries !== undefined && attempt > base.maxRetries) return { kind: 'failed', status, errorCode: base.errorCode };
  const retry: SubmitOutcome = { kind: 'retry', status, errorCode: base.errorCode, throttle: base.throttle ?? false };
  return base.maxRetries === undefined ? retry : { ...retry, maxRetries: base.maxRetries };
}

export interface ReceiptStateRule {
  state: MessageState;
  status: 'sent' | 'delivered' | 'undelivered';
  errorCode?: ErrorCode;
  /** The GSM MAP error table refines the code. */
  useNetworkError?: true;
}

export const RECEIPT_STATE_TABLE: readonly ReceiptStateRule[] = [
  { state: 'SCHEDULED', status: 'sent' },
  { state: 'ENROUTE', status: 'sent' },
  { state: 'ACCEPTED', status: 'sent' },
  { state: 'DELIVERED', status: 'delivered' },
  { state: 'EXPIRED', status: 'undelivered', errorCode: 30003 },
  { state: 'DELETED', status: 'undelivered', errorCode: 30008 },
  { state: 'UNDELIVERABLE', status: 'undelivered', errorCode: 30003, useNetworkError: true },
  { state: 'UNKNOWN', status: 'undelivered', errorCode: 30008 },
  { state: 'REJECTED', status: 'undelivered', errorCode: 30007 },
  { state: 'SKIPPED', status: 'undelivered', errorCode: 30008 },
];

/** GSM MAP error codes (3GPP TS 29.002) in `err:` or a type-3 `network_error_code`. */
export const GSM_MAP_ERROR_TABLE: ReadonlyArray<{ code: number; name: string; errorCode: ErrorCode }> = [
  { code: 1, name: 'unknownSubscriber', errorCode: 30005 },
  { code: 5, name: 'unidentifiedSubscriber', errorCode: 30005 },
  { code: 6, name: 'absentSubscriberSM', errorCode: 30003 },
  { code: 9, name: 'illegalSubscriber', errorCode: 30005 },
  { code: 11, name: 'teleserviceNotProvisioned', errorCode: 30006 },
  { code: 13, name: 'callBarred', errorCode: 30004 },
  { code: 21, name: 'facilityNotSupported', errorCode: 30006 },
  { code: 27, name: 'absentSubscriber', errorCode: 30003 },
  { code: 31, name: 'subscriberBusyForMT-SMS', errorCode: 30003 },
  { code: 32, name: 'sm-DeliveryFailure', errorCode: 30003 },
  { code: 33, name: 'messageWaitingListFull', errorCode: 30003 },
  { code: 34, name: 'systemFailure', errorCode: 30008 },
  { code: 35, name: 'dataMissing', errorCode: 30008 },
  { code: 36, name: 'unexpectedDataValue', errorCode: 30008 },
];

export const GSM_NETWORK_TYPE = 3;

export type ReceiptOutcome =
  | { status: 'sent' }
  | { status: 'delivered' }
  | { status: 'undelivered'; errorCode: ErrorCode };

const STATE_RULES = new Map(RECEIPT_STATE_TABLE.map((r) => [r.state, r]));
const MAP_ERRORS = new Map(GSM_MAP_ERROR_TABLE.map((e) => [e.code, e.errorCode]));

export function receiptOutcome(receipt: Pick<Receipt, 'state' | 'error'>, overrides: ErrorOverrides = {}): ReceiptOutcome {
  const rule: ReceiptStateRule = STATE_RULES.get(receipt.state) ?? { state: receipt.state, status: 'undelivered', errorCode: 30008 };
  if (rule.status !== 'undelivered') return { status: rule.status };
  const error = receipt.error;
  const code = error?.code;
  if (code !== undefined && code !== 0) {
    const override = overrides.receiptError?.[code];
    if (override !== undefined) return { status: 'undelivered', errorCode: override };
    const isGsm = error?.source === 'text' || (error?.source === 'tlv' && error.networkType === GSM_NETWORK_TYPE);
    const mapped = rule.useNetworkError && isGsm ? MAP_ERRORS.get(code) : undefined;
    if (mapped !== undefined) return { status: 'undelivered', errorCode: mapped };
  }
  return { status: 'undelivered', errorCode: rule.errorCode ?? 30008 };
}
