import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/check/explore.js';
import { buildModel } from '../../src/check/models.js';

// 2 producers x 2 consumers with capacity 2 and one item each is the largest (413,620 states,
// 1.1 to 1.8 s); the others explore in under 0.3 s. Larger sets grow fast: 2 producers, 1 consumer,
// capacity 1 and 2 items each is 3,543,092 states (10 to 12 s), within the default limit of 5,000,000.
const HOLDS = [
  { producers: 1, consumers: 1, capacity: 1, items: 2 },
  { producers: 1, consumers: 1, capacity: 2, items: 3 },
  { producers: 2, consumers: 1, capacity: 1, items: 1 },
  { producers: 2, consumers: 1, capacity: 2, items: 1 },
  { producers: 1, consumers: 2, capacity: 2, items: 2 },
  { producers: 2, consumers: 2, capacity: 2, items: 1 },
];

describe("the model of conveyor's BoundedBuffer", () => {
  for (const params of HOLDS) {
    const name = `${params.producers}p ${params.consumers}c capacity ${params.capacity}, ${params.items} items each`;
    it(`holds with ${name}: no deadlock, no lost, duplicated or reordered item`, () => {
      const verdict = explore(buildModel('conveyor-buffer', params));
      expect(verdict.status).toBe('holds');
      expect(verdict.stats.states).toBeGreaterThan(50);
    });
  }

  it('finds the lost wake-up when sleepers skip the WAITING bit, and the replay reproduces it', () => {
    const verdict = explore(
      buildModel('conveyor-buffer-no-mark', { producers: 1, consumers: 1, capacity: 1, items: 2 }),
    );
    const violation = verdict.violation!;
    expect(violation.kind).toBe('deadlock');
    expect(violation.message).toMatch(/blocked on sleep on stamp\[0\] until notified/);
    const replayed = replay(
      buildModel('conveyor-buffer-no-mark', { producers: 1, consumers: 1, capacity: 1, items: 2 }),
      violation.schedule,
    );
    expect(replayed.violation).toEqual({ kind: 'deadlock', message: violation.message, thread: null });
  });

  it('finds a read of nothing when the stamp is published before the item is written', () => {
    const params = { producers: 1, consumers: 1, capacity: 1, items: 1 };
    const violation = explore(buildModel('conveyor-buffer-publish-first', params)).violation!;
    expect(violation.kind).toBe('underflow');
    expect(replay(buildModel('conveyor-buffer-publish-first', params), violation.steps).violation?.kind).toBe(
      'underflow',
    );
  });
});
