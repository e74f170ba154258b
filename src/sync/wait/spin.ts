// The spin policy: how many times a blocking call re-checks before it sleeps. Spinning saves a
// system call when the other thread is about to act; on a busy machine it steals that thread's
// time, so the budget adapts per thread (SpinBudget), between SPINS and MAX_SPINS.

/** Checks a blocking call makes before it sleeps, at first and at least. */
export const SPINS = 20;
/** The most checks before sleeping: a few tens of microseconds. */
export const MAX_SPINS = 2000;

/** One thread's (one view's) adaptive spin budget. */
export class SpinBudget {
  /** Checks the next blocking call makes before it sleeps. */
  spins = SPINS;

  /** A wait that ended after `spins` checks, of a budget of `budget`: adapt the next one. */
  ended(spins: number, budget: number): void {
    // A wait that ended while spinning earns the next one a longer spin.
    if (spins > 0 && spins <= budget) this.spins = Math.min(MAX_SPINS, budget * 2);
  }

  /** The budget ran out without success: spinning did not pay. */
  spent(budget: number): void {
    this.spins = Math.max(SPINS, budget >> 1);
  }
}
