// Mutex and Semaphore when a thread dies: a worker terminated while it holds the mutex, or while
// it waits in line, must not wedge the others once recover() (or watch()) has run.
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LockOwnershipError, Mutex, type MutexRecoveryReport, Semaphore } from '../../src/index.js';
import { startWorker } from '../helpers/worker.js';

const ACTOR = new URL('../workers/sync-actor.ts', import.meta.url);

/** The worker's next message equal to `expected`; rejects after `timeoutMs`. */
function says(worker: Worker, expected: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${expected}' within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown) => {
      if (message !== expected) return;
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
  });
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Mutex when its holder dies', () => {
  it('gives the lock to the next locker, whose guard says ownerDied until one marks it consistent', async () => {
    const mutex = new Mutex();
    const holder = startWorker(ACTOR, { workerData: { task: 'lock-and-hang', mutex: mutex.handle } });
    const reports: MutexRecoveryReport[] = [];
    mutex.watch(holder, (report) => reports.push(report));
    await says(holder, 'locked');
    const next = mutex.lock({ timeout: 10_000 });
    await holder.terminate();
    const guard = await next;
    expect(reports).toEqual([{ threadId: expect.any(Number), ownerDied: true, leftLine: false }]);
    expect(guard.ownerDied).toBe(true);
    guard.unlock(); // without marking it consistent: the next holder is told too
    const second = mutex.lockSync({ timeout: 1_000 });
    expect(second.ownerDied).toBe(true);
    second.markConsistent();
    second.unlock();
    expect(() => second.markConsistent()).toThrow(LockOwnershipError);
    const third = mutex.tryLock()!;
    expect(third.ownerDied).toBe(false);
    third.unlock();
  });

  it('takes a locker that died waiting in line out of the line, so the one behind it gets the lock', async () => {
    const mutex = new Mutex();
    const mine = mutex.lockSync();
    const first = startWorker(ACTOR, { workerData: { task: 'lock-in-line', mutex: mutex.handle } });
    await says(first, 'waiting');
    await settle(100); // let it take its ticket before the second one does
    const second = startWorker(ACTOR, { workerData: { task: 'lock-in-line', mutex: mutex.handle } });
    await says(second, 'waiting');
    await settle(100);
    const reports: MutexRecoveryReport[] = [];
    mutex.watch(first, (report) => reports.push(report));
    await first.terminate();
    expect(reports).toEqual([{ threadId: expect.any(Number), ownerDied: false, leftLine: true }]);
    const locked = says(second, 'locked', 10_000);
    mine.unlock();
    await locked;
    await second.terminate();
  });

  it('recover() of a thread that neither held nor waited changes nothing', () => {
    const mutex = new Mutex();
    expect(mutex.recover(4242)).toEqual({ threadId: 4242, ownerDied: false, leftLine: false });
    expect(mutex.tryLock()?.ownerDied).toBe(false);
  });
});

describe('Semaphore when a waiter dies', () => {
  it('takes a waiter that died in line out of it, so the one behind it is served', async () => {
    const semaphore = new Semaphore(0);
    const first = startWorker(ACTOR, {
      workerData: { task: 'acquire-in-line', semaphore: semaphore.handle },
    });
    await says(first, 'waiting');
    await settle(100);
    const second = startWorker(ACTOR, {
      workerData: { task: 'acquire-in-line', semaphore: semaphore.handle },
    });
    await says(second, 'waiting');
    await settle(100);
    const firstId = first.threadId; // a worker's threadId reads -1 once it has exited
    await first.terminate();
    expect(semaphore.recover(firstId)).toEqual({ threadId: firstId, leftLine: true });
    const acquired = says(second, 'acquired', 10_000);
    semaphore.release();
    await acquired;
    await second.terminate();
  });
});
