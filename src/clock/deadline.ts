/**
 * Waiting at most so long for work that cannot be cancelled from here (a database ping, a drain's
 * running turns): the work goes on after the deadline either way; only the wait ends.
 */

/** `promise`'s outcome, or a rejection with `timeoutError()` if it has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether `promise` settles, fulfilled or rejected, within `ms` (an infinite `ms` waits for it). */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (!Number.isFinite(ms)) return promise.then(() => true, () => true);
  const late = new Error('late');
  return within(promise, ms, () => late).then(() => true, (error: unknown) => error !== late);
}
