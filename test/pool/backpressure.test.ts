// WorkerPool backpressure: run() waits for room while the queue is full, instead of failing or
// letting an internal line grow.
import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/index.js';
import { type Loose, TASKS } from './helpers.js';

describe('WorkerPool backpressure', () => {
  it('with queue: 2 and one thread, 50 concurrent run() calls all resolve correctly and the queue never holds more than 2', async () => {
    await using pool = new WorkerPool<Loose, number>(TASKS, { threads: 1, queue: 2 });
    await pool.ready;
    const samples: { queued: number; running: number; waiting: number; done: number }[] = [];
    const sample = () => {
      const { queued, running, waiting, completed, failed } = pool.stats;
      samples.push({ queued, running, waiting, done: completed + failed });
    };
    const sampler = setInterval(sample, 1);
    const runs = Array.from({ length: 50 }, (_, i) => pool.run({ op: 'block', ms: 2, value: i * 3 }));
    sample(); // right after submitting: 50 accepted calls, at most 2 queued and 1 taken by the worker
    const results = await Promise.all(runs);
    clearInterval(sampler);
    sample();
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 3));
    expect(samples.length).toBeGreaterThan(10);
    for (const s of samples) {
      expect(s.queued).toBeLessThanOrEqual(2);
      expect(s.running).toBeLessThanOrEqual(1);
      // Every call not finished is waiting for room, in the queue, taken by the worker, or
      // finished by the worker and not yet read back by this thread (which puts more only after
      // reading results back, so at most queue + 1 of them): nothing sits in a hidden line.
      expect(50 - s.waiting - s.done).toBeLessThanOrEqual(2 * (2 + 1));
    }
    expect(samples[0].waiting).toBeGreaterThanOrEqual(47);
    expect(samples.at(-1)).toEqual({ queued: 0, running: 0, waiting: 0, done: 50 });
  });
});
