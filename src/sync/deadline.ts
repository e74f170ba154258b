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
 * Resolves when `promise` settles or the signal aborts, whichever is first. Returns true when the
 * signal aborted. The listener is removed either way, so nothing is left behind.
 */
export function raceAbort(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal === undefined) return promise.then(() => false);
  if (signal.aborted) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const onAbort = () => resolve(true);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    });
  });
}
