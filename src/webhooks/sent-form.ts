/**
 * The form a webhook request went out with (its body, or a GET's query), as `URLSearchParams` wrote
 * it from the request's parameters. The stores keep it in the exchange record in place of the
 * parameter pairs and read the pairs back from it (stores/exchange-text.ts): one string to write
 * instead of two for each parameter (bench/README.md, finding 89).
 */
import type { ExchangeRequest } from '../stores/records.js';

const forms = new WeakMap<ExchangeRequest, string>();

/** `form` is `new URLSearchParams(request.params).toString()`, computed once for sending. */
export function markSentForm(request: ExchangeRequest, form: string): void {
  forms.set(request, form);
}

export function sentFormOf(request: ExchangeRequest): string | undefined {
  return forms.get(request);
}
