// What every shared-memory object's recover(threadId) and watch(worker) have in common: the
// thread's mark, the entries each thread holds in an object's table (see "Dead threads" in
// semaphore-core.ts and bounded-buffer.ts), and the checks.
import type { Worker } from 'node:worker_threads';
import { checkInteger, describe } from '../internal/validate.js';
import { onWorkerExit, threadId } from '../platform/thread.js';

/** This thread's mark in an entry's OWNER word and in a Mutex's owner word: never 0. */
export const ME = threadId + 1;

/** An entry this thread holds: the word index of its OWNER word in `i32`. */
interface Held {
  readonly i32: Int32Array;
  readonly entry: number;
}

/** This thread's entries, freed when it exits normally (a terminated thread runs no hook: recover() frees them). */
const held = new Set<Held>();
/** Frees the entry of a view that was garbage-collected: it holds no claim and no ticket then. */
const reaper = new FinalizationRegistry<Held>((entry) => {
  held.delete(entry);
  release(entry);
});
let hooked = false;

function release({ i32, entry }: Held): void {
  // Not a typed array: the explorer's recorded memory (check/code-memory.ts), which holds nothing.
  if (!ArrayBuffer.isView(i32)) return;
  Atomics.compareExchange(i32, entry, ME, 0);
}

/**
 * Records that `view` holds the entry whose OWNER word is at `entry` (already set to ME by CAS):
 * it is freed when the view is garbage-collected or this worker exits normally.
 */
export function holdEntry(view: object, i32: Int32Array, entry: number): void {
  const record = { i32, entry };
  held.add(record);
  reaper.register(view, record);
  if (!hooked) {
    hooked = true;
    // A worker that ends normally (or by an uncaught error) is between calls: nothing to repair.
    onWorkerExit(() => {
      for (const record of held) release(record);
    });
  }
}

/** Checks a thread id given to recover(): an integer, and not the calling thread's. */
export function checkRecoverable(id: number): void {
  checkInteger('threadId', id, 0, 0x7ffffffe);
  if (id + 1 === ME)
    throw new RangeError(`recover(${id}): that is the calling thread, which is still running`);
}

/** Calls `recover(worker.threadId)` on the worker's 'exit' event, and passes the report on. */
export function watchWorker<R>(
  worker: Worker,
  onRecovered: ((report: R) => void) | undefined,
  recover: (id: number) => R,
): void {
  const id = (worker as Partial<Worker> | null)?.threadId;
  if (typeof worker?.once !== 'function' || typeof id !== 'number' || !Number.isInteger(id)) {
    throw new TypeError(`watch() needs a Worker, got ${describe(worker)}`);
  }
  if (id < 0) {
    throw new TypeError('watch() needs a Worker that has not exited yet (its threadId is -1 once it has)');
  }
  if (onRecovered !== undefined && typeof onRecovered !== 'function') {
    throw new TypeError(`watch(): onRecovered must be a function, got ${describe(onRecovered)}`);
  }
  worker.once('exit', () => {
    const report = recover(id);
    try {
      onRecovered?.(report);
    } catch (error) {
      // Thrown from here it would stop the worker's other 'exit' listeners (terminate() waits on
      // one of them): rethrow it on its own, as an uncaught exception.
      queueMicrotask(() => {
        throw error;
      });
    }
  });
}
