// An event count: how a thread sleeps until some condition on shared memory may have changed,
// without ever missing the change. Two words: EPOCH, which sleepers wait on, and SLEEPERS.
//
// Protocol (every operation sequentially consistent):
//   sleeper: SLEEPERS += 1 → epoch = EPOCH → re-check the condition → Atomics.wait(EPOCH, epoch)
//            → SLEEPERS -= 1
//   changer: make the change → if SLEEPERS > 0: EPOCH += 1, notify
// Either the changer's read of SLEEPERS follows the sleeper's registration (so it bumps EPOCH and
// the sleeper's wait returns at once or is notified), or the sleeper's re-check follows the change
// (so it sees it and does not sleep). A wake-up is never lost.
//
// Invariant: SLEEPERS equals the number of sleepers between their `+= 1` and `-= 1`.

import { type Deadline, raceAbort } from './deadline.js';

/** Event counter; bumped by changers (Atomics.add) while SLEEPERS > 0. */
const EPOCH = 0;
/** Registered sleepers; each adds 1 before re-checking and subtracts 1 after sleeping. */
const SLEEPERS = 1;
export const EVENT_COUNT_WORDS = 2;

/** Returned by a condition that does not hold yet. */
export const NOT_YET: unique symbol = Symbol('not yet');
/** Returned by the wait helpers when the deadline passed first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/** How many times a synchronous waiter re-checks before it sleeps. */
const SPINS = 20;

export class EventCount {
  readonly #i32: Int32Array;
  readonly #epoch: number;
  readonly #sleepers: number;

  constructor(i32: Int32Array, base: number) {
    this.#i32 = i32;
    this.#epoch = base + EPOCH;
    this.#sleepers = base + SLEEPERS;
  }

  /** After a change: wakes the sleepers, if any are registered. */
  wake(): void {
    if (Atomics.load(this.#i32, this.#sleepers) > 0) this.wakeAll();
  }

  /** Wakes every sleeper, registered or about to sleep on the old epoch. */
  wakeAll(): void {
    Atomics.add(this.#i32, this.#epoch, 1);
    Atomics.notify(this.#i32, this.#epoch);
  }

  /**
   * Blocks the calling thread until `check()` returns something other than NOT_YET, and returns
   * it; returns TIMED_OUT when the deadline passes first (after one last check).
   */
  waitSync<R>(check: () => R | typeof NOT_YET, deadline: Deadline): R | typeof TIMED_OUT {
    for (let spin = 0; spin < SPINS; spin++) {
      const result = check();
      if (result !== NOT_YET) return result;
    }
    const i32 = this.#i32;
    for (;;) {
      const remaining = deadline.remaining();
      Atomics.add(i32, this.#sleepers, 1); // register, then re-check, then sleep
      const epoch = Atomics.load(i32, this.#epoch);
      const result = check();
      if (result === NOT_YET && remaining > 0) Atomics.wait(i32, this.#epoch, epoch, remaining);
      Atomics.sub(i32, this.#sleepers, 1);
      if (result !== NOT_YET) return result;
      if (remaining <= 0) return TIMED_OUT;
    }
  }

  /**
   * The async form of `waitSync` (Atomics.waitAsync). If the signal aborts, calls `onAbort` (to
   * undo a partial claim) and rejects with `signal.reason`; no pending wait is left behind.
   */
  async waitAsync<R>(
    check: () => R | typeof NOT_YET,
    deadline: Deadline,
    onAbort?: () => void,
  ): Promise<R | typeof TIMED_OUT> {
    const i32 = this.#i32;
    for (;;) {
      if (deadline.signal?.aborted) {
        onAbort?.();
        throw deadline.signal.reason;
      }
      const remaining = deadline.remaining();
      Atomics.add(i32, this.#sleepers, 1);
      const epoch = Atomics.load(i32, this.#epoch);
      const result = check();
      let aborted = false;
      if (result === NOT_YET && remaining > 0) {
        const waited = Atomics.waitAsync(i32, this.#epoch, epoch, remaining);
        if (waited.async) aborted = await raceAbort(waited.value, deadline.signal);
      }
      Atomics.sub(i32, this.#sleepers, 1);
      if (result !== NOT_YET) return result;
      if (aborted) {
        onAbort?.();
        this.wakeAll(); // settles our own pending waitAsync (the others re-check and sleep again)
        throw deadline.signal!.reason;
      }
      if (remaining <= 0) return TIMED_OUT;
    }
  }
}
