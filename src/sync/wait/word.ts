// Sleeping on a word, futex style, for words whose bit 31 is a WAITING bit (BoundedBuffer's
// stamps). A call makes attempts; when one fails at a word, the call sleeps on that very word.
// The blocking and the Promise form of a call run the same attempt and differ only here, in how
// they wait (Atomics.wait or Atomics.waitAsync).
//
// Protocol:
//   sleeper: attempt fails at word `at`, having seen `seen` → CAS word seen → seen|WAITING
//            (register) → attempt again → if it fails at the same word, same marked value:
//            wait(at, seen|WAITING)
//   changer: old = exchange(word, new) → if old has WAITING: notify(word)
// Either the changer's exchange comes after the CAS (it sees WAITING and notifies, or the wait
// sees a value other than the marked one and returns at once), or before it (the CAS fails and the
// sleeper attempts again). A wake-up is never lost.
// One changer does not change the value: close() (wakeAllSleepers) only clears the WAITING bit and
// notifies. A second sleeper's CAS can then set the bit again before the first one waits, and the
// first would sleep on a value nobody changes any more; so a registered sleeper that leaves
// without sleeping (its second attempt succeeded, e.g. it saw the close) takes its mark back and
// notifies (found by `conveyor check --model conveyor-buffer-close`, 1 producer, 2 consumers).

import { waitAsync } from '../../platform/thread.js';
import { raceAbort } from './abort.js';
import type { Deadline } from './deadline.js';
import { holdOpenIf } from './keep-alive.js';
import { NOT_YET, TIMED_OUT } from './outcomes.js';
import { SPINS, SpinBudget } from './spin.js';

/** Bit 31 of a word slept on: some thread sleeps (or is about to) on it. Set by sleepers (CAS), cleared by the next exchange. */
export const WAITING = 1 << 31;

/** What one waiting call's last attempt found: where it would sleep, and how many slots it claimed. */
export class Attempt {
  /** Word index where the attempt failed, and the value it saw there. */
  at = 0;
  seen = 0;
  /** Slots the last successful batch claim took (BoundedBuffer). */
  claimed = 0;

  blockedAt(at: number, seen: number): void {
    this.at = at;
    this.seen = seen;
  }
}

/** One try of a call: its result, or NOT_YET (having told `attempt` where to sleep). */
export type Try<R> = (attempt: Attempt) => R | typeof NOT_YET;

/** Returned by #register when the word changed under it: attempt again. */
const RETRY: unique symbol = Symbol('retry');

/**
 * Waits out another thread's operation on word `at` (seen holding `seen`), for a while: spins a
 * little, then sleeps on the word like any waiter, for at most 10 ms. The caller looks again,
 * since that thread may have died and been recovered.
 */
export function awaitChange(i32: Int32Array, at: number, seen: number): void {
  for (let spin = 0; spin < SPINS; spin++) if (Atomics.load(i32, at) !== seen) return;
  const marked = seen | WAITING;
  if (marked !== seen && Atomics.compareExchange(i32, at, seen, marked) !== seen) return;
  Atomics.wait(i32, at, marked, 10);
}

/** One view's way of waiting on the words of one memory (its spin budget is per view, so per thread). */
export class Sleeper {
  readonly #i32: Int32Array;
  readonly #budget: SpinBudget;

  /** `budget`: the spin policy (the explorer, src/check/code-memory.ts, passes one that never spins). */
  constructor(i32: Int32Array, budget: SpinBudget = new SpinBudget()) {
    this.#i32 = i32;
    this.#budget = budget;
  }

  /**
   * Blocks the calling thread until `attempt` succeeds and returns its result, or returns
   * TIMED_OUT when the deadline passes.
   */
  waitSync<R>(attempt: Try<R>, deadline: Deadline): R | typeof TIMED_OUT {
    const i32 = this.#i32;
    const state = new Attempt();
    const budget = this.#budget.spins;
    for (let spins = 0; ; spins++) {
      const result = attempt(state);
      if (result !== NOT_YET) {
        this.#budget.ended(spins, budget);
        return result;
      }
      if (spins < budget) continue;
      if (spins === budget) this.#budget.spent(budget);
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
      await waitWordAsync(this.#i32, state.at, state.seen, remaining, deadline);
    }
  }

  /**
   * Registers as a sleeper on the word where the last attempt failed (sets its WAITING bit with a
   * CAS from the value seen), then attempts again, since a close or a change may have come first.
   * Returns the attempt's result if it now succeeds, NOT_YET to sleep on `state` (now the marked
   * value), or RETRY when the word changed under us.
   */
  #register<R>(attempt: Try<R>, state: Attempt): R | typeof NOT_YET | typeof RETRY {
    const i32 = this.#i32;
    const at = state.at;
    const seen = state.seen;
    const marked = seen | WAITING;
    if (marked !== seen && Atomics.compareExchange(i32, at, seen, marked) !== seen) return RETRY;
    const again = attempt(state);
    if (again === NOT_YET) return state.at === at && state.seen === marked ? NOT_YET : RETRY;
    // Leaving without sleeping: if the word still holds our mark, take it back and wake whoever
    // sleeps on it. The mark may stand for another sleeper too, whose wake-up it would now hide:
    // close() clears a mark without changing the word otherwise (wakeAllSleepers), so our CAS
    // could have restored the very value that sleeper is about to wait on.
    if (marked !== seen && Atomics.compareExchange(i32, at, marked, seen) === marked) Atomics.notify(i32, at);
    return again;
  }
}

/**
 * Sleeps until word `at` no longer holds `value`, a notify, `timeout` ms, or the deadline's signal
 * aborts (then rejects with its reason): the Promise form of `Atomics.wait(i32, at, value,
 * timeout)`. Holds the thread open meanwhile unless the deadline says `ref: false` (keep-alive.ts).
 */
export async function waitWordAsync(
  i32: Int32Array,
  at: number,
  value: number,
  timeout: number,
  deadline: Deadline,
): Promise<void> {
  const waited = waitAsync(i32, at, value, timeout);
  if (!waited.async) return;
  const release = holdOpenIf(deadline.ref);
  let aborted: boolean;
  try {
    aborted = await raceAbort(waited.value, deadline.signal);
  } finally {
    release();
  }
  if (aborted) {
    Atomics.notify(i32, at); // settle our own pending wait; any other sleeper just re-checks
    throw deadline.signal!.reason;
  }
}
