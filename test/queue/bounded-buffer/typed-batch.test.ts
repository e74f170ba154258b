// Typed batches: putMany of an Int32Array or Float64Array and getMany({ into }) copy whole runs of
// slots with TypedArray.set, keep FIFO and exactly-once across workers, close and time out whole.
import { describe, expect, it } from 'vitest';
import { BoundedBuffer, QueueClosedError, TimeoutError } from '../../../src/index.js';
import { exited, firstMessage, startWorker } from '../../helpers/worker.js';

const ACTOR = new URL('../../workers/typed-batch-actor.ts', import.meta.url);

describe('typed batches', () => {
  it('putManySync(Int32Array) and getManySync({ into }) move items in order across the wrap', () => {
    const buffer = new BoundedBuffer({ capacity: 5 });
    const into = new Int32Array(8);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 20; round++) {
      const batch = Int32Array.from({ length: 1 + (round % 5) }, () => next++);
      buffer.putManySync(batch, { timeout: 0 });
      let n = buffer.getManySync(8, { into, timeout: 0 });
      while (n > 0) {
        for (let j = 0; j < n; j++) expect(into[j]).toBe(expected++);
        n = buffer.size > 0 ? buffer.getManySync(8, { into, timeout: 0 }) : 0;
      }
    }
    expect(expected).toBe(next);
  });

  it('a Float64Array batch keeps every float, and getMany({ into }) fills at most into.length', async () => {
    const buffer = new BoundedBuffer({ capacity: 8, codec: 'float64' });
    await buffer.putMany(Float64Array.of(0.5, -1e300, Number.NaN, 3));
    const into = new Float64Array(3);
    expect(await buffer.getMany(10, { into })).toBe(3);
    expect([...into]).toEqual([0.5, -1e300, Number.NaN]);
    expect(await buffer.getMany(10, { into, timeout: 0 })).toBe(1);
    expect(into[0]).toBe(3);
  });

  it('a batch larger than the room left times out whole, and its error holds what was not put', () => {
    const buffer = new BoundedBuffer({ capacity: 4 });
    buffer.putManySync(Int32Array.of(1, 2));
    const error = (() => {
      try {
        buffer.putManySync(Int32Array.of(3, 4, 5), { timeout: 10 });
      } catch (e) {
        return e as TimeoutError & { items: Int32Array };
      }
    })();
    expect(error).toBeInstanceOf(TimeoutError);
    expect([...error!.items]).toEqual([3, 4, 5]);
    expect(buffer.size).toBe(2);
    expect(() => buffer.getManySync(4, { into: new Int32Array(4), timeout: 0 })).not.toThrow();
    expect(() => buffer.getManySync(4, { into: new Int32Array(4), timeout: 10 })).toThrow(TimeoutError);
  });

  it('after close, getMany({ into }) drains and then throws QueueClosedError; putMany is refused whole', () => {
    const buffer = new BoundedBuffer({ capacity: 4 });
    buffer.putManySync(Int32Array.of(7, 8));
    buffer.close();
    expect(() => buffer.putManySync(Int32Array.of(9))).toThrow(QueueClosedError);
    const into = new Int32Array(4);
    expect(buffer.getManySync(4, { into })).toBe(2);
    expect([...into.subarray(0, 2)]).toEqual([7, 8]);
    expect(() => buffer.getManySync(4, { into })).toThrow(QueueClosedError);
  });

  it('a typed array of the other element type goes through the checked path, and bad `into` is named', () => {
    const ints = new BoundedBuffer({ capacity: 4 });
    expect(() => ints.putManySync(Float64Array.of(1.5))).toThrow(/codec 'int32' needs an integer/);
    expect(ints.size).toBe(0);
    ints.putManySync(Float64Array.of(1, 2)); // whole numbers pass the check
    expect(() => ints.getManySync(2, { into: new Float64Array(2) })).toThrow(
      "getMany({ into }) needs an Int32Array for codec 'int32', got a Float64Array",
    );
    expect(() => ints.getManySync(2, { into: new Int32Array(0) })).toThrow(/into has no room/);
    const json = new BoundedBuffer({ capacity: 4, codec: 'json' });
    expect(() => json.getManySync(2, { into: new Int32Array(2) })).toThrow(/codec 'int32' or 'float64'/);
    expect(ints.getManySync(4)).toEqual([1, 2]);
  });

  it('two producers and two consumers in workers: every item exactly once, each producer in order', async () => {
    const items = 20_000;
    const buffer = new BoundedBuffer({ capacity: 32 });
    const start = (data: object) => {
      const worker = startWorker(ACTOR, { workerData: { buffer: buffer.handle, items, ...data } });
      return { result: firstMessage<unknown>(worker, 25_000), exit: exited(worker, 25_000) };
    };
    const consumers = [start({ task: 'consume', seed: 3 }), start({ task: 'consume', seed: 4 })];
    const producers = [
      start({ task: 'produce', producer: 1, seed: 1 }),
      start({ task: 'produce', producer: 2, seed: 2 }),
    ];
    expect(await Promise.all(producers.map((p) => p.result))).toEqual(['produced', 'produced']);
    buffer.close();
    const got = (await Promise.all(consumers.map((c) => c.result))) as number[][];
    await Promise.all([...producers, ...consumers].map((a) => a.exit));
    const inOrder = got.every((list) =>
      [1, 2].every((p) => {
        const mine = list.filter((x) => Math.floor(x / 1_000_000) === p);
        return mine.every((x, j) => j === 0 || x > mine[j - 1]);
      }),
    );
    expect(inOrder).toBe(true);
    const all = got.flat().sort((a, b) => a - b);
    const want = [1, 2].flatMap((p) => Array.from({ length: items }, (_, k) => p * 1_000_000 + k));
    expect(all.length).toBe(want.length);
    expect(all.join()).toBe(want.join());
  });
});
