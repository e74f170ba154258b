import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/check/errors.js';
import { explore, replay } from '../../src/check/explore.js';
import { buildModel } from '../../src/check/models.js';

// Each set explores in well under a second (capacity 4 with 6 items: about 18,000 states).
const HOLDS = [
  { capacity: 1, items: 3 },
  { capacity: 2, items: 4 },
  { capacity: 3, items: 5 },
  { capacity: 4, items: 6 },
];

describe("the model of ByteRing's publish protocol", () => {
  for (const params of HOLDS) {
    it(`holds with capacity ${params.capacity} and ${params.items} bytes: no deadlock, every byte once, in order`, () => {
      const verdict = explore(buildModel('byte-ring', params));
      expect(verdict.status).toBe('holds');
      expect(verdict.stats.states).toBeGreaterThan(1000);
    });
  }

  it('finds a read of nothing when WRITE is published before the bytes are copied in', () => {
    const params = { capacity: 2, items: 2 };
    const violation = explore(buildModel('byte-ring-publish-first', params)).violation!;
    expect(violation.kind).toBe('underflow');
    expect(replay(buildModel('byte-ring-publish-first', params), violation.schedule).violation?.kind).toBe(
      'underflow',
    );
  });

  it('finds the lost wake-up when the writer looks for a sleeper before it publishes', () => {
    const violation = explore(buildModel('byte-ring-wake-first', { capacity: 2, items: 4 })).violation!;
    expect(violation.kind).toBe('deadlock');
    expect(violation.message).toMatch(/r blocked on sleep on readerSignal until notified/);
  });

  it('finds the lost wake-up when a sleeper does not re-check after raising its WAITING flag', () => {
    const violation = explore(buildModel('byte-ring-no-recheck', { capacity: 2, items: 4 })).violation!;
    expect(violation.kind).toBe('deadlock');
  });

  it('finds the lost wake-up when the reader tells a sleeping writer its room from before its own free', () => {
    const violation = explore(buildModel('byte-ring-stale-room', { capacity: 2, items: 4 })).violation!;
    expect(violation.kind).toBe('deadlock');
    expect(
      replay(buildModel('byte-ring-stale-room', { capacity: 2, items: 4 }), violation.schedule).violation
        ?.kind,
    ).toBe('deadlock');
  });

  it('defaults to one writer and one reader, and refuses more', () => {
    expect(buildModel('byte-ring').threads.map((t) => t.name)).toEqual(['w', 'r']);
    expect(() => buildModel('byte-ring', { producers: 2 })).toThrow(ModelError);
    expect(() => buildModel('byte-ring', { producers: 2 })).toThrow(/one writer and one reader/);
  });
});
