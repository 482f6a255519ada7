/**
 * Errors every Store adapter raises the same way, so that callers switch on a class, never on a
 * driver's message: the database cannot be reached (HTTP answers 503 with Twilio's 20503, and the
 * request was not acknowledged), and a node's claim on a conversation was taken over by another
 * node (the commit was refused; the caller drops the conversation, it never retries).
 */
import { TwilioError } from '../errors/twilio-error.js';

/**
 * The store could not be reached, or the connection broke before the commit was confirmed. The
 * write may or may not have committed; it was not acknowledged. A TwilioError, so an HTTP request
 * that met it answers 503 in Twilio's JSON shape without any special handling.
 */
export class StoreUnavailableError extends TwilioError {
  constructor(cause: unknown) {
    super(20503, 'The database is unavailable; try again');
    this.cause = cause;
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A fenced write was refused: this node no longer holds the conversation (its lease expired and
 * another node took it over, or it was released). Nothing of the write was stored.
 */
export class LeaseLostError extends Error {
  constructor(readonly conversationId: string) {
    super(`this node no longer holds conversation ${conversationId}`);
    this.name = 'LeaseLostError';
  }
}
