// Deadlines and abort handling shared by every waiting call.
import { TimeoutError } from '../errors.js';
import { checkSignal, checkTimeout } from '../internal/validate.js';

export interface WaitOptions {
  /** Milliseconds to wait: 0 tries once, Infinity (the default) waits forever. */
  timeout?: number;
  /** Aborting it rejects the wait with `signal.reason`; nothing is taken. */
  signal?: AbortSignal;
}

/** A wait's end, computed once; `remaining()` is recomputed after every wake. */
export class Deadline {
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  private readonly end: number;

  constructor(options: WaitOptions | undefined) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`options must be an object, got ${String(options)} (${typeof options})`);
    }
    this.timeout = checkTimeout(options?.timeout);
    this.signal = checkSignal(options?.signal);
    this.end = Number.isFinite(this.timeout) ? performance.now() + this.timeout : Number.POSITIVE_INFINITY;
  }

  /** Milliseconds left; Infinity for no deadline, 0 once it has passed. */
  remaining(): number {
    if (this.end === Number.POSITIVE_INFINITY) return this.end;
    return Math.max(0, this.end - performance.now());
  }

  /** Throws `signal.reason` if the signal has aborted. */
  throwIfAborted(): void {
    if (this.signal?.aborted) throw this.signal.reason;
  }

  timeoutError(what: string): TimeoutError {
    return new TimeoutError(this.timeout, what);
  }
}

/** Options with no deadline: shared, since a Deadline without a timeout or signal holds no state. */
export const NO_DEADLINE = new Deadline(undefined);

/**
 * Resolves when `promise` (an `Atomics.waitAsync` result) settles or the signal aborts, whichever
 * is first; resolves true when the signal aborted. Nothing is left behind: the abort listener is
 * removed either way.
 *
 * While it waits it holds a timer, because a pending `Atomics.waitAsync` does not keep Node's
 * event loop alive: without one, a worker (or the main thread) that has nothing else to do would
 * exit in the middle of `await buffer.get()`.
 */
export function raceAbort(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  const keepAlive = setInterval(() => {}, 2 ** 30);
  return new Promise<boolean>((resolve) => {
    const settle = (aborted: boolean) => {
      clearInterval(keepAlive);
      signal?.removeEventListener('abort', onAbort);
      resolve(aborted);
    };
    const onAbort = () => settle(true);
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(() => settle(false));
  });
}
