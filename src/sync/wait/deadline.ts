// The options of every waiting call ({ timeout, signal, ref }), checked, and the deadline they set.
import { TimeoutError } from '../../errors.js';
import { checkSignal, checkTimeout, describe } from '../../internal/validate.js';

export interface WaitOptions {
  /** Milliseconds to wait: 0 tries once, Infinity (the default) waits forever. */
  timeout?: number;
  /** Aborting it rejects the wait with `signal.reason`; nothing is taken. */
  signal?: AbortSignal;
  /**
   * Whether a pending Promise wait that another thread can end keeps this thread's process (or
   * worker) alive until it settles: true by default; false lets an abandoned wait not hold it open
   * (see docs/design.md, "Keep-alive"). Channel waits never hold it; the blocking calls ignore it.
   */
  ref?: boolean;
}

/**
 * A wait's end, computed once; `remaining()` is recomputed after every wake. The clock starts at
 * the first `remaining()`, that is when the call first has to wait: a call that completes at once
 * never reads the clock (a fast path pays no more than the argument checks).
 */
export class Deadline {
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  /** Whether the wait holds its thread open (keep-alive.ts). */
  readonly ref: boolean;
  private end = Number.NaN;
  /** Set by `cancel`: the wait ends as if its signal had aborted with this reason. */
  cancelled: { reason: unknown } | undefined;

  constructor(options: WaitOptions | undefined) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`options must be an object, got ${String(options)} (${typeof options})`);
    }
    this.timeout = checkTimeout(options?.timeout);
    this.signal = checkSignal(options?.signal);
    this.ref = checkRef(options?.ref);
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
  if (options.ref !== undefined) checkRef(options.ref);
  const signal = checkSignal(options.signal);
  if (signal?.aborted) throw signal.reason;
}

/** Options with no deadline: shared, since a Deadline without a timeout or signal holds no state. */
export const NO_DEADLINE = new Deadline(undefined);

/** A deadline for options already checked (with checkWaitOptions); the shared one when there are none. */
export function deadlineOf(options: WaitOptions | undefined): Deadline {
  return options === undefined ? NO_DEADLINE : new Deadline(options);
}

function checkRef(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new TypeError(`ref must be a boolean, got ${describe(value)}`);
  return value;
}
