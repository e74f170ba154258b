// WorkerPool: run() on real worker threads, errors that keep their shape, bad input refused at
// once, stats, close() and `await using`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ItemTooLargeError,
  QueueClosedError,
  TaskModuleError,
  TimeoutError,
  WorkerPool,
} from '../../src/index.js';
import { type Loose, settled, TASKS } from './helpers.js';

describe('WorkerPool', () => {
  let pool: WorkerPool<Loose, Loose>;
  beforeAll(async () => {
    pool = new WorkerPool(TASKS, { threads: 2, queue: 8, slotBytes: 1024 });
    await pool.ready;
  });
  afterAll(() => pool.close());

  it('runs tasks on worker threads and resolves with their results', async () => {
    const sums = await Promise.all(
      Array.from({ length: 200 }, (_, i) => pool.run({ op: 'add', a: i, b: 1 })),
    );
    expect(sums).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const threads = await pool.run({ op: 'thread' });
    expect(threads).not.toBe(0); // not the main thread
  });

  it('rejects a task that throws with its name, message, stack, code, cause and other properties, and the worker lives on', async () => {
    const before = pool.stats.workers.map((w) => w.threadId);
    const outcome = await settled(pool.run({ op: 'throw', message: 'bad input 7' }));
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: Loose }).error;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.name).toBe('RangeError');
    expect(error.message).toBe('bad input 7');
    expect(error.stack).toContain('tasks.mjs');
    expect(error.code).toBe('E_TASK');
    expect(error.detail).toEqual({ n: 42 });
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause.message).toBe('the cause');
    expect(error.cause.cause).toBe('root');
    expect(await settled(pool.run({ op: 'throw-string' }))).toEqual({ ok: false, error: 'plain string' });
    expect(await pool.run({ op: 'add', a: 2, b: 3 })).toBe(5);
    expect(pool.stats.workers.map((w) => w.threadId)).toEqual(before);
  });

  it('refuses a task the codec cannot carry at once, naming it, with nothing queued', async () => {
    const before = pool.stats;
    const cyclic: Record<string, unknown> = { op: 'echo' };
    cyclic.value = cyclic;
    await expect(pool.run(cyclic)).rejects.toThrow(/codec 'json' cannot encode/);
    await expect(pool.run({ op: 'echo', value: 1n })).rejects.toThrow(TypeError);
    await expect(pool.run({ op: 'echo', value: 'x'.repeat(1100) })).rejects.toBeInstanceOf(ItemTooLargeError);
    const after = pool.stats;
    expect(after.queued + after.running + after.waiting).toBe(0);
    expect(after.completed + after.failed).toBe(before.completed + before.failed);
  });

  it('rejects a result the codec cannot carry back, and the worker lives on', async () => {
    await expect(pool.run({ op: 'big', n: 2000 })).rejects.toThrow(
      /result cannot be sent back.*raise slotBytes/,
    );
    await expect(pool.run({ op: 'function' })).rejects.toThrow(/result cannot be sent back/);
    expect(await pool.run({ op: 'add', a: 1, b: 1 })).toBe(2);
  });

  it('reports stats: counters, and each worker busy share', async () => {
    const before = pool.stats;
    await Promise.all([pool.run({ op: 'block', ms: 30 }), pool.run({ op: 'block', ms: 30 })]);
    const after = pool.stats;
    expect(after.threads).toBe(2);
    expect(after.completed - before.completed).toBe(2);
    expect(after.workers).toHaveLength(2);
    for (const worker of after.workers) {
      expect(worker.busy).toBeGreaterThan(0);
      expect(worker.busy).toBeLessThanOrEqual(1);
      expect(worker.tasks).toBeGreaterThan(0);
    }
    const busyMs =
      after.workers.reduce((sum, w) => sum + w.busyMs, 0) - before.workers.reduce((s, w) => s + w.busyMs, 0);
    expect(busyMs).toBeGreaterThanOrEqual(55);
    expect(JSON.parse(JSON.stringify(after))).toEqual(after); // plain data, for an exporter
  });

  it('refuses bad options at once, naming the bad value', async () => {
    expect(() => new WorkerPool(TASKS, { threads: 0 })).toThrow(
      /threads must be an integer from 1 to 256, got 0 \(number\)/,
    );
    expect(() => new WorkerPool(TASKS, { threads: 1.5 })).toThrow(/threads must be an integer.*got 1.5/);
    expect(() => new WorkerPool(TASKS, { threads: '2' as never })).toThrow(TypeError);
    expect(() => new WorkerPool(TASKS, { queue: 0 })).toThrow(/queue must be an integer/);
    expect(() => new WorkerPool(TASKS, { codec: 'xml' as never })).toThrow(
      /codec must be 'json' or 'structured', got 'xml'/,
    );
    expect(() => new WorkerPool(new URL('./no-such-task.js', TASKS))).toThrow(/does not exist/);
    expect(() => new WorkerPool(42 as never)).toThrow(
      /needs its task module as a URL or a path .*, got 42 \(number\)/,
    );
    const rejected = pool.run({ op: 'add' }, { timeout: -1 }); // a rejected promise, not a throw
    await expect(rejected).rejects.toThrow(/timeout must be a number of milliseconds.*got -1/);
    return expect(pool.run({ op: 'add', a: 1, b: 1 }, { timeout: -1 })).rejects.toThrow(RangeError);
  });

  it('refuses a task module whose default export is not a function: ready, run and map reject with TaskModuleError', async () => {
    const bad = new WorkerPool(new URL('./fixtures/no-function.mjs', import.meta.url), { threads: 1 });
    const first = settled(bad.run({}));
    await expect(bad.ready).rejects.toBeInstanceOf(TaskModuleError);
    await expect(bad.ready).rejects.toThrow(/default export must be a function.*got number/);
    const outcome = await first;
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: Loose }).error.code).toBe('ERR_POOL_TASK_MODULE');
    await expect(bad.run({})).rejects.toBeInstanceOf(TaskModuleError);
    expect(() => bad.map([1])).toThrow(TaskModuleError);
    await bad.close();
  });
});

describe('closing a WorkerPool', () => {
  it('close() finishes the queued tasks, refuses new ones, and ends the workers', async () => {
    const pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 1, queue: 4 });
    const runs = Array.from({ length: 4 }, (_, i) => pool.run({ op: 'block', ms: 20, value: i }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = pool.close();
    await expect(pool.run({ op: 'add', a: 1, b: 1 })).rejects.toBeInstanceOf(QueueClosedError);
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(await closing).toEqual([]);
    expect(pool.stats.workers).toEqual([]);
  });

  it('close({ immediate: true }) rejects the queued tasks, handing them back, and aborts the running one', async () => {
    const pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 1, queue: 4 });
    await pool.ready;
    const running = pool.run({ op: 'until-aborted' });
    const queued = Array.from({ length: 3 }, (_, i) => settled(pool.run({ op: 'echo', value: i })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const handed = await pool.close({ immediate: true });
    expect(handed).toEqual([0, 1, 2].map((i) => ({ op: 'echo', value: i })));
    for (const [i, outcome] of (await Promise.all(queued)).entries()) {
      expect(outcome.ok).toBe(false);
      expect((outcome as { error: Loose }).error).toBeInstanceOf(QueueClosedError);
      expect((outcome as { error: Loose }).error.item).toEqual({ op: 'echo', value: i });
    }
    expect(await running).toBe('aborted: AbortError');
  });

  it('await using closes the pool at the end of the block', async () => {
    let escaped: WorkerPool<Loose, Loose>;
    {
      await using pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 1 });
      escaped = pool;
      expect(await pool.run({ op: 'add', a: 20, b: 22 })).toBe(42);
    }
    expect(escaped.closed).toBe(true);
    expect(escaped.stats.workers).toEqual([]);
    await expect(escaped.run({ op: 'add', a: 1, b: 1 })).rejects.toBeInstanceOf(QueueClosedError);
  });

  it('timeout: 0 rejects at once with a TimeoutError when the queue is full', async () => {
    await using pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 1, queue: 1 });
    await pool.ready;
    let blockerDone = false;
    const running = pool.run({ op: 'block', ms: 300 }).finally(() => (blockerDone = true));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the worker took it
    const queued = pool.run({ op: 'echo', value: 'queued' }, { timeout: 0 });
    await expect(pool.run({ op: 'echo', value: 'refused' }, { timeout: 0 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    expect(blockerDone).toBe(false); // refused at once, not after waiting for the worker
    await expect(pool.run({ op: 'echo', value: 'late' }, { timeout: 30 })).rejects.toThrow(
      /timed out after 30 ms/,
    );
    expect(await running).toBe(300);
    expect(await queued).toBe('queued');
  });
});
