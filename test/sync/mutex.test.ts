import { describe, expect, it } from 'vitest';
import { LockOwnershipError, Mutex, TimeoutError } from '../../src/index.js';
import { firstMessage, startWorker } from '../helpers/worker.js';

const ACTOR = new URL('../workers/sync-actor.ts', import.meta.url);
const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Mutex', () => {
  it('lets one holder in at a time, and tryLock fails while it is held', () => {
    const mutex = new Mutex();
    const guard = mutex.lockSync({ timeout: 0 });
    expect(mutex.locked).toBe(true);
    expect(mutex.heldByCurrentThread).toBe(true);
    expect(mutex.tryLock()).toBeUndefined();
    guard.unlock();
    expect(mutex.locked).toBe(false);
    const again = mutex.tryLock();
    expect(again).toBeDefined();
    again!.unlock();
  });

  it('unlocks through a guard with `using`, once', () => {
    const mutex = new Mutex();
    {
      using _guard = mutex.lockSync();
      expect(mutex.locked).toBe(true);
    }
    expect(mutex.locked).toBe(false);
    const guard = mutex.lockSync();
    guard.unlock();
    guard.unlock(); // a second unlock through the same guard does nothing
    expect(mutex.locked).toBe(false);
  });

  it('throws ERR_MUTEX_RECURSIVE when its holder calls lockSync again, instead of hanging', () => {
    const mutex = new Mutex();
    const guard = mutex.lockSync();
    const error = (() => {
      try {
        mutex.lockSync({ timeout: 1_000 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(LockOwnershipError);
    expect((error as LockOwnershipError).code).toBe('ERR_MUTEX_RECURSIVE');
    guard.unlock();
  });

  it('throws ERR_MUTEX_NOT_OWNER on unlock when it is not locked', () => {
    expect(() => new Mutex().unlock()).toThrow(/not locked/);
  });

  it('throws ERR_MUTEX_NOT_OWNER when another thread tries to unlock it, and stays locked', async () => {
    const mutex = new Mutex();
    const guard = mutex.lockSync();
    const worker = startWorker(ACTOR, { workerData: { task: 'unlock-foreign', mutex: mutex.handle } });
    expect(await firstMessage(worker)).toBe('ERR_MUTEX_NOT_OWNER');
    expect(mutex.heldByCurrentThread).toBe(true);
    guard.unlock();
    await worker.terminate();
  });

  it('an async lock in the holding thread waits for another task of that thread to unlock', async () => {
    const mutex = new Mutex();
    const first = await mutex.lock();
    let second = false;
    const waiting = mutex.lock({ timeout: 5_000 }).then((guard) => {
      second = true;
      guard.unlock();
    });
    await tick();
    expect(second).toBe(false);
    first.unlock();
    await waiting;
    expect(second).toBe(true);
  });

  it('withLock releases the lock when the function throws (async-mutex: exceptions during runExclusive do not leave it locked)', async () => {
    const mutex = new Mutex();
    await expect(
      mutex.withLock(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(mutex.locked).toBe(false);
    expect(() =>
      mutex.withLockSync(() => {
        throw new Error('bang');
      }),
    ).toThrow('bang');
    expect(mutex.locked).toBe(false);
    expect(await mutex.withLock(() => 7)).toBe(7);
  });

  it('a timed or aborted lock fails and leaves no trace', async () => {
    const mutex = new Mutex();
    const guard = await mutex.lock();
    await expect(mutex.lock({ timeout: 10 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const waiting = mutex.lock({ signal: controller.signal });
    await tick();
    controller.abort(new Error('no'));
    await expect(waiting).rejects.toThrow('no');
    guard.unlock();
    const next = mutex.tryLock();
    expect(next).toBeDefined();
    next!.unlock();
  });

  it('keeps a plain read-modify-write exact across four workers (mutual exclusion)', async () => {
    const mutex = new Mutex();
    const counter = new SharedArrayBuffer(4);
    const workers = Array.from({ length: 4 }, () =>
      startWorker(ACTOR, { workerData: { task: 'increment', mutex: mutex.handle, counter, times: 5_000 } }),
    );
    await Promise.all(workers.map((w) => firstMessage(w, 30_000)));
    expect(new Int32Array(counter)[0]).toBe(20_000);
    expect(mutex.locked).toBe(false);
    await Promise.all(workers.map((w) => w.terminate()));
  });
});
