// How a ByteRing's writer and reader sleep and wake each other: one sleeper per side at most, so
// each side has a WAITING word and a SIGNAL word (an event count with a single sleeper, as in
// src/sync/wait/event-count.ts). WAITING holds what the sleeper waits for: `want` bytes (free
// ones for the writer, published ones for the reader), or 0 when it does not sleep.
//   sleeper: seq = SIGNAL → WAITING = want → re-check → Atomics.wait(SIGNAL, seq) → WAITING = 0
//   waker:   change WRITE, READ or STATE → if 0 < WAITING <= has: SIGNAL += 1, notify(SIGNAL)
// where `has` is the bytes the sleeper's side has after the change (Infinity for a change of
// STATE). All of these are sequentially consistent. Either the waker's load of WAITING sees
// `want`, and then, if the change gave enough, its bump of SIGNAL follows the sleeper's read of
// seq (the wait returns at once or is notified), or it sees 0, and then the sleeper's re-check
// follows the change and sees it. A change that gives too little wakes no one: the sleeper's
// re-check (has >= want) would fail too, and the change that gives enough sees WAITING and wakes
// it. So a notify is paid only when the other side sleeps, and a writer that asks for a quarter of
// the ring is woken once per quarter, not once per read.
//
// Invariant: WAITING > 0 ⇐ that side's thread sleeps on its SIGNAL, or is about to, until it
// has WAITING bytes or STATE changes (its ready() tests exactly that).
// Who writes: a side's WAITING only by that side's thread; its SIGNAL (add) by the other side, or
// by whoever changes STATE.
import { raceAbort } from '../../sync/wait/abort.js';
import type { Deadline } from '../../sync/wait/deadline.js';
import { holdOpenIf } from '../../sync/wait/keep-alive.js';
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

  /**
   * After a change the side may wait for, which leaves it `has` bytes (Infinity: a change of
   * STATE): bumps its SIGNAL and notifies, only if it sleeps and wants no more than that.
   */
  wake(side: Side, has = Number.POSITIVE_INFINITY): void {
    const i32 = this.#i32;
    const want = Atomics.load(i32, side.waiting);
    if (want === 0 || has < want) return;
    Atomics.add(i32, side.signal, 1);
    Atomics.notify(i32, side.signal);
  }

  /**
   * Blocks until `ready()` (true) or the deadline passes (false). `ready()` must be "STATE is not
   * OPEN, or the side has at least `want` bytes", the test wake() makes.
   */
  waitSync(side: Side, ready: () => boolean, deadline: Deadline, want: number): boolean {
    deadline.throwIfAborted();
    const i32 = this.#i32;
    if (ready() || this.#spin(ready)) return true;
    for (;;) {
      const remaining = deadline.remaining();
      if (remaining <= 0) return false;
      const seq = Atomics.load(i32, side.signal);
      Atomics.store(i32, side.waiting, want);
      if (!ready()) Atomics.wait(i32, side.signal, seq, remaining);
      Atomics.store(i32, side.waiting, 0);
      if (ready()) return true;
    }
  }

  /** The async form of waitSync; rejects with `signal.reason` on abort. */
  async waitAsync(side: Side, ready: () => boolean, deadline: Deadline, want: number): Promise<boolean> {
    const i32 = this.#i32;
    // A short spin first, as waitSync does (at most MAX_SPINS checks, some microseconds of the
    // event loop): a wake-up through Atomics.waitAsync costs an event-loop turn, and on a busy
    // machine up to milliseconds before this thread runs again, which is what limited the
    // stream adapters while the other side was still writing or reading.
    deadline.throwIfAborted();
    if (ready() || this.#spin(ready)) return true;
    for (;;) {
      deadline.throwIfAborted();
      if (ready()) return true;
      const remaining = deadline.remaining();
      if (remaining <= 0) return false;
      const seq = Atomics.load(i32, side.signal);
      Atomics.store(i32, side.waiting, want);
      if (!ready()) {
        const waited = Atomics.waitAsync(i32, side.signal, seq, remaining);
        // A pending waitAsync keeps nothing alive: hold the process open meanwhile, unless the
        // call said { ref: false } (sync/wait/keep-alive.ts, as for every other Promise wait).
        const release = holdOpenIf(deadline.ref);
        let aborted: boolean;
        try {
          aborted = waited.async && (await raceAbort(waited.value, deadline.signal));
        } finally {
          release();
        }
        if (aborted) {
          Atomics.store(i32, side.waiting, 0);
          Atomics.notify(i32, side.signal); // settle our own pending waitAsync: this side's only sleeper
          throw deadline.signal!.reason;
        }
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
