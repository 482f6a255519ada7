/**
 * A reply settled within its turn's own commit: when its channel knows the outcome at once (the
 * simulator, `Channel.settleAtOnce`), the reply is stored already `delivered` (or `undelivered`),
 * with the status history and the status callbacks of the `queued`, `sent` and final statuses it
 * went through, in the one transaction that stores the turn's outcome: one write where handing it to
 * the channel and its receipt take three. What watchers see is the same: a `message` event per
 * status, status listeners told of each, callbacks for `sent` and the final status, in order.
 */
import { messageWithHistory, type MessageRecord, type NewStatusCallback } from '../stores/records.js';
import { statusCallbackOf } from '../webhooks/status-callbacks.js';
import { lookupError } from '../errors/catalog.js';

export type AtOnceFate = { status: 'delivered' } | { status: 'undelivered'; errorCode: number };

export interface SettledReply {
  /** What the store keeps: the final record, with its status history. */
  stored: MessageRecord;
  /** The record at each status it went through (queued, sent, final), for events and listeners. */
  steps: MessageRecord[];
  callbacks: NewStatusCallback[];
}

export function settleReply(reply: MessageRecord, fate: AtOnceFate, at: number): SettledReply {
  const sent: MessageRecord = { ...reply, status: 'sent', dateSent: at, dateUpdated: at };
  const errorCode = fate.status === 'undelivered' ? fate.errorCode : null;
  const final: MessageRecord = {
    ...sent, status: fate.status, errorCode: errorCode ?? reply.errorCode,
    errorMessage: errorCode === null ? reply.errorMessage : lookupError(errorCode)?.title ?? null,
  };
  const callbacks = [statusCallbackOf(sent), statusCallbackOf(final)].filter((c): c is NewStatusCallback => c !== null);
  return {
    stored: messageWithHistory(final, [{ status: reply.status, at: reply.dateCreated }, { status: 'sent', at }, { status: fate.status, at }]),
    steps: [reply, sent, final],
    callbacks,
  };
}
