import { describe, expect, it } from 'vitest';
import { SEED_DEFAULTS } from '../../src/run/options.js';
import type { RunEvent } from '../../src/run/protocol.js';
import { LiveState, MAX_CHART_POINTS } from '../../src/web/live-state.js';

const actors = ['consumer-1', 'producer-1'];
const produced = (t: number, item: number, occupancy: number): RunEvent => ({
  t,
  actor: 'producer-1',
  event: 'produced',
  item,
  occupancy,
});
const consumed = (t: number, item: number, occupancy: number): RunEvent => ({
  t,
  actor: 'consumer-1',
  event: 'consumed',
  item,
  occupancy,
});

describe('the live page’s state', () => {
  it('puts items in the slots at in and takes them at out, as the seed’s ring does', () => {
    const state = new LiveState(1, { ...SEED_DEFAULTS, capacity: 3 }, actors);
    for (let i = 1; i <= 3; i++) state.add(produced(i, i, i));
    state.add({ t: 4, actor: 'producer-1', event: 'wait', on: 'empty', occupancy: 3 });
    let frame = state.frame();
    expect(frame.slots).toEqual([1, 2, 3]);
    expect([frame.in, frame.out, frame.held]).toEqual([0, 0, 3]);
    expect(frame.actors.find((a) => a.name === 'producer-1')).toEqual({
      name: 'producer-1',
      state: 'waiting on empty',
      items: 3,
      waits: 1,
    });
    state.add(consumed(5, 1, 2));
    state.add(produced(6, 4, 3));
    frame = state.frame();
    expect(frame.slots).toEqual([4, 2, 3]);
    expect([frame.in, frame.out, frame.produced, frame.consumed]).toEqual([1, 1, 4, 1]);
    // Only the points since the last frame, unless a page asks for all of them.
    expect(frame.points).toEqual([
      [5, 2],
      [6, 3],
    ]);
    expect(state.frame(true).points).toHaveLength(6); // [0, 0] and one per item moved
  });

  it('keeps at most MAX_CHART_POINTS points however long the run, the peaks among them', () => {
    const state = new LiveState(1, { ...SEED_DEFAULTS, capacity: 1_000_000 }, actors);
    let item = 0;
    for (let round = 0; round < 10_000; round++) {
      state.add(produced(round * 2, ++item, 1));
      state.add(produced(round * 2 + 0.5, ++item, 2));
      state.add(consumed(round * 2 + 1, item - 1, 1));
      state.add(consumed(round * 2 + 1.5, item, 0));
    }
    state.add(produced(30_000, ++item, 1));
    const frame = state.frame();
    expect(frame.slots).toBeUndefined(); // a million slots are drawn as a bar
    expect(frame.resetPoints).toBe(true);
    expect(frame.points.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(Math.max(...frame.points.map(([, n]) => n))).toBe(2);
    expect([frame.produced, frame.consumed, frame.held]).toEqual([20_001, 20_000, 1]);
  });
});
