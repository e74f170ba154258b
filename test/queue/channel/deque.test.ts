import { describe, expect, it } from 'vitest';
import { Deque } from '../../../src/queue/channel/deque.js';

describe("the Channel's deque", () => {
  it('gives items back in the order they were pushed, across many wrap-arounds and growths', () => {
    const deque = new Deque<number>(1);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < round % 13; k++) deque.push(next++);
      for (let k = 0; k < round % 7 && deque.length > 0; k++) out.push(deque.shift());
    }
    while (deque.length > 0) out.push(deque.shift());
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('shiftMany takes at most what it holds, oldest first, appending to the array given', () => {
    const deque = new Deque<string>(8);
    for (const item of ['a', 'b', 'c']) deque.push(item);
    const out = ['already'];
    expect(deque.shiftMany(2, out)).toBe(out);
    expect(out).toEqual(['already', 'a', 'b']);
    expect(deque.shiftMany(10, [])).toEqual(['c']);
    expect(deque.length).toBe(0);
  });

  it('lets go of the items it hands out, so that they can be collected', () => {
    const deque = new Deque<object>(8);
    const item = {};
    deque.push(item);
    deque.shift();
    // The slot is cleared: a push after a full lap finds no stale reference ahead of it.
    for (let k = 0; k < 8; k++) deque.push({});
    expect(deque.shiftMany(8, []).includes(item)).toBe(false);
  });
});
