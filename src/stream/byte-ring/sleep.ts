// How a ByteRing's writer and reader sleep and wake each other: one sleeper per side at most, so
// each side has a WAITING flag and a SIGNAL word (an event count with a single sleeper, as in
// src/sync/wait/event-count.ts):
//   sleeper: seq = SIGNAL → WAITING = 1 → re-check → Atomics.wait(SIGNAL, seq) → WAITING = 0
//   waker:   change WRITE, READ or STATE → if WAITING === 1: SIGNAL += 1, notify(SIGNAL)
// All of these are sequentially consistent. Either the waker's load of WAITING sees 1, and then
// its bump of SIGNAL follows the sleeper's read of seq (the wait returns at once or is notified),
// or it sees 0, and then the sleeper's re-check follows the change and sees it. A notify is paid
// only when the other side sleeps.
//
// Invariant: WAITING === 1 ⇐ that side's thread sleeps on its SIGNAL, or is about to.
// Who writes: a side's WAITING only by that side's thread; its SIGNAL (add) by the other side, or
// by whoever changes STATE.
import { raceAbort } from '../../sync/wait/abort.js';
import type { Deadline } from '../../sync/wait/deadline.js';
import { MAX_SPINS, SPINS } from '../../sync/wait/spin.js';
import { READER_SIGNAL, READER_WAITING, WRITER_SIGNAL, WRITER_WAITING } from './layout.js';

/** A side of the ring, as its sleeping words. */
export interface Side {
  readonly waiting: number;
  readonly signal: number;
}
export const WRITER: Side = { waiting: WRITER_WAITING, signal: WRITER_SIGNAL };
export const READER: Side = { waiting: READER_WAITING, signal: READER_SIGNAL };

/** One view's sleeping and waking over the ring's words (its spin budget is its own). */
export class RingSleep {
  readonly #i32: Int32Array;
  #spinBudget = SPINS;

  constructor(i32: Int32Array) {
    this.#i32 = i32;
  }

  /** After a change the side may wait for: bumps its SIGNAL and notifies, only if it sleeps. */
  wake(side: Side): void {
    const i32 = this.#i32;
    if (Atomics.load(i32, side.waiting) === 0) return;
    Atomics.add(i32, side.signal, 1);
    Atomics.notify(i32, side.signal);
  }

  /** Blocks until `ready()` (true) or the deadline passes (false). */
  waitSync(side: Side, ready: () => boolean, deadline: Deadline): boolean {
    deadline.throwIfAborted();
    const i32 = this.#i32;
    if (ready() || this.#spin(ready)) return true;
    for (;;) {
      const remaining = deadline.remaining();
      if (remaining <= 0) return false;
      const seq = Atomics.load(i32, side.signal);
      Atomics.store(i32, side.waiting, 1);
      if (!ready()) Atomics.wait(i32, side.signal, seq, remaining);
      Atomics.store(i32, side.waiting, 0);
      if (ready()) return true;
    }
  }

  /** The async form of waitSync; rejects with `signal.reason` on abort. */
  async waitAsync(side: Side, ready: () => boolean, deadline: Deadline): Promise<boolean> {
    const i32 = this.#i32;
    for (;;) {
      deadline.throwIfAborted();
      if (ready()) return true;
      const remaining = deadline.remaining();
      if (remaining <= 0) return false;
      const seq = Atomics.load(i32, side.signal);
      Atomics.store(i32, side.waiting, 1);
      if (!ready()) {
        const waited = Atomics.waitAsync(i32, side.signal, seq, remaining);
        // A pending waitAsync keeps nothing alive: hold the event loop meanwhile with a timer.
        const keepAlive = setInterval(() => {}, 2 ** 30);
        if (waited.async && (await raceAbort(waited.value, deadline.signal))) {
          clearInterval(keepAlive);
          Atomics.store(i32, side.waiting, 0);
          Atomics.notify(i32, side.signal); // settle our own pending waitAsync: this side's only sleeper
          throw deadline.signal!.reason;
        }
        clearInterval(keepAlive);
      }
      Atomics.store(i32, side.waiting, 0);
    }
  }

  /**
   * Checks `ready()` up to the spin budget before a wait sleeps: true if it became ready. The
   * budget adapts per view: a wait that ended while spinning earns the next one a longer spin (up
   * to MAX_SPINS), one that did not a shorter one, since on a busy machine spinning steals the time
   * of the thread it waits for; but a thread that sleeps gives up its core, and getting it back
   * can take far longer than the other side needs to make room.
   */
  #spin(ready: () => boolean): boolean {
    const budget = this.#spinBudget;
    for (let spins = 1; spins <= budget; spins++) {
      if (ready()) {
        this.#spinBudget = Math.min(MAX_SPINS, budget * 2);
        return true;
      }
    }
    this.#spinBudget = Math.max(SPINS, budget >> 1);
    return false;
  }
}
