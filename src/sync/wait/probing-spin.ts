// A spin budget that probes for a longer spin now and then, for the one-producer, one-consumer
// lane, whose two sides hand batches to each other every few microseconds. SpinBudget (spin.ts)
// grows only when a wait ends while spinning and halves whenever one sleeps, so once it is down to
// SPINS (about 2 µs of the lane's checks) and every
// hand-off takes a little longer than that, every wait sleeps and the budget never grows again
// (measured between two workers at batches of 1024: the lane's budget sat at 20 checks for the
// whole run and its two sides slept about 1.5 times per batch).
//
// So after PROBE_AFTER sleeps in a row, one wait gets MAX_SPINS. If it ends while spinning, the
// hand-offs are just longer than the budget was, and SpinBudget's rule keeps the budget high while
// waits keep ending in the spin. If it sleeps anyway, the other thread was not running (a loaded
// machine, or a side with nothing to do): the budget goes straight back to where it was, and the
// next probe comes after twice as many sleeps (up to MAX_PROBE_AFTER), so that a thread which
// sleeps for good wastes at most one long spin per MAX_PROBE_AFTER sleeps.
//
// One budget per view (so per thread); it adds a counter per sleep and nothing per spin.

import { MAX_SPINS, SpinBudget } from './spin.js';

/** Sleeps in a row before the first probe, and after one that paid. */
export const PROBE_AFTER = 8;
/** The longest run of sleeps between probes, after probes that did not pay. */
export const MAX_PROBE_AFTER = 1024;

export class ProbingSpinBudget extends SpinBudget {
  /** Sleeps since the last probe or wait that ended in its spin, and how many the next probe waits for. */
  #sleeps = 0;
  #probeAfter = PROBE_AFTER;
  /** The budget a probe replaced, while the probe is due or running (0 otherwise). */
  #before = 0;

  override ended(spins: number, budget: number): void {
    if (this.#before !== 0 && budget === MAX_SPINS && spins <= budget) {
      this.#before = 0; // the probe paid: keep spinning long, and probe soon again if it stops paying
      this.#probeAfter = PROBE_AFTER;
    }
    if (spins > 0 && spins <= budget) this.#sleeps = 0;
    super.ended(spins, budget);
  }

  override spent(budget: number): void {
    if (this.#before !== 0 && budget === MAX_SPINS) {
      // The probe slept too: back to the budget from before it, and probe less often.
      this.spins = this.#before;
      this.#before = 0;
      this.#probeAfter = Math.min(MAX_PROBE_AFTER, this.#probeAfter * 2);
      return;
    }
    super.spent(budget);
    if (++this.#sleeps < this.#probeAfter) return;
    this.#sleeps = 0;
    this.#before = this.spins;
    this.spins = MAX_SPINS; // the next wait is the probe
  }
}
