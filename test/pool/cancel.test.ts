// Cancelling WorkerPool tasks without killing workers: a queued task is removed and never runs;
// a running task's signal aborts and its worker lives on.
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/index.js';
import { type Loose, logFile, runCounts, settled, TASKS, until } from './helpers.js';

describe('cancelling WorkerPool tasks', () => {
  it('aborting a queued task rejects it with the reason at once, and it never runs', async () => {
    await using pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 1, queue: 4 });
    await pool.ready;
    const log = logFile();
    const blocker = pool.run({ op: 'block', ms: 200 });
    await until(() => pool.stats.running === 1, 'the worker runs the blocker');
    const controller = new AbortController();
    const cancelled = settled(pool.run({ op: 'logged', log, id: 1 }, { signal: controller.signal }));
    const kept = pool.run({ op: 'logged', log, id: 2 });
    await until(() => pool.stats.queued === 2, 'both are queued'); // the line is pumped in a microtask
    controller.abort(new Error('not needed any more'));
    const outcome = await cancelled;
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: Error }).error.message).toBe('not needed any more');
    expect(await blocker).toBe(200);
    expect(await kept).toBe(2);
    expect([...runCounts(log)]).toEqual([[2, 1]]); // task 1 never ran
    expect(pool.stats.cancelled).toBe(1);
  });

  it('aborting a task still waiting for room removes it from the line', async () => {
    await using pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 1, queue: 1 });
    await pool.ready;
    const log = logFile();
    const blocker = pool.run({ op: 'block', ms: 200 });
    await until(() => pool.stats.running === 1, 'the worker runs the blocker');
    const queued = pool.run({ op: 'logged', log, id: 1 });
    const controller = new AbortController();
    const waiting = settled(pool.run({ op: 'logged', log, id: 2 }, { signal: controller.signal }));
    await until(() => pool.stats.queued === 1, 'the first is queued');
    expect(pool.stats.waiting).toBe(1);
    controller.abort();
    expect((await waiting).ok).toBe(false);
    expect(pool.stats.waiting).toBe(0);
    await Promise.all([blocker, queued]);
    expect([...runCounts(log)]).toEqual([[1, 1]]);
  });

  it('aborting a running task aborts the signal its function received, and the worker stays alive', async () => {
    await using pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 1, queue: 4 });
    await pool.ready;
    const [worker] = pool.stats.workers;
    const controller = new AbortController();
    const running = settled(pool.run({ op: 'until-aborted' }, { signal: controller.signal }));
    await until(() => pool.stats.running === 1, 'the task runs');
    controller.abort();
    const outcome = await running;
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: Error }).error.name).toBe('AbortError');
    // The task saw its signal abort and returned; the same worker runs the next task.
    await until(() => pool.stats.running === 0, 'the aborted task returns');
    expect(await pool.run({ op: 'add', a: 1, b: 2 })).toBe(3);
    expect(pool.stats.workers.map((w) => w.threadId)).toEqual([worker.threadId]);
  });

  it('a running task that ignores its signal is ended only by an explicit terminateWorker()', async () => {
    await using pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 1, queue: 4 });
    await pool.ready;
    const [worker] = pool.stats.workers;
    const stuck = settled(pool.run({ op: 'block', ms: 60_000 }));
    await until(() => pool.stats.running === 1, 'the task runs');
    const next = pool.run({ op: 'add', a: 2, b: 2 });
    expect(await pool.terminateWorker(worker.threadId)).toBe(true);
    const outcome = await stuck;
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: Loose }).error.code).toBe('ERR_WORKER_DIED');
    expect(await next).toBe(4); // the queued task went on, on the fresh worker
    expect(pool.stats.workers[0].threadId).not.toBe(worker.threadId);
    expect(await pool.terminateWorker(worker.threadId)).toBe(false);
  });
});
