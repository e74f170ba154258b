import { describe, expect, it } from 'vitest';
import { MAX_PROBE_AFTER, PROBE_AFTER, ProbingSpinBudget } from '../../../src/sync/wait/probing-spin.js';
import { MAX_SPINS, SPINS, SpinBudget } from '../../../src/sync/wait/spin.js';

/** One wait as Sleeper.waitSync reports it: it needed `needed` checks; past its budget it sleeps. */
function wait(budget: SpinBudget, needed: number): 'spun' | 'slept' {
  const start = budget.spins;
  if (needed <= start) {
    budget.ended(needed, start);
    return 'spun';
  }
  budget.spent(start);
  budget.ended(start + 1, start); // woken, and its next check succeeds
  return 'slept';
}

describe('ProbingSpinBudget', () => {
  it('gets out of the trap where every hand-off takes a little longer than the budget', () => {
    const plain = new SpinBudget();
    const probing = new ProbingSpinBudget();
    const outcomes = { plain: [] as string[], probing: [] as string[] };
    for (let k = 0; k < 100; k++) {
      outcomes.plain.push(wait(plain, 3 * SPINS));
      outcomes.probing.push(wait(probing, 3 * SPINS));
    }
    // SpinBudget never grows again: every wait sleeps.
    expect(outcomes.plain.every((o) => o === 'slept')).toBe(true);
    expect(plain.spins).toBe(SPINS);
    // The probe after PROBE_AFTER sleeps ends in its spin, and from then on every wait does.
    expect(outcomes.probing.indexOf('spun')).toBe(PROBE_AFTER);
    expect(outcomes.probing.slice(PROBE_AFTER).every((o) => o === 'spun')).toBe(true);
    expect(probing.spins).toBe(MAX_SPINS);
  });

  it('returns to its budget after a probe that slept, and probes half as often each time, down to once per MAX_PROBE_AFTER sleeps', () => {
    const budget = new ProbingSpinBudget();
    const probes: number[] = []; // the wait numbers that were given MAX_SPINS
    for (let k = 0; k < 6000; k++) {
      if (budget.spins === MAX_SPINS) probes.push(k);
      expect(wait(budget, 10 * MAX_SPINS)).toBe('slept'); // the other side never comes in time
      if (budget.spins !== MAX_SPINS) expect(budget.spins).toBe(SPINS); // between probes: back at the floor
    }
    const gaps = probes.slice(1).map((p, i) => p - probes[i] - 1);
    expect(gaps.slice(0, 4)).toEqual([2 * PROBE_AFTER, 4 * PROBE_AFTER, 8 * PROBE_AFTER, 16 * PROBE_AFTER]);
    expect(Math.max(...gaps)).toBe(MAX_PROBE_AFTER);
    expect(budget.spins).toBe(SPINS);
  });

  it('keeps a long budget while waits end in their spin, and gives it up by halves when they stop', () => {
    const budget = new ProbingSpinBudget();
    for (let k = 0; k < PROBE_AFTER + 1; k++) wait(budget, 100);
    expect(budget.spins).toBe(MAX_SPINS);
    expect(wait(budget, 1500)).toBe('spun');
    expect(budget.spins).toBe(MAX_SPINS);
    expect(wait(budget, 10 * MAX_SPINS)).toBe('slept');
    expect(budget.spins).toBe(MAX_SPINS / 2);
  });
});
