// Semaphore: cases ported from the JSR-166 TCK's SemaphoreTest and CPython's test_threading
// semaphore tests, plus fairness and cross-thread use.
import { describe, expect, it } from 'vitest';
import { Mutex, Semaphore, TimeoutError } from '../../src/index.js';
import { firstMessage, startWorker } from '../helpers/worker.js';

const ACTOR = new URL('../workers/sync-actor.ts', import.meta.url);
const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Semaphore', () => {
  describe('construction', () => {
    it('accepts 0 to 2^31-1 permits (SemaphoreTest: testConstructor)', () => {
      expect(new Semaphore(0).value).toBe(0);
      expect(new Semaphore(2 ** 31 - 1).value).toBe(2 ** 31 - 1);
    });

    it.each([
      [-1, RangeError, /permits must be an integer from 0 to 2147483647, got -1 \(number\)/],
      [1.5, RangeError, /got 1.5/],
      [Number.NaN, RangeError, /got NaN/],
      [2 ** 31, RangeError, /got 2147483648/],
      ['4', TypeError, /got '4' \(string\)/],
      [undefined, TypeError, /got undefined/],
    ])(
      'rejects %s permits with an error naming the value (test_threading: semaphore initial value must be >= 0)',
      (value, type, message) => {
        expect(() => new Semaphore(value as number)).toThrow(type);
        expect(() => new Semaphore(value as number)).toThrow(message);
      },
    );
  });

  describe('in one thread', () => {
    it('tryAcquire takes a permit when there is one, and release gives it back (SemaphoreTest: testTryAcquireInSameThread)', () => {
      const semaphore = new Semaphore(2);
      expect(semaphore.tryAcquire()).toBe(true);
      expect(semaphore.tryAcquire()).toBe(true);
      expect(semaphore.tryAcquire()).toBe(false);
      semaphore.release();
      expect(semaphore.value).toBe(1);
    });

    it('takes and gives back several permits at once (SemaphoreTest: testAcquireNInSameThread)', async () => {
      const semaphore = new Semaphore(5);
      expect(semaphore.tryAcquire(3)).toBe(true);
      expect(semaphore.tryAcquire(3)).toBe(false);
      await semaphore.acquire({ permits: 2, timeout: 1_000 });
      expect(semaphore.value).toBe(0);
      semaphore.release(5);
      semaphore.acquireSync({ permits: 5, timeout: 0 });
      expect(semaphore.value).toBe(0);
    });

    it('an acquire waits until a release (SemaphoreTest: testAcquireReleaseInSameThread)', async () => {
      const semaphore = new Semaphore(0);
      let acquired = false;
      const waiting = semaphore.acquire({ timeout: 5_000 }).then(() => {
        acquired = true;
      });
      await tick();
      expect(acquired).toBe(false);
      semaphore.release();
      await waiting;
      expect(acquired).toBe(true);
      expect(semaphore.value).toBe(0);
    });

    it('a timed acquire fails with TimeoutError and takes nothing (SemaphoreTest: testTimedTryAcquire)', async () => {
      const semaphore = new Semaphore(1);
      await expect(semaphore.acquire({ permits: 2, timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
      expect(() => semaphore.acquireSync({ permits: 2, timeout: 0 })).toThrow(TimeoutError);
      expect(semaphore.value).toBe(1);
      expect(semaphore.tryAcquire()).toBe(true); // the failed waiter left no trace in the line
    });

    it('an abort rejects with the signal reason and takes nothing (SemaphoreTest: testAcquire_Interruptible)', async () => {
      const semaphore = new Semaphore(0);
      const controller = new AbortController();
      const waiting = semaphore.acquire({ signal: controller.signal });
      await tick();
      controller.abort(new Error('cancelled'));
      await expect(waiting).rejects.toThrow('cancelled');
      semaphore.release();
      expect(semaphore.tryAcquire()).toBe(true);
      await expect(semaphore.acquire({ signal: AbortSignal.abort('already') })).rejects.toBe('already');
    });

    it('serves waiters first come, first served', async () => {
      const semaphore = new Semaphore(0);
      const order: number[] = [];
      const waiters = [1, 2, 3].map((n) => semaphore.acquire({ timeout: 5_000 }).then(() => order.push(n)));
      await tick();
      for (let i = 0; i < 3; i++) {
        semaphore.release();
        await tick();
      }
      await Promise.all(waiters);
      expect(order).toEqual([1, 2, 3]);
    });

    it('does not let a newcomer barge past a waiter that needs more permits', async () => {
      const semaphore = new Semaphore(1);
      const big = semaphore.acquire({ permits: 2, timeout: 5_000 });
      await tick();
      expect(semaphore.tryAcquire()).toBe(false); // a permit is free, but the waiter came first
      semaphore.release();
      await big;
      expect(semaphore.value).toBe(0);
    });

    it('keeps serving every waiter while its ticket counter wraps past 2^32, with some waiters giving up', async () => {
      const semaphore = new Semaphore(0);
      // Four views in one thread hold four tickets at once (each view queues its own acquirers).
      const views = [semaphore, ...[1, 2, 3].map(() => Semaphore.from(semaphore.handle))];
      const words = new Int32Array(semaphore.handle.memory);
      const NEXT_TICKET = 2 + 3;
      const SERVING = 2 + 4;
      words[NEXT_TICKET] = -300; // 300 tickets before the counter wraps to 0
      words[SERVING] = -300;
      for (let round = 0; round < 150; round++) {
        const quitter = new AbortController();
        const quits = round % 4; // the view whose waiter gives up this round
        const waits = views.map((view, i) =>
          view.acquire(i === quits ? { signal: quitter.signal } : { timeout: 2_000 }),
        );
        await tick(0);
        quitter.abort('gave up');
        await expect(waits[quits]).rejects.toBe('gave up');
        semaphore.release(3);
        await Promise.all(waits.filter((_, i) => i !== quits));
      }
      expect(words[NEXT_TICKET]).toBeGreaterThan(0); // the counter did wrap
      expect(semaphore.value).toBe(0);
    });

    it('rejects release(0), release(-1) and a release past 2^31-1, changing nothing (test_threading: BoundedSemaphore released too many times)', () => {
      const semaphore = new Semaphore(2 ** 31 - 2);
      expect(() => semaphore.release(0)).toThrow(/permits must be an integer from 1/);
      expect(() => semaphore.release(-1)).toThrow(RangeError);
      expect(() => semaphore.release(2)).toThrow(/past 2147483647 permits/);
      expect(semaphore.value).toBe(2 ** 31 - 2);
    });

    it('rejects bad permits and timeouts on acquire, with the value in the message', async () => {
      const semaphore = new Semaphore(1);
      await expect(semaphore.acquire({ permits: 0 })).rejects.toThrow(/got 0/);
      await expect(semaphore.acquire({ timeout: -5 })).rejects.toThrow(/timeout.*-5/);
      expect(() => semaphore.acquireSync({ timeout: Number.NaN })).toThrow(RangeError);
      expect(() => semaphore.tryAcquire(Number.NaN)).toThrow(RangeError);
      expect(semaphore.value).toBe(1);
    });
  });

  describe('across worker threads', () => {
    it('a release in a worker wakes an acquire on the main thread (SemaphoreTest: testReleaseAcquireDifferentThreads)', async () => {
      const semaphore = new Semaphore(0);
      const worker = startWorker(ACTOR, {
        workerData: { task: 'release', semaphore: semaphore.handle, permits: 3, delayMs: 50 },
      });
      await semaphore.acquire({ permits: 3, timeout: 10_000 });
      expect(await firstMessage(worker)).toBe('released');
      await worker.terminate();
    });

    it('a waiter for two permits is served while two workers keep taking and giving back one', async () => {
      const semaphore = new Semaphore(2);
      const stop = new SharedArrayBuffer(4);
      const churners = [0, 1].map(() =>
        startWorker(ACTOR, { workerData: { task: 'churn', semaphore: semaphore.handle, stop } }),
      );
      const started = churners.map((w) => firstMessage<string>(w));
      expect(await Promise.all(started)).toEqual(['started', 'started']);
      for (let round = 0; round < 5; round++) {
        semaphore.acquireSync({ permits: 2, timeout: 5_000 });
        semaphore.release(2);
        await tick(20); // the churners run meanwhile
      }
      const finished = churners.map((w) => firstMessage<number>(w));
      Atomics.store(new Int32Array(stop), 0, 1);
      for (const rounds of await Promise.all(finished)) expect(rounds).toBeGreaterThan(1);
      expect(semaphore.value).toBe(2);
      await Promise.all(churners.map((w) => w.terminate()));
    });

    it('from() rejects anything that is not a Semaphore handle, naming what it got', () => {
      expect(() => Semaphore.from(undefined as never)).toThrow(
        /needs the .handle of a Semaphore, got undefined/,
      );
      expect(() => Semaphore.from({ kind: 'Semaphore', memory: new ArrayBuffer(8) } as never)).toThrow(
        /SharedArrayBuffer/,
      );
      expect(() => Semaphore.from(new Mutex().handle as never)).toThrow(/given the handle of a Mutex/);
      const forged = new Semaphore(1).handle;
      new Int32Array(forged.memory)[0] = 12345;
      expect(() => Semaphore.from(forged)).toThrow(/not a conveyor object/);
    });
  });
});
