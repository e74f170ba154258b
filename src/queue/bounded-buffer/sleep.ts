// How a BoundedBuffer call waits: it retries its attempt, spinning a little, then sleeps on the
// stamp where the attempt failed, futex style. The blocking and the Promise form of every call run
// the same attempt and differ only here, in how they wait (Atomics.wait or Atomics.waitAsync).
//
// Sleeping on a stamp (the protocol ring.ts relies on):
//   sleeper: attempt fails at stamp `at`, having seen `seen` → CAS stamp seen → seen|WAITING
//            (register) → attempt again → if it fails at the same stamp, same marked value:
//            wait(at, seen|WAITING)
//   changer: old = exchange(stamp, new) → if old has WAITING: notify(stamp)
// Either the changer's exchange comes after the CAS (it sees WAITING and notifies, or the wait
// sees a value other than the marked one and returns at once), or before it (the CAS fails and the
// sleeper attempts again). A wake-up is never lost.

import { waitAsync } from '../../platform/thread.js';
import { checkWaitOptions, Deadline, NO_DEADLINE, raceAbort, type WaitOptions } from '../../sync/deadline.js';
import { NOT_YET, TIMED_OUT } from '../../sync/event-count.js';

export { NOT_YET, TIMED_OUT };

/** Bit 31 of a stamp: some thread sleeps (or is about to) on it. Set by sleepers (CAS), cleared by the next exchange. */
export const WAITING = 1 << 31;

/**
 * Checks a blocking call makes before it sleeps, at first and at least. The budget adapts per
 * thread (see waitSync): on a busy machine spinning steals the time of the thread it waits for.
 */
const SPINS = 20;
/** The most checks before sleeping: a few tens of microseconds. */
const MAX_SPINS = 2000;

/** What one waiting call's last attempt found: where it would sleep, and how many slots it claimed. */
export class Attempt {
  /** Word index of the stamp where the attempt failed, and the value it saw there. */
  at = 0;
  seen = 0;
  /** Slots the last successful batch claim took. */
  claimed = 0;

  blockedAt(at: number, seen: number): void {
    this.at = at;
    this.seen = seen;
  }
}

/** One try of a call: its result, or NOT_YET (having told `attempt` where to sleep). */
export type Try<R> = (attempt: Attempt) => R | typeof NOT_YET;

/** A deadline for options already checked (with checkWaitOptions); shared when there is none. */
export function deadlineOf(options: WaitOptions | undefined): Deadline {
  return options === undefined ? NO_DEADLINE : new Deadline(options);
}

export { checkWaitOptions };

/** Returned by #register when the stamp changed under it: attempt again. */
const RETRY: unique symbol = Symbol('retry');

/**
 * Waits out another thread's operation on stamp `at` (seen holding `seen`), for a while: spins a
 * little, then sleeps on the stamp like any waiter, for at most 10 ms. The caller looks again,
 * since that thread may have died and been recovered.
 */
export function awaitChange(i32: Int32Array, at: number, seen: number): void {
  for (let spin = 0; spin < SPINS; spin++) if (Atomics.load(i32, at) !== seen) return;
  const marked = seen | WAITING;
  if (marked !== seen && Atomics.compareExchange(i32, at, seen, marked) !== seen) return;
  Atomics.wait(i32, at, marked, 10);
}

/** One view's way of waiting on a buffer's stamps (its spin budget is per view, so per thread). */
export class Sleeper {
  readonly #i32: Int32Array;
  /** Checks the next blocking call makes before it sleeps (adapted). */
  #spinBudget = SPINS;

  constructor(i32: Int32Array) {
    this.#i32 = i32;
  }

  /**
   * Blocks the calling thread until `attempt` succeeds and returns its result, or returns
   * TIMED_OUT when the deadline passes.
   */
  waitSync<R>(attempt: Try<R>, deadline: Deadline): R | typeof TIMED_OUT {
    const i32 = this.#i32;
    const state = new Attempt();
    const budget = this.#spinBudget;
    for (let spins = 0; ; spins++) {
      const result = attempt(state);
      if (result !== NOT_YET) {
        // Adaptive spinning: a wait that ended while spinning earns the next one a longer spin.
        if (spins > 0 && spins <= budget) this.#spinBudget = Math.min(MAX_SPINS, budget * 2);
        return result;
      }
      if (spins < budget) continue;
      if (spins === budget) this.#spinBudget = Math.max(SPINS, budget >> 1); // spinning did not pay
      const remaining = deadline.remaining();
      if (remaining <= 0) return TIMED_OUT;
      const registered = this.#register(attempt, state);
      if (registered === RETRY) continue;
      if (registered !== NOT_YET) return registered;
      Atomics.wait(i32, state.at, state.seen, remaining);
    }
  }

  /** The Promise form of waitSync (Atomics.waitAsync); rejects with `signal.reason` on abort. */
  async waitAsync<R>(attempt: Try<R>, deadline: Deadline): Promise<R | typeof TIMED_OUT> {
    const i32 = this.#i32;
    const state = new Attempt();
    for (;;) {
      if (deadline.signal?.aborted) throw deadline.signal.reason;
      const result = attempt(state);
      if (result !== NOT_YET) return result;
      const remaining = deadline.remaining();
      if (remaining <= 0) return TIMED_OUT;
      const registered = this.#register(attempt, state);
      if (registered === RETRY) continue;
      if (registered !== NOT_YET) return registered;
      const at = state.at;
      const waited = waitAsync(i32, at, state.seen, remaining);
      if (waited.async && (await raceAbort(waited.value, deadline.signal))) {
        Atomics.notify(i32, at); // settle our own pending wait; any other sleeper just re-checks
        throw deadline.signal!.reason;
      }
    }
  }

  /**
   * Registers as a sleeper on the stamp where the last attempt failed (sets its WAITING bit with a
   * CAS from the value seen), then attempts again, since a close or a change may have come first.
   * Returns the attempt's result if it now succeeds, NOT_YET to sleep on `state` (now the marked
   * value), or RETRY when the stamp changed under us.
   */
  #register<R>(attempt: Try<R>, state: Attempt): R | typeof NOT_YET | typeof RETRY {
    const at = state.at;
    const seen = state.seen;
    const marked = seen | WAITING;
    if (marked !== seen && Atomics.compareExchange(this.#i32, at, seen, marked) !== seen) return RETRY;
    const again = attempt(state);
    if (again !== NOT_YET) return again;
    return state.at === at && state.seen === marked ? NOT_YET : RETRY;
  }
}

/**
 * A call whose body waits more than once (putMany: one wait per chunk), written once as a
 * generator: it yields each attempt it has to wait for and receives that attempt's result, or has
 * the TimeoutError (or abort reason) thrown in, so it can say what it had done. `runSync` and
 * `runAsync` are its two ways of waiting.
 */
export type Steps<R> = Generator<Try<unknown>, R, unknown>;

export function runSync<R>(
  sleeper: Sleeper,
  steps: Steps<R>,
  options: WaitOptions | undefined,
  what: string,
): R {
  let deadline: Deadline | undefined;
  let step = steps.next();
  while (!step.done) {
    deadline ??= deadlineOf(options);
    const result = sleeper.waitSync(step.value, deadline);
    step = result === TIMED_OUT ? steps.throw(deadline.timeoutError(what)) : steps.next(result);
  }
  return step.value;
}

export async function runAsync<R>(
  sleeper: Sleeper,
  steps: Steps<R>,
  options: WaitOptions | undefined,
  what: string,
): Promise<R> {
  let deadline: Deadline | undefined;
  let step = steps.next();
  while (!step.done) {
    deadline ??= deadlineOf(options);
    let result: unknown;
    try {
      result = await sleeper.waitAsync(step.value, deadline);
    } catch (reason) {
      step = steps.throw(reason);
      continue;
    }
    step = result === TIMED_OUT ? steps.throw(deadline.timeoutError(what)) : steps.next(result);
  }
  return step.value;
}

/**
 * Sleeps until word `at` no longer holds `value`, a notify, `timeout` ms, or the signal aborts
 * (then rejects with its reason): the Promise form of `Atomics.wait(i32, at, value, timeout)`.
 */
export async function waitWordAsync(
  i32: Int32Array,
  at: number,
  value: number,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const waited = waitAsync(i32, at, value, timeout);
  if (waited.async && (await raceAbort(waited.value, signal))) {
    Atomics.notify(i32, at); // settle our own pending wait; any other sleeper just re-checks
    throw signal!.reason;
  }
}
