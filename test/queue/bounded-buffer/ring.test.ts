// The ring's fairness rule (src/queue/bounded-buffer/ring.ts, "Fairness"): a waiting batch has no
// place in line. A putMany of n items claims its n slots in one CAS once all n are free, so single
// puts that find one free slot go first, however long the batch has waited.
import { describe, expect, it } from 'vitest';
import { BoundedBuffer } from '../../../src/index.js';
import { HEAD, POSITION_MASK, RUN_MARK, STAMPS, TAIL } from '../../../src/queue/bounded-buffer/layout.js';
import { prng } from '../../helpers/prng.js';

describe('the ring', () => {
  it('lets a single put overtake a waiting putMany: a batch waits for all its slots at once', async () => {
    const buffer = new BoundedBuffer({ capacity: 2 });
    buffer.putManySync([1, 2]);
    let batchDone = false;
    const batch = buffer.putMany([10, 11], { timeout: 5_000 }).then(() => {
      batchDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(buffer.getSync({ timeout: 0 })).toBe(1); // one slot free: not enough for the batch
    expect(buffer.tryPut(5)).toBe(true); // a single put takes it, ahead of the waiting batch
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batchDone).toBe(false);
    expect(buffer.getManySync(2, { timeout: 0 })).toEqual([2, 5]); // both slots free: the batch goes in
    await batch;
    expect(buffer.getManySync(2, { timeout: 0 })).toEqual([10, 11]);
    expect(buffer.size).toBe(0);
  });

  it('keeps each batch whole and in order among single puts (what was put is what is got)', () => {
    const buffer = new BoundedBuffer({ capacity: 4 });
    const got: number[] = [];
    for (let round = 0; round < 50; round++) {
      buffer.putSync(round * 10);
      buffer.putManySync([round * 10 + 1, round * 10 + 2, round * 10 + 3]);
      got.push(...buffer.getManySync(4, { timeout: 0 }));
    }
    expect(got).toEqual(
      Array.from({ length: 50 }, (_, r) => [r * 10, r * 10 + 1, r * 10 + 2, r * 10 + 3]).flat(),
    );
  });

  it('moves runs and single items in order across the wrap of positions at 2^30', () => {
    // A buffer as it is after about 2^30 positions: three laps before the wrap (capacity 3, so a
    // lap is 4 positions), every slot free for its position of that lap.
    const buffer = new BoundedBuffer({ capacity: 3 });
    const words = new Int32Array(buffer.handle.memory);
    const start = POSITION_MASK + 1 - 3 * 4;
    words[TAIL] = start;
    words[HEAD] = start;
    for (let i = 0; i < 3; i++) words[STAMPS + i] = start + i;
    const random = prng(14);
    const put: number[] = [];
    const got: number[] = [];
    let runs = 0;
    for (let next = 0; next < 300; ) {
      const n = 1 + Math.floor(random() * (3 - buffer.size));
      const items = Array.from({ length: n }, (_, k) => next + k);
      buffer.putManySync(items, { timeout: 0 });
      put.push(...items);
      next += n;
      for (let i = 0; i < 3; i++) if ((words[STAMPS + i] & RUN_MARK) !== 0) runs++;
      if (buffer.size === 3 || random() < 0.7)
        got.push(...buffer.getManySync(1 + Math.floor(random() * 3), { timeout: 0 }));
    }
    got.push(...buffer.getManySync(3, { timeout: 0 }));
    expect(got).toEqual(put); // in order, each once
    expect(words[TAIL] & POSITION_MASK).toBeLessThan(start); // TAIL went past the wrap
    expect(runs).toBeGreaterThan(50); // runs of several were published (and freed) on the way
  });
});
