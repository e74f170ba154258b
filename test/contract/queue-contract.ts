// The contract every conveyor Queue keeps, as one suite run against each implementation through a
// factory. The cases port, in our own words, CPython's Lib/test/test_queue.py and the JSR-166
// TCK's BlockingQueueTest / ArrayBlockingQueueTest; each test names the peer case it ports.
// Every wait in here has a finite timeout.
import { describe, expect, it } from 'vitest';
import {
  type Queue,
  QueueClosedError,
  TaskDoneError,
  TimeoutError,
  type TryGetResult,
} from '../../src/index.js';
import type { AsyncQueue } from '../../src/queue/async-queue.js';

export type QueueFactory = (capacity: number) => Queue<number> | Promise<AsyncQueue<number>>;

/** A queue under test: the in-process kind (sync calls) or one across processes (all async). */
type AnyQueue = Queue<number> | AsyncQueue<number>;

export interface ContractOptions {
  /**
   * false for a queue with no sync calls (RedisBuffer): tryPut/tryGet/close/taskDone/size return
   * promises, and what throws for a sync queue rejects instead. Default true.
   */
  sync?: boolean;
  /**
   * false when a signal aborted while the call waits cannot reach it (the blocking `*Sync` calls
   * made in another thread: the thread is blocked, and a signal does not cross threads); the two
   * cases that abort a waiting call are then not run. Default true.
   */
  abortWhileWaiting?: boolean;
}

/** The queue's size, read as a property or asked for. */
async function sizeOf(queue: AnyQueue): Promise<number> {
  return typeof queue.size === 'function' ? queue.size() : queue.size;
}

/** A short wait that bounds every get/put that might otherwise block forever. */
const BOUND = { timeout: 5_000 };

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

async function drain(queue: AnyQueue): Promise<number[]> {
  const items: number[] = [];
  for (let r: TryGetResult<number> = await queue.tryGet(); r.ok; r = await queue.tryGet())
    items.push(r.value);
  return items;
}

export function describeQueueContract(name: string, make: QueueFactory, options: ContractOptions = {}): void {
  const sync = options.sync ?? true;
  const abortWhileWaiting = options.abortWhileWaiting ?? true;
  /** A sync queue must throw at once; an async one rejects. */
  async function fails(call: () => unknown, type: new (...args: never[]) => Error): Promise<unknown> {
    if (sync) {
      let thrown: unknown;
      expect(() => {
        try {
          call();
        } catch (error) {
          thrown = error;
          throw error;
        }
      }).toThrow(type);
      return thrown;
    }
    const error = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(type);
    return error;
  }
  describe(`${name} keeps the Queue contract`, () => {
    describe('putting and getting', () => {
      it('gives items back in the order they were put (test_queue: simple_queue_test)', async () => {
        const queue = await make(8);
        for (const item of [111, 333, 222]) await queue.put(item, BOUND);
        expect([await queue.get(BOUND), await queue.get(BOUND), await queue.get(BOUND)]).toEqual([
          111, 333, 222,
        ]);
      });

      it('keeps FIFO order while wrapping around the ring many times (ArrayBlockingQueueTest: wrap-around)', async () => {
        const queue = await make(3);
        const got: number[] = [];
        for (let i = 0; i < 100; i++) {
          await queue.put(i, BOUND);
          if (i % 3 === 2) for (let k = 0; k < 3; k++) got.push(await queue.get(BOUND));
        }
        got.push(...(await drain(queue)));
        expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
      });

      it('reports its capacity and size (ArrayBlockingQueueTest: testRemainingCapacity)', async () => {
        const queue = await make(4);
        expect(queue.capacity).toBe(4);
        expect(await sizeOf(queue)).toBe(0);
        await queue.put(1, BOUND);
        await queue.put(2, BOUND);
        expect(await sizeOf(queue)).toBe(2);
        await queue.get(BOUND);
        expect(await sizeOf(queue)).toBe(1);
      });

      it('tryPut returns false once full and leaves the queue unchanged (test_queue: put_nowait raises Full)', async () => {
        const queue = await make(2);
        expect(await queue.tryPut(1)).toBe(true);
        expect(await queue.tryPut(2)).toBe(true);
        expect(await queue.tryPut(3)).toBe(false);
        expect(await sizeOf(queue)).toBe(2);
        expect(await drain(queue)).toEqual([1, 2]);
      });

      it('tryGet tells "no item" apart from any item, zero included (test_queue: get_nowait raises Empty)', async () => {
        const queue = await make(2);
        expect(await queue.tryGet()).toEqual({ ok: false });
        await queue.tryPut(0);
        expect(await queue.tryGet()).toEqual({ ok: true, value: 0 });
        expect(await queue.tryGet()).toEqual({ ok: false });
      });

      it('a blocked get is woken by a later put (test_queue: test_blocking_get / BlockingQueueTest: testPutWithTake)', async () => {
        const queue = await make(1);
        const got = queue.get(BOUND);
        await tick();
        await queue.put(42, BOUND);
        expect(await got).toBe(42);
      });

      it('a blocked put is woken by a later get (test_queue: test_blocking_put)', async () => {
        const queue = await make(1);
        await queue.put(1, BOUND);
        let putDone = false;
        const put = queue.put(2, BOUND).then(() => {
          putDone = true;
        });
        await tick();
        expect(putDone).toBe(false);
        expect(await queue.get(BOUND)).toBe(1);
        await put;
        expect(await queue.get(BOUND)).toBe(2);
      });

      it('many concurrent putters and getters move every item exactly once (test_queue: test_many_threads)', async () => {
        const queue = await make(3);
        const putters = Array.from({ length: 4 }, (_, p) =>
          (async () => {
            for (let i = 0; i < 50; i++) await queue.put(p * 1000 + i, BOUND);
          })(),
        );
        // Each getter's items in its own order (calls on different threads may complete in another order than they took their items).
        const got: number[][] = [[], [], []];
        const getters = got.map((mine) =>
          (async () => {
            for (;;) {
              try {
                mine.push(await queue.get(BOUND));
              } catch (error) {
                if (error instanceof QueueClosedError) return;
                throw error;
              }
            }
          })(),
        );
        await Promise.all(putters);
        await queue.close();
        await Promise.all(getters);
        const expected = [0, 1, 2, 3].flatMap((p) => Array.from({ length: 50 }, (_, i) => p * 1000 + i));
        expect(got.flat().sort((a, b) => a - b)).toEqual(expected);
        for (const mine of got) {
          for (let p = 0; p < 4; p++) {
            const fromP = mine.filter((x) => Math.floor(x / 1000) === p);
            expect(fromP).toEqual([...fromP].sort((a, b) => a - b));
          }
        }
      });

      it('many concurrent batch putters and getters move every item exactly once, each producer in order', async () => {
        const queue = await make(4);
        const putters = Array.from({ length: 3 }, (_, p) =>
          (async () => {
            for (let b = 0; b < 8; b++) {
              await queue.putMany(
                Array.from({ length: 5 }, (_, i) => p * 1000 + b * 5 + i),
                BOUND,
              );
            }
          })(),
        );
        // What each getter got, in its own order: a getter's calls follow one another, so its
        // items keep each producer's order.
        const got: number[][] = [[], []];
        const getters = got.map((mine) =>
          (async () => {
            for (;;) {
              try {
                const batch = await queue.getMany(3, BOUND);
                expect(batch.length).toBeGreaterThan(0);
                mine.push(...batch);
              } catch (error) {
                if (error instanceof QueueClosedError) return;
                throw error;
              }
            }
          })(),
        );
        await Promise.all(putters);
        await queue.close();
        await Promise.all(getters);
        const expected = [0, 1, 2].flatMap((p) => Array.from({ length: 40 }, (_, i) => p * 1000 + i));
        expect(got.flat().sort((a, b) => a - b)).toEqual(expected);
        for (const mine of got) {
          for (let p = 0; p < 3; p++) {
            const fromP = mine.filter((x) => Math.floor(x / 1000) === p);
            expect(fromP).toEqual([...fromP].sort((a, b) => a - b));
          }
        }
      });
    });

    describe('timeouts and abort signals', () => {
      it('a get with timeout 0 on an empty queue fails at once (BlockingQueueTest: testTimedPoll0)', async () => {
        const queue = await make(2);
        await expect(queue.get({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
      });

      it('a get with timeout 0 takes an item that is there (BlockingQueueTest: testTimedPoll0 with items)', async () => {
        const queue = await make(2);
        await queue.tryPut(7);
        expect(await queue.get({ timeout: 0 })).toBe(7);
      });

      it('a timed get on an empty queue waits about its timeout, then fails (BlockingQueueTest: testTimedPoll)', async () => {
        const queue = await make(2);
        const start = performance.now();
        const error = await queue.get({ timeout: 40 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TimeoutError);
        expect((error as TimeoutError).code).toBe('ERR_CONVEYOR_TIMEOUT');
        expect(performance.now() - start).toBeGreaterThanOrEqual(35);
      });

      it('a timed put on a full queue fails and puts nothing (BlockingQueueTest: testTimedOffer)', async () => {
        const queue = await make(1);
        await queue.put(1, BOUND);
        await expect(queue.put(2, { timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
        expect(await sizeOf(queue)).toBe(1);
        expect(await drain(queue)).toEqual([1]);
      });

      it('an already aborted signal rejects with its reason and takes nothing (BlockingQueueTest: testInterruptedTimedPoll)', async () => {
        const queue = await make(2);
        await queue.tryPut(5);
        const reason = new Error('stop');
        await expect(queue.get({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
        await expect(queue.put(6, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
        expect(await drain(queue)).toEqual([5]);
      });

      // A signal cannot reach a call blocked in another thread: not run there (see abortWhileWaiting).
      if (abortWhileWaiting) {
        it('aborting a blocked get rejects it with the reason, and a later put goes to the next getter (BlockingQueueTest: testTakeFromEmptyBlocksInterruptibly)', async () => {
          const queue = await make(2);
          const controller = new AbortController();
          const aborted = queue.get({ signal: controller.signal, timeout: 5_000 });
          await tick();
          controller.abort(new Error('enough'));
          await expect(aborted).rejects.toThrow('enough');
          await queue.put(9, BOUND);
          expect(await queue.get(BOUND)).toBe(9);
        });

        it('aborting a blocked put rejects it and leaves nothing in the queue (BlockingQueueTest: testPutWithTake interrupted)', async () => {
          const queue = await make(1);
          await queue.put(1, BOUND);
          const controller = new AbortController();
          const blocked = queue.put(2, { signal: controller.signal, timeout: 5_000 });
          await tick();
          controller.abort(new Error('no room'));
          await expect(blocked).rejects.toThrow('no room');
          expect(await drain(queue)).toEqual([1]);
        });
      }

      it('rejects a negative or NaN timeout with a RangeError naming it', async () => {
        const queue = await make(1);
        await expect(queue.get({ timeout: -1 })).rejects.toThrow(/timeout.*-1/);
        await expect(queue.put(1, { timeout: Number.NaN })).rejects.toBeInstanceOf(RangeError);
        expect(await sizeOf(queue)).toBe(0);
      });
    });

    describe('batches', () => {
      it('putMany puts every item in order, waiting for room (BlockingQueueTest: testAddAll)', async () => {
        const queue = await make(4);
        const items = Array.from({ length: 10 }, (_, i) => i);
        const putting = queue.putMany(items, BOUND);
        const got: number[] = [];
        while (got.length < 10) got.push(...(await queue.getMany(3, BOUND)));
        await putting;
        expect(got).toEqual(items);
      });

      it('getMany waits for the first item only and returns what is there, up to max (BlockingQueueTest: testDrainToN)', async () => {
        const queue = await make(8);
        const waiting = queue.getMany(5, BOUND);
        await tick();
        await queue.put(1, BOUND);
        expect(await waiting).toEqual([1]);
        await queue.putMany([2, 3, 4, 5, 6, 7], BOUND);
        expect(await queue.getMany(4, BOUND)).toEqual([2, 3, 4, 5]);
        expect(await queue.getMany(10, BOUND)).toEqual([6, 7]);
      });

      it('getMany rejects a max that is not a positive integer', async () => {
        const queue = await make(2);
        await expect(queue.getMany(0)).rejects.toThrow(/max.*0/);
        await expect(queue.getMany(1.5)).rejects.toBeInstanceOf(RangeError);
      });
    });

    describe('closing', () => {
      it('after close, puts fail with QueueClosedError carrying the item (test_queue: test_shutdown_put)', async () => {
        const queue = await make(2);
        await queue.close();
        expect(queue.closed).toBe(true);
        const error = await queue.put(3, BOUND).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(QueueClosedError);
        expect((error as QueueClosedError).item).toBe(3);
        expect((error as QueueClosedError).code).toBe('ERR_QUEUE_CLOSED');
        await fails(() => queue.tryPut(4), QueueClosedError);
      });

      it('after close, getters drain what is buffered, then fail (test_queue: test_shutdown_nonempty)', async () => {
        const queue = await make(4);
        await queue.putMany([1, 2, 3], BOUND);
        expect(await queue.close()).toEqual([]);
        expect(await queue.get(BOUND)).toBe(1);
        expect(await queue.getMany(5, BOUND)).toEqual([2, 3]);
        await expect(queue.get(BOUND)).rejects.toBeInstanceOf(QueueClosedError);
        await fails(() => queue.tryGet(), QueueClosedError);
      });

      it('close wakes every blocked getter and putter (test_queue: test_shutdown_all_methods_in_many_threads)', async () => {
        const getters = await make(1);
        const blockedGets = [getters.get(BOUND), getters.get(BOUND)];
        const putters = await make(1);
        await putters.put(0, BOUND);
        const blockedPut = putters.put(1, BOUND);
        // Observed from the start: a queue across processes may reject them while the test awaits close().
        const outcomes = [...blockedGets, blockedPut].map((call) =>
          call.then(
            () => 'resolved',
            (e: unknown) => e,
          ),
        );
        await tick();
        await getters.close();
        await putters.close();
        for (const outcome of await Promise.all(outcomes)) expect(outcome).toBeInstanceOf(QueueClosedError);
        expect(await putters.get(BOUND)).toBe(0);
      });

      it('close({ immediate: true }) returns the discarded items and ends gets at once (test_queue: test_shutdown_immediate)', async () => {
        const queue = await make(4);
        await queue.putMany([1, 2, 3], BOUND);
        expect(await queue.close({ immediate: true })).toEqual([1, 2, 3]);
        await expect(queue.get(BOUND)).rejects.toBeInstanceOf(QueueClosedError);
        await queue.join({ timeout: 1_000 }); // discarded items count as done
      });

      it('closing twice is harmless, and an immediate close after a plain one discards what is left', async () => {
        const queue = await make(3);
        await queue.putMany([1, 2], BOUND);
        await queue.close();
        await queue.close();
        expect(await queue.close({ immediate: true })).toEqual([1, 2]);
      });

      it('async iteration yields every item, then ends once closed and drained', async () => {
        const queue = await make(2);
        const consumed = (async () => {
          const seen: number[] = [];
          for await (const item of queue) seen.push(item);
          return seen;
        })();
        for (let i = 0; i < 6; i++) await queue.put(i, BOUND);
        await queue.close();
        expect(await consumed).toEqual([0, 1, 2, 3, 4, 5]);
      });
    });

    describe('taskDone and join', () => {
      it('join resolves once every item put has been marked done (test_queue: test_queue_join)', async () => {
        const queue = await make(4);
        await queue.putMany([1, 2, 3], BOUND);
        let joined = false;
        const join = queue.join({ timeout: 5_000 }).then(() => {
          joined = true;
        });
        for (let i = 0; i < 3; i++) {
          await queue.get(BOUND);
          await tick(1);
          expect(joined).toBe(false);
          await queue.taskDone();
        }
        await join;
        expect(joined).toBe(true);
      });

      it('join on a queue with nothing unfinished resolves at once', async () => {
        const queue = await make(2);
        await queue.join({ timeout: 0 });
        await queue.put(1, BOUND);
        await queue.get(BOUND);
        await queue.taskDone();
        await queue.join({ timeout: 0 });
      });

      it('taskDone called more often than items were put throws (test_queue: test_task_done raises ValueError)', async () => {
        const queue = await make(2);
        await fails(() => queue.taskDone(), TaskDoneError);
        await queue.put(1, BOUND);
        await queue.get(BOUND);
        await queue.taskDone();
        const error = await fails(() => queue.taskDone(), TaskDoneError);
        expect((error as TaskDoneError).code).toBe('ERR_TASK_DONE_TOO_OFTEN');
      });

      it('a join with a timeout fails when tasks stay unfinished', async () => {
        const queue = await make(2);
        await queue.put(1, BOUND);
        await expect(queue.join({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
      });
    });
  });
}
