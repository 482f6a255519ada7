/**
 * Reads one webhook response as undici's dispatch hands it over, without the machinery of
 * `request()`: no body stream, no async iteration, no AbortSignal and its listeners, no async
 * resource. The body is gathered up to 64 kB; the attempt's deadline is one timer of its own.
 * (`request()` with those cost about a fifth of the webhook client's time: bench/README.md,
 * finding 24.)
 *
 * It settles exactly once, with a response or with the error that ended the attempt, and never
 * waits past the deadline: a request still queued for a connection when the deadline passes
 * resolves then, and is aborted as soon as undici would start it, before it is written.
 */
import type { Dispatcher } from 'undici';

export interface ReadResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** True when the body was larger than the limit; `body` then holds its first bytes. */
  tooLarge: boolean;
}

export type ReadOutcome = { response: ReadResponse } | { error: unknown };

/** A response's body gathered up to a limit of bytes; what comes past it is cut off. */
export class BodyCollector {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  /** Keeps a piece; false once the body has gone past the limit (its first `limit` bytes are kept). */
  add(piece: Buffer): boolean {
    this.size += piece.length;
    if (this.size <= this.limit) {
      this.chunks.push(piece);
      return true;
    }
    this.chunks.push(piece.subarray(0, piece.length - (this.size - this.limit)));
    return false;
  }

  text(): string {
    return this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
  }
}

export class ResponseReader implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  /** Why the attempt ended early (the deadline, a body over the limit): aborts a request undici has not started yet. */
  private reason: Error | null = null;
  private settled = false;
  private status = 0;
  private headers: Record<string, string | string[]> = {};
  private readonly body: BodyCollector;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly limit: number, timeoutMs: number, private readonly done: (outcome: ReadOutcome) => void) {
    this.body = new BodyCollector(limit);
    this.timer = setTimeout(() => {
      const timeout = new DOMException('the webhook ran out of its total time', 'TimeoutError');
      this.abort(timeout);
      this.settle({ error: timeout });
    }, timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.reason) controller.abort(this.reason);
    else this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 100 Continue and other informational answers: the response follows
    this.status = statusCode;
    this.headers = definedHeaders(headers);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled || this.body.add(chunk)) return;
    // Enough: keep the first `limit` bytes, close the connection instead of reading the rest.
    this.settle({ response: this.response(true) });
    this.abort(new Error(`the response is larger than ${this.limit} bytes`));
  }

  onResponseEnd(): void {
    this.settle({ response: this.response(false) });
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.settle({ error });
  }

  private response(tooLarge: boolean): ReadResponse {
    return { status: this.status, headers: this.headers, body: this.body.text(), tooLarge };
  }

  private abort(reason: Error): void {
    this.reason ??= reason;
    this.controller?.abort(reason);
  }

  private settle(outcome: ReadOutcome): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.done(outcome);
  }
}

/** undici's parsed headers without the absent ones; names are lower-case, repeated headers arrays. */
function definedHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
  return out;
}
