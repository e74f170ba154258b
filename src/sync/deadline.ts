// Deadlines and abort handling shared by every waiting call.
import { TimeoutError } from '../errors.js';
import { checkSignal, checkTimeout } from '../internal/validate.js';

export interface WaitOptions {
  /** Milliseconds to wait: 0 tries once, Infinity (the default) waits forever. */
  timeout?: number;
  /** Aborting it rejects the wait with `signal.reason`; nothing is taken. */
  signal?: AbortSignal;
}

/**
 * A wait's end, computed once; `remaining()` is recomputed after every wake. The clock starts at
 * the first `remaining()`, that is when the call first has to wait: a call that completes at once
 * never reads the clock (a fast path pays no more than the argument checks).
 */
export class Deadline {
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  private end = Number.NaN;
  /** Set by `cancel`: the wait ends as if its signal had aborted with this reason. */
  cancelled: { reason: unknown } | undefined;

  constructor(options: WaitOptions | undefined) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`options must be an object, got ${String(options)} (${typeof options})`);
    }
    this.timeout = checkTimeout(options?.timeout);
    this.signal = checkSignal(options?.signal);
  }

  /** Milliseconds left; Infinity for no deadline, 0 once it has passed. */
  remaining(): number {
    const timeout = this.timeout;
    if (timeout === Number.POSITIVE_INFINITY) return timeout;
    if (timeout === 0) return 0;
    if (Number.isNaN(this.end)) this.end = performance.now() + timeout;
    return Math.max(0, this.end - performance.now());
  }

  /** Throws `signal.reason` if the signal has aborted. */
  throwIfAborted(): void {
    if (this.signal?.aborted) throw this.signal.reason;
  }

  /** Ends the wait from outside (cheaper than an AbortController); the waiter must be poked. */
  cancel(reason: unknown): void {
    this.cancelled ??= { reason };
  }

  timeoutError(what: string): TimeoutError {
    return new TimeoutError(this.timeout, what);
  }
}

/**
 * Checks wait options without allocating (for fast paths): throws on a bad timeout or signal, and
 * throws `signal.reason` if it has already aborted. Waiting paths build a Deadline afterwards.
 */
export function checkWaitOptions(options: WaitOptions | undefined): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object, got ${String(options)} (${typeof options})`);
  }
  if (options.timeout !== undefined) checkTimeout(options.timeout);
  const signal = checkSignal(options.signal);
  if (signal?.aborted) throw signal.reason;
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
