import { afterEach, describe, expect, it, vi } from 'vitest';
import { explore, replay } from '../../src/check/explore.js';
import { buildModel } from '../../src/check/models.js';
import { Lane } from '../../src/queue/bounded-buffer/lane.js';
import { POSITION_MASK, RUN_MARK, runEndsAt, STAMPS } from '../../src/queue/bounded-buffer/layout.js';
import { Ring } from '../../src/queue/bounded-buffer/ring.js';
import { Transfer } from '../../src/queue/bounded-buffer/transfer.js';
import { Sleeper } from '../../src/sync/wait/word.js';

// Sizes whose whole state space the explorer covers in a few seconds. It runs BoundedBuffer's own
// code, with every shared-memory access an interleaving point and no merging of a thread's states
// (real code declares none), so its state spaces are far larger than a hand-written model's.
const HOLDS = [
  { producers: 1, consumers: 1, capacity: 1, items: 2 }, // wraps around, both sides sleep
  { producers: 1, consumers: 1, capacity: 2, items: 3 },
  { producers: 2, consumers: 1, capacity: 2, items: 1 }, // producers race for TAIL
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe("conveyor check's model of BoundedBuffer, which runs BoundedBuffer's own code", () => {
  for (const params of HOLDS) {
    const name = `${params.producers}p ${params.consumers}c capacity ${params.capacity}, ${params.items} items each`;
    it(`holds with ${name}: no deadlock, no lost, duplicated or reordered item`, () => {
      const verdict = explore(buildModel('conveyor-buffer', params));
      expect(verdict.status).toBe('holds');
      expect(verdict.stats.states).toBeGreaterThan(500);
    });
  }

  it('holds for putManySync and getManySync: batch claims, one exchange per run, claims that skip by run ends', () => {
    for (const params of [
      { producers: 1, consumers: 1, capacity: 2, items: 3 }, // chunks of 2, then 1
      { producers: 1, consumers: 2, capacity: 2, items: 2 }, // consumers race for HEAD
      { producers: 2, consumers: 1, capacity: 2, items: 1 }, // runs of one from two producers, got together
    ]) {
      const verdict = explore(buildModel('conveyor-buffer-batches', params));
      expect(verdict.status, JSON.stringify(params)).toBe('holds');
    }
    // Producers racing for TAIL with runs of two, and consumers that take part of a run (shares 3
    // and 2): whole, these run past a few million states; within 2 preemptions they take seconds.
    for (const params of [
      { producers: 2, consumers: 1, capacity: 2, items: 2 },
      { producers: 1, consumers: 2, capacity: 2, items: 5 },
    ]) {
      const verdict = explore(buildModel('conveyor-buffer-batches', params), { maxPreemptions: 2 });
      expect(verdict.status, JSON.stringify(params)).toBe('holds');
    }
  });

  // Ring.publishRun and Ring.freeRun, changed for one test each (variants of the real methods, run
  // by the model's own code): the order they write in is what makes one exchange per run enough.
  /** Positions first, first + 1, …, n of them. */
  const positions = (ring: Ring, first: number, n: number) =>
    Array.from({ length: n }, (_, k) => ring.advance(first, k));
  const stamp = (ring: Ring, position: number) => STAMPS + (position & (ring.oneLap - 1));
  const runEnd = (ring: Ring, position: number) => runEndsAt(ring.capacity) + (position & (ring.oneLap - 1));

  it('sees a change to publishRun: a run end one past the run makes a get claim an item not put yet', () => {
    vi.spyOn(Ring.prototype, 'publishRun').mockImplementation(function (
      this: Ring,
      first: number,
      n: number,
    ) {
      if (n === 1) return this.publishAt(first);
      const run = positions(this, first, n);
      for (const p of run) this.i32[runEnd(this, p)] = this.advance(first, n + 1); // one too far
      for (const p of run.slice(1)) this.i32[stamp(this, p)] = (p + 1) | RUN_MARK;
      this.setStamp(stamp(this, first), (first + 1) | RUN_MARK);
    });
    const params = { producers: 2, consumers: 1, capacity: 3, items: 2 };
    const verdict = explore(buildModel('conveyor-buffer-batches', params), { maxPreemptions: 2 });
    expect(verdict.violation?.kind).toBe('underflow'); // the get trusted the run end, and took slot 2 empty
  });

  it('sees a change to publishRun: the first stamp exchanged before the rest loses a wake-up', () => {
    vi.spyOn(Ring.prototype, 'publishRun').mockImplementation(function (
      this: Ring,
      first: number,
      n: number,
    ) {
      const run = positions(this, first, n);
      for (const p of run) this.i32[runEnd(this, p)] = this.advance(first, n);
      this.setStamp(stamp(this, first), (first + 1) | RUN_MARK);
      for (const p of run.slice(1)) this.i32[stamp(this, p)] = (p + 1) | RUN_MARK; // over a sleeper's WAITING bit
    });
    const params = { producers: 1, consumers: 2, capacity: 2, items: 2 };
    const verdict = explore(buildModel('conveyor-buffer-batches', params));
    expect(verdict.violation?.kind).toBe('deadlock');
  });

  it('sees a change to freeRun: the first stamp freed before the rest leaves a stale stamp that strands a get', () => {
    vi.spyOn(Ring.prototype, 'freeRun').mockImplementation(function (this: Ring, first: number, n: number) {
      const next = (first + this.oneLap) & POSITION_MASK;
      const run = positions(this, next, n);
      for (const p of run) this.i32[runEnd(this, p)] = this.advance(next, n);
      this.setStamp(stamp(this, next), next | RUN_MARK);
      for (const p of run.slice(1)) this.i32[stamp(this, p)] = p | RUN_MARK; // may land on a put already published there
    });
    const params = { producers: 1, consumers: 2, capacity: 2, items: 5 };
    const verdict = explore(buildModel('conveyor-buffer-batches', params), { maxPreemptions: 2 });
    expect(verdict.violation?.kind).toBe('deadlock');
  });

  it('holds with close() racing the puts and gets: a refused put is never delivered, every other item once', () => {
    for (const params of [
      { producers: 1, consumers: 1, capacity: 1, items: 2 },
      { producers: 1, consumers: 1, capacity: 2, items: 2 },
    ]) {
      expect(explore(buildModel('conveyor-buffer-close', params)).status, JSON.stringify(params)).toBe(
        'holds',
      );
    }
  });

  it('leaves no consumer asleep when close() races two of them (within 2 preemptions)', () => {
    // Before sync/wait/word.ts took back the WAITING mark of a sleeper that leaves without
    // sleeping, this was a deadlock: close() cleared c1's mark, c2 set it again and left on
    // seeing the close, and c1 then slept on a value nobody would change.
    const params = { producers: 1, consumers: 2, capacity: 1, items: 1 };
    const verdict = explore(buildModel('conveyor-buffer-close', params), { maxPreemptions: 2 });
    expect(verdict.status).toBe('holds');
  });

  it("calls the ring's, the transfer's and the sleeper's own methods", () => {
    const claimPut = vi.spyOn(Ring.prototype, 'claimPut');
    const getOne = vi.spyOn(Transfer.prototype, 'getOne');
    const waitSync = vi.spyOn(Sleeper.prototype, 'waitSync');
    explore(buildModel('conveyor-buffer', { producers: 1, consumers: 1, capacity: 1, items: 2 }));
    expect(claimPut).toHaveBeenCalled();
    expect(getOne).toHaveBeenCalled();
    expect(waitSync).toHaveBeenCalled();
  });

  it('sees a change to the real code: a publish that forgets to wake sleepers loses a wake-up', () => {
    // Not a variant of the model: Ring.prototype.publishAt itself, changed for this test only to
    // store the stamp without looking for the WAITING bit (so without a notify).
    vi.spyOn(Ring.prototype, 'publishAt').mockImplementation(function (this: Ring, position: number) {
      Atomics.store(this.i32, STAMPS + (position & (this.oneLap - 1)), position + 1);
    });
    const verdict = explore(
      buildModel('conveyor-buffer', { producers: 1, consumers: 1, capacity: 1, items: 1 }),
    );
    expect(verdict.violation?.kind).toBe('deadlock');
    expect(verdict.violation?.message).toMatch(/c1 blocked on sleep on stamp\[0\] until notified/);
  });

  it('finds the lost wake-up when changers never see the WAITING bit, and the replay reproduces it', () => {
    const params = { producers: 1, consumers: 1, capacity: 1, items: 2 };
    const violation = explore(buildModel('conveyor-buffer-no-mark', params)).violation!;
    expect(violation.kind).toBe('deadlock');
    expect(violation.message).toMatch(/blocked on sleep on stamp\[0\] until notified/);
    const replayed = replay(buildModel('conveyor-buffer-no-mark', params), violation.schedule);
    expect(replayed.violation).toEqual({ kind: 'deadlock', message: violation.message, thread: null });
  });

  it('finds a read of nothing when the stamp is published before the item is written', () => {
    const params = { producers: 1, consumers: 1, capacity: 1, items: 1 };
    const violation = explore(buildModel('conveyor-buffer-publish-first', params)).violation!;
    expect(violation.kind).toBe('underflow');
    expect(violation.message).toMatch(/c1 takes slot\[0\], which holds no item/);
    const replayed = replay(buildModel('conveyor-buffer-publish-first', params), violation.schedule);
    expect(replayed.violation?.kind).toBe('underflow');
  });
});

describe("conveyor check's model of the one-producer, one-consumer lane, which runs the lane's own code", () => {
  for (const params of [
    { producers: 1, consumers: 1, capacity: 1, items: 2 },
    { producers: 1, consumers: 1, capacity: 3, items: 5 },
  ]) {
    it(`holds with capacity ${params.capacity} and ${params.items} items, one at a time and in batches`, () => {
      for (const name of ['conveyor-lane', 'conveyor-lane-batches']) {
        const verdict = explore(buildModel(name, params));
        expect(verdict.status, name).toBe('holds');
        expect(verdict.stats.states, name).toBeGreaterThan(1000);
      }
    });
  }

  it('holds with close() racing its put and get', () => {
    const verdict = explore(
      buildModel('conveyor-lane-close', { producers: 1, consumers: 1, capacity: 2, items: 3 }),
    );
    expect(verdict.status).toBe('holds');
  });

  it('finds a read of nothing when the batch is published before its slots are written, and replays it', () => {
    const params = { producers: 1, consumers: 1, capacity: 2, items: 3 };
    const violation = explore(buildModel('conveyor-lane-publish-first', params)).violation!;
    expect(violation.kind).toBe('underflow');
    expect(
      replay(buildModel('conveyor-lane-publish-first', params), violation.schedule).violation?.kind,
    ).toBe('underflow');
  });

  it("sees a change to the lane's code: a consumer whose free() wakes nobody", () => {
    // Lane.prototype.free itself, run with its Atomics.notify made a no-op (inside the explorer,
    // Atomics is the recorded memory's, so this drops exactly the wake-ups free() sends).
    const free = Lane.prototype.free;
    vi.spyOn(Lane.prototype, 'free').mockImplementation(function (this: Lane, position: number, n: number) {
      const notify = Atomics.notify;
      Object.assign(Atomics, { notify: () => 0 });
      try {
        free.call(this, position, n);
      } finally {
        Object.assign(Atomics, { notify });
      }
    });
    const verdict = explore(
      buildModel('conveyor-lane', { producers: 1, consumers: 1, capacity: 1, items: 2 }),
    );
    expect(verdict.violation?.kind).toBe('deadlock');
    expect(verdict.violation?.message).toMatch(/p1 blocked on sleep on PRODUCER_SLEEPS until notified/);
  });

  it('refuses a second producer or consumer, naming both counts', () => {
    expect(() => buildModel('conveyor-lane', { producers: 2 })).toThrow(
      "model 'conveyor-lane' is a lane, one producer and one consumer: give --producers 1 --consumers 1, got 2 and 1",
    );
  });
});
