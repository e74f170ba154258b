import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/check/explore.js';
import { buildModel } from '../../src/check/models.js';
import { parseSchedule } from '../../src/check/schedule.js';

const BROKEN = {
  'no-mutex': ['lost-item'],
  'swapped-acquire': ['deadlock'],
  'no-empty': ['overflow'],
  'no-full': ['underflow'],
  'wrong-release': ['underflow', 'deadlock'],
} as const;

describe('the three-semaphore models', () => {
  it('the three-semaphore protocol holds for every mix of 1-2 producers, 1-2 consumers, capacity 1-3 and 1-3 items', () => {
    let combinations = 0;
    for (const producers of [1, 2]) {
      for (const consumers of [1, 2]) {
        for (const capacity of [1, 2, 3]) {
          for (const items of [1, 2, 3]) {
            const verdict = explore(
              buildModel('three-semaphores', { producers, consumers, capacity, items }),
            );
            expect(verdict.status, `${producers}p ${consumers}c cap ${capacity} ${items} items`).toBe(
              'holds',
            );
            expect(verdict.stats.states).toBeGreaterThan(producers * items * 7);
            combinations++;
          }
        }
      }
    }
    expect(combinations).toBe(36);
  });

  for (const [variant, kinds] of Object.entries(BROKEN)) {
    it(`${variant} is caught with a trace whose replay breaks the same check`, () => {
      const model = buildModel(variant, { producers: 2, consumers: 2, capacity: 2, items: 2 });
      const verdict = explore(model);
      expect(verdict.status).toBe('violation');
      const violation = verdict.violation!;
      expect(kinds).toContain(violation.kind);
      expect(violation.trace).toHaveLength(violation.steps.length);
      expect(parseSchedule(violation.schedule).steps).toEqual(violation.steps);
      const replayed = replay(
        buildModel(variant, parseSchedule(violation.schedule).params),
        violation.schedule,
      );
      expect(replayed.violation?.kind).toBe(violation.kind);
      expect(replayed.violation?.message).toBe(violation.message);
    });
  }

  it('no-mutex loses an item written by one producer when the other writes the same slot', () => {
    const violation = explore(buildModel('no-mutex', { producers: 2, consumers: 1, capacity: 2, items: 1 }))
      .violation!;
    const writes = violation.trace.filter((s) => s.action.startsWith('buffer['));
    expect(writes.map((s) => s.thread)).toEqual(['p1', 'p2']);
    expect(new Set(writes.map((s) => s.action.slice(0, 9))).size).toBe(1); // the same slot
  });

  it('swapped-acquire deadlocks with the producer holding the mutex while it waits for empty', () => {
    const violation = explore(
      buildModel('swapped-acquire', { producers: 1, consumers: 1, capacity: 1, items: 2 }),
    ).violation!;
    expect(violation.kind).toBe('deadlock');
    expect(violation.message).toMatch(/p1 blocked on acquire\(empty\)/);
    expect(violation.message).toMatch(/c1 blocked on lock\(mutex\) \(held by p1\)/);
    expect(violation.trace.at(-1)!.memory.mutexes.mutex).toBe('p1');
  });

  it('a single producer and consumer cannot show the no-mutex bug, so the model holds there', () => {
    // With one producer and one consumer, `in` and `out` each have one writer: the mutex is not needed.
    expect(
      explore(buildModel('no-mutex', { producers: 1, consumers: 1, capacity: 2, items: 3 })).status,
    ).toBe('holds');
  });
});
