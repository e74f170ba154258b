// A WorkerPool worker that dies (process.exit in a task, an uncaught error, out of memory) rejects
// the task it was running with a coded error, is replaced, and the queue goes on: nothing lost,
// nothing run or counted twice.
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/index.js';
import { type Loose, logFile, runCounts, settled, TASKS } from './helpers.js';

const deaths = [
  ['process.exit(7) in a task', { op: 'exit', code: 7 }, /exited with code 7/],
  ['an uncaught error in a timer', { op: 'uncaught' }, /uncaught in a timer/],
] as const;

describe('a WorkerPool worker that dies', () => {
  for (const [how, death, message] of deaths) {
    it(`by ${how} rejects its task with ERR_WORKER_DIED, is replaced, and the queued tasks go on, each run once`, async () => {
      await using pool = new WorkerPool<Loose, Loose>(TASKS, { threads: 2, queue: 8 });
      await pool.ready;
      const log = logFile();
      const before = pool.stats.workers.map((w) => w.threadId);
      const tasks = Array.from({ length: 40 }, (_, id) =>
        id === 10
          ? { op: 'logged', log, id, next: death }
          : { op: 'logged', log, id, next: { op: 'block', ms: 2, value: id } },
      );
      const outcomes = await Promise.all(tasks.map((task) => settled(pool.run(task))));
      for (const [id, outcome] of outcomes.entries()) {
        if (id === 10) {
          expect(outcome.ok).toBe(false);
          const error = (outcome as { error: Loose }).error;
          expect(error.code).toBe('ERR_WORKER_DIED');
          expect(error.message).toMatch(message);
        } else {
          expect(outcome).toEqual({ ok: true, value: id });
        }
      }
      const counts = runCounts(log);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual(tasks.map((t) => t.id));
      expect([...counts.values()].every((n) => n === 1)).toBe(true); // nothing ran twice
      const stats = pool.stats;
      expect(stats.completed).toBe(39);
      expect(stats.failed).toBe(1);
      expect(stats.workers).toHaveLength(2);
      expect(stats.workers.map((w) => w.threadId)).not.toEqual(before);
      expect(await pool.run({ op: 'add', a: 1, b: 1 })).toBe(2);
    });
  }

  it('by running out of memory (resourceLimits) rejects its task with ERR_WORKER_DIED and the pool goes on', async () => {
    await using pool = new WorkerPool<Loose, Loose>(TASKS, {
      threads: 1,
      queue: 4,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    await pool.ready;
    const oom = settled(pool.run({ op: 'oom' }));
    const after = pool.run({ op: 'add', a: 40, b: 2 });
    const outcome = await oom;
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: Loose }).error.code).toBe('ERR_WORKER_DIED');
    expect((outcome as { error: Loose }).error.cause?.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect(await after).toBe(42);
  });
});
