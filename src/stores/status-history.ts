/**
 * A message's status history as both stores keep it: one text column, `queued:1733390000000,sent:1733390000100`,
 * appended by the UPDATE that changes the status (so a status change stays one statement on one
 * row); NULL while the message kept the status it was stored with.
 */
import type { MessageStatus, StatusChange } from './records.js';

/** The column's text for a record stored with a history of its own. */
export function formatStatusHistory(changes: readonly StatusChange[]): string {
  return changes.map((c) => `${c.status}:${c.at}`).join(',');
}

export function parseStatusHistory(status: string, dateCreated: number, history: string | null): StatusChange[] {
  if (history === null) return [{ status: status as MessageStatus, at: dateCreated }];
  return history.split(',').map((entry) => {
    const colon = entry.lastIndexOf(':');
    return { status: entry.slice(0, colon) as MessageStatus, at: Number(entry.slice(colon + 1)) };
  });
}
