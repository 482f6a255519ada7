/**
 * The `Direction` and `Status` filters of the simulator's message routes, named and valued alike in
 * the message log (GET /simulator/messages, one value each) and the live stream (GET
 * /simulator/events, a comma-separated list each). A value outside the list answers 400, code 20001.
 */
import { TwilioError } from '../../errors/twilio-error.js';
import type { MessageDirection, MessageStatus } from '../../stores/records.js';

/** A direction, or `outbound` for every outbound one (`outbound-api`, `outbound-reply`, `outbound-call`). */
export type DirectionFilter = MessageDirection | 'outbound';

export const DIRECTIONS: readonly DirectionFilter[] = ['inbound', 'outbound', 'outbound-api', 'outbound-reply', 'outbound-call'];
export const STATUSES: readonly MessageStatus[] = [
  'queued', 'sending', 'sent', 'failed', 'delivered', 'undelivered', 'receiving', 'received', 'accepted', 'scheduled', 'read', 'canceled',
];

/** One allowed value, or undefined when the parameter is absent or empty. */
export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new TwilioError(20001, `${name} must be one of ${allowed.join(', ')}.`);
  return value as T;
}

/** A comma-separated list of allowed values (spaces around each ignored), or undefined when absent or empty. */
export function someOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): ReadonlySet<T> | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const values = new Set<T>();
  for (const item of value.split(',').map((v) => v.trim())) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new TwilioError(20001, `${name} must be a comma-separated list of ${allowed.join(', ')}; ${JSON.stringify(item)} is not one of them.`);
    }
    values.add(item as T);
  }
  return values;
}

/** Whether a message of `direction` passes a Direction filter holding `wanted`. */
export function directionPasses(direction: MessageDirection, wanted: ReadonlySet<DirectionFilter>): boolean {
  return wanted.has(direction) || (direction !== 'inbound' && wanted.has('outbound'));
}
