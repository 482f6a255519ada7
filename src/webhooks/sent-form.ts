/**
 * What the webhook client knows of a request it sent that the request's exchange record can leave
 * out (stores/exchange-text.ts), in one table, one entry a request:
 * - the form it went out with (its body, or a GET's query), as `URLSearchParams` wrote it from the
 *   parameters: kept in place of the pairs, which read back from it (bench/README.md, finding 89);
 * - whether it signed `recordedSignedString(request)`, so that a read can derive the signed string
 *   again (finding 36): not when its URL carried credentials, which the record masks and the
 *   signature left out.
 */
import type { ExchangeRequest } from '../stores/records.js';

export interface SentForm {
  /** `new URLSearchParams(request.params).toString()`, computed once for sending. */
  form: string;
  signedStringRederivable: boolean;
}

const sent = new WeakMap<ExchangeRequest, SentForm>();

export function markSent(request: ExchangeRequest, form: string, signedStringRederivable: boolean): void {
  sent.set(request, { form, signedStringRederivable });
}

/** Undefined for a request the client did not send (a record made elsewhere, or read back). */
export function sentFormOf(request: ExchangeRequest): SentForm | undefined {
  return sent.get(request);
}
