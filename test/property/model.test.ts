// Random sequences of operations on one thread, checked step by step against a sequential model
// of a bounded FIFO queue (fast-check shrinks any failure to a shortest sequence).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BoundedBuffer,
  Channel,
  type Queue,
  QueueClosedError,
  TaskDoneError,
  TimeoutError,
} from '../../src/index.js';

export type ModelFactory = (capacity: number) => Queue<number>;

class Model {
  items: number[] = [];
  closed = false;
  unfinished = 0;
  constructor(readonly capacity: number) {}
}

type Op =
  | { kind: 'tryPut'; item: number }
  | { kind: 'put0'; item: number }
  | { kind: 'putMany'; items: number[] }
  | { kind: 'tryGet' }
  | { kind: 'get0' }
  | { kind: 'getMany'; max: number }
  | { kind: 'close'; immediate: boolean }
  | { kind: 'taskDone' };

const item = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: item.map((i) => ({ kind: 'tryPut' as const, item: i })) },
  { weight: 2, arbitrary: item.map((i) => ({ kind: 'put0' as const, item: i })) },
  {
    weight: 2,
    arbitrary: fc.array(item, { maxLength: 5 }).map((items) => ({ kind: 'putMany' as const, items })),
  },
  { weight: 4, arbitrary: fc.constant({ kind: 'tryGet' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'get0' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }).map((max) => ({ kind: 'getMany' as const, max })) },
  { weight: 1, arbitrary: fc.boolean().map((immediate) => ({ kind: 'close' as const, immediate })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'taskDone' as const }) },
);

/** Runs `fn`, returning its result or the class of error it threw. */
async function outcome<R>(fn: () => R | Promise<R>): Promise<R | string> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof QueueClosedError) return 'closed';
    if (error instanceof TimeoutError) return 'timeout';
    if (error instanceof TaskDoneError) return 'taskDone too often';
    throw error;
  }
}

async function step(queue: Queue<number>, model: Model, o: Op): Promise<void> {
  const full = model.items.length >= model.capacity;
  const empty = model.items.length === 0;
  switch (o.kind) {
    case 'tryPut':
    case 'put0': {
      const actual = await outcome(async () => {
        if (o.kind === 'tryPut') return queue.tryPut(o.item);
        await queue.put(o.item, { timeout: 0 });
        return undefined;
      });
      const expected = model.closed
        ? 'closed'
        : full
          ? o.kind === 'tryPut'
            ? false
            : 'timeout'
          : o.kind === 'tryPut'
            ? true
            : undefined;
      expect(actual).toEqual(expected);
      if (!model.closed && !full) {
        model.items.push(o.item);
        model.unfinished++;
      }
      break;
    }
    case 'putMany': {
      // Batches of up to `capacity` go in whole or not at all, one after the other.
      const actual = await outcome(() => queue.putMany(o.items, { timeout: 0 }));
      let expected: string | undefined;
      for (let done = 0; done < o.items.length && expected === undefined; done += model.capacity) {
        const chunk = o.items.slice(done, done + model.capacity);
        if (model.closed) expected = 'closed';
        else if (model.items.length + chunk.length > model.capacity) expected = 'timeout';
        else {
          model.items.push(...chunk);
          model.unfinished += chunk.length;
        }
      }
      expect(actual).toBe(expected);
      break;
    }
    case 'tryGet': {
      const actual = await outcome(() => queue.tryGet());
      if (!empty) expect(actual).toEqual({ ok: true, value: model.items.shift() });
      else expect(actual).toEqual(model.closed ? 'closed' : { ok: false });
      break;
    }
    case 'get0': {
      const actual = await outcome(() => queue.get({ timeout: 0 }));
      if (!empty) expect(actual).toBe(model.items.shift());
      else expect(actual).toBe(model.closed ? 'closed' : 'timeout');
      break;
    }
    case 'getMany': {
      const actual = await outcome(() => queue.getMany(o.max, { timeout: 0 }));
      if (!empty) expect(actual).toEqual(model.items.splice(0, o.max));
      else expect(actual).toBe(model.closed ? 'closed' : 'timeout');
      break;
    }
    case 'close': {
      const discarded = queue.close({ immediate: o.immediate });
      model.closed = true;
      if (o.immediate) {
        expect(discarded).toEqual(model.items);
        model.unfinished -= model.items.length;
        model.items = [];
      } else expect(discarded).toEqual([]);
      break;
    }
    case 'taskDone': {
      const actual = await outcome(() => queue.taskDone());
      if (model.unfinished === 0) expect(actual).toBe('taskDone too often');
      else {
        expect(actual).toBeUndefined();
        model.unfinished--;
      }
      break;
    }
  }
  expect(queue.size).toBe(model.items.length);
  expect(queue.closed).toBe(model.closed);
}

export function describeModelProperty(name: string, make: ModelFactory): void {
  describe(`${name} behaves as a sequential bounded FIFO queue`, () => {
    it('for random sequences of operations', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 5 }),
          fc.array(op, { maxLength: 60 }),
          async (capacity, ops) => {
            const queue = make(capacity);
            const model = new Model(capacity);
            for (const o of ops) await step(queue, model, o);
          },
        ),
        { numRuns: 300, seed: 20261126 },
      );
    });
  });
}

describeModelProperty('BoundedBuffer', (capacity) => new BoundedBuffer({ capacity }));
describeModelProperty('Channel', (capacity) => new Channel<number>({ capacity }));
