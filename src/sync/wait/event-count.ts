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

import { waitAsync } from '../../platform/thread.js';
import type { Deadline } from './deadline.js';
import { NOT_YET, TIMED_OUT } from './outcomes.js';
import { SPINS } from './spin.js';

/** Event counter; bumped by changers (Atomics.add) while SLEEPERS > 0. */
const EPOCH = 0;
/** Registered sleepers; each adds 1 before re-checking and subtracts 1 after sleeping. */
const SLEEPERS = 1;
export const EVENT_COUNT_WORDS = 2;

export class EventCount {
  readonly #i32: Int32Array;
  readonly #epoch: number;
  readonly #sleepers: number;
  // Thread-local state of this object, for its async sleepers (all in this thread):
  /** Pokes that settle this thread's async sleepers at once (a microtask) on a wake from here. */
  readonly #pokes = new Set<() => void>();
  /** This thread's async sleepers counted in SLEEPERS right now. */
  #localSleepers = 0;
  /** The Atomics.waitAsync still pending from an earlier sleep, reused while EPOCH is unchanged. */
  #pending: { epoch: number; settled: Promise<unknown> } | undefined;

  constructor(i32: Int32Array, base: number) {
    this.#i32 = i32;
    this.#epoch = base + EPOCH;
    this.#sleepers = base + SLEEPERS;
  }

  /**
   * After a change: wakes the sleepers, if any are registered. When every registered sleeper is
   * one of this thread's (a hundred async tasks contending in one thread), poking them is enough:
   * no EPOCH bump and no notify, so their pending waitAsync stays reusable.
   */
  wake(): void {
    const sleepers = Atomics.load(this.#i32, this.#sleepers);
    if (sleepers === 0) return;
    if (sleepers === this.#localSleepers) this.pokeLocal();
    else this.wakeAll();
  }

  /** Wakes every sleeper, registered or about to sleep on the old epoch. */
  wakeAll(): void {
    Atomics.add(this.#i32, this.#epoch, 1);
    Atomics.notify(this.#i32, this.#epoch);
    this.pokeLocal();
  }

  /** Settles this thread's async sleepers now: they re-check (and see a cancelled deadline). */
  pokeLocal(): void {
    if (this.#pokes.size === 0) return;
    for (const poke of this.#pokes) poke();
    this.#pokes.clear();
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
   * undo a partial claim) and rejects with `signal.reason`.
   */
  async waitAsync<R>(
    check: () => R | typeof NOT_YET,
    deadline: Deadline,
    onAbort?: () => void,
  ): Promise<R | typeof TIMED_OUT> {
    const i32 = this.#i32;
    for (;;) {
      if (deadline.signal?.aborted || deadline.cancelled !== undefined) {
        onAbort?.();
        throw deadline.cancelled !== undefined ? deadline.cancelled.reason : deadline.signal!.reason;
      }
      const remaining = deadline.remaining();
      Atomics.add(i32, this.#sleepers, 1); // register, then re-check, then sleep
      this.#localSleepers++;
      const epoch = Atomics.load(i32, this.#epoch);
      const result = check();
      let aborted = false;
      if (result === NOT_YET && remaining > 0) aborted = await this.#sleep(epoch, remaining, deadline.signal);
      this.#localSleepers--;
      Atomics.sub(i32, this.#sleepers, 1);
      if (result !== NOT_YET) return result;
      if (aborted) {
        onAbort?.();
        throw deadline.signal!.reason;
      }
      if (remaining <= 0) return TIMED_OUT;
    }
  }

  /**
   * Sleeps until EPOCH moves past `epoch` (notify), a wake from this thread (poke), the timeout,
   * or an abort; resolves true on abort. Nothing outlives it but a pending waitAsync that a later
   * sleep may reuse, and that keeps nothing alive. It holds nothing open: its caller does
   * (local-line.ts, through keep-alive.ts).
   */
  #sleep(epoch: number, timeout: number, signal: AbortSignal | undefined): Promise<boolean> {
    let pending = this.#pending;
    if (pending === undefined || pending.epoch !== epoch) {
      const waited = waitAsync(this.#i32, this.#epoch, epoch);
      if (!waited.async) return Promise.resolve(false); // EPOCH already moved: re-check
      const settled = waited.value;
      pending = { epoch, settled };
      this.#pending = pending;
      const mine = pending;
      settled.then(() => {
        if (this.#pending === mine) this.#pending = undefined;
        this.pokeLocal(); // notified (or a stale wait ended): every local sleeper re-checks
      });
    }
    return new Promise<boolean>((resolve) => {
      const settle = (aborted: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pokes.delete(poke);
        resolve(aborted);
      };
      const poke = () => settle(false);
      const onAbort = () => settle(true);
      const timer = Number.isFinite(timeout) ? setTimeout(poke, timeout) : undefined;
      this.#pokes.add(poke);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
