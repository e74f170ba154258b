// What every shared-memory object's recover(threadId) and watch(worker) have in common.
import type { Worker } from 'node:worker_threads';
import { checkInteger, describe } from '../internal/validate.js';
import { ME } from './semaphore-core.js';

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
  if (typeof worker?.once !== 'function' || typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
    throw new TypeError(`watch() needs a Worker that has not exited, got ${describe(worker)}`);
  }
  if (onRecovered !== undefined && typeof onRecovered !== 'function') {
    throw new TypeError(`watch(): onRecovered must be a function, got ${describe(onRecovered)}`);
  }
  worker.once('exit', () => {
    const report = recover(id);
    onRecovered?.(report);
  });
}
