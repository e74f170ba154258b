// WorkerPool.map(): any iterable or async iterable, possibly endless, through the pool; results
// in order or as they complete; stopping early cancels what is in flight.
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/index.js';
import { type Loose, TASKS } from './helpers.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('WorkerPool.map', () => {
  it('ordered (the default): exactly the inputs results, in the source order, from a sync iterable', async () => {
    await using pool = new WorkerPool<Loose, number>(TASKS, { threads: 2, queue: 16 });
    // Uneven durations, so that completion order differs from the source order.
    const tasks = Array.from({ length: 300 }, (_, i) => ({ op: 'block', ms: i % 7 === 0 ? 3 : 0, value: i }));
    expect(await collect(pool.map(tasks))).toEqual(tasks.map((t) => t.value));
  });

  it('unordered: exactly the inputs results, each once, from an async iterable', async () => {
    await using pool = new WorkerPool<Loose, number>(TASKS, { threads: 2, queue: 16 });
    async function* source() {
      for (let i = 0; i < 300; i++) {
        if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        yield { op: 'sleep', ms: i % 5, value: i };
      }
    }
    const results = await collect(pool.map(source(), { ordered: false }));
    expect(results).toHaveLength(300);
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('over an endless source, stopped early with break, ends cleanly: the source is closed, nothing is left running, and the pool closes', async () => {
    const pool = new WorkerPool<Loose, number>(TASKS, { threads: 2, queue: 8 });
    let pulled = 0;
    let closed = false;
    function* endless() {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield { op: 'add', a: i, b: 1 };
        }
      } finally {
        closed = true;
      }
    }
    let expected = 1;
    for await (const sum of pool.map(endless())) {
      expect(sum).toBe(expected++);
      if (expected > 2000) break;
    }
    expect(closed).toBe(true);
    // Memory bounded by the window: the source was pulled at most a window ahead of the consumer.
    expect(pulled - 2000).toBeLessThanOrEqual(8 + 2 * 65);
    await pool.close();
    expect(pool.stats.workers).toEqual([]);
    expect(pool.stats.running).toBe(0);
  });

  it('a task that throws ends the iteration with its error, after the results before it', async () => {
    await using pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 2, queue: 8 });
    const seen: number[] = [];
    const tasks = [0, 1, 2].map((i) => ({ op: 'echo', value: i }));
    tasks.push({ op: 'throw', message: 'the fourth failed' } as never);
    tasks.push({ op: 'echo', value: 4 });
    await expect(async () => {
      for await (const value of pool.map(tasks)) seen.push(value);
    }).rejects.toThrow('the fourth failed');
    expect(seen).toEqual([0, 1, 2]);
  });

  it('refuses a source that is not iterable at once, and a task the codec cannot carry when reached', async () => {
    await using pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 1, queue: 4 });
    expect(() => pool.map(42 as never)).toThrow(/needs an iterable or async iterable source, got number/);
    expect(() => pool.map([], { ordered: 'yes' as never })).toThrow(/ordered must be a boolean/);
    const seen: unknown[] = [];
    await expect(async () => {
      for await (const value of pool.map([
        { op: 'echo', value: 1 },
        { op: 'echo', value: 2n },
      ]))
        seen.push(value);
    }).rejects.toThrow(/codec 'json' cannot encode/);
    expect(seen).toEqual([1]);
  });
});
