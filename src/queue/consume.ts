// consume(): a fixed number of consumers on any Queue (Channel or BoundedBuffer), each getting an
// item, running `fn` on it and marking it done, until the queue is closed and drained.

import { QueueClosedError } from '../errors.js';
import { checkInteger, checkOptions, checkSignal, describe } from '../internal/validate.js';
import type { Queue } from './queue.js';

export interface ConsumeOptions {
  /** Consumers running at once: an integer from 1 to 2^31-1 (default 1). */
  concurrency?: number;
  /** Aborting it stops the consumers: waiting gets end, running `fn` calls finish, nothing more is taken. */
  signal?: AbortSignal;
}

/**
 * Runs `concurrency` consumers on `queue`. Each one gets an item, awaits `fn(item)`, and calls
 * `queue.taskDone()` for it (also when `fn` throws), so `queue.join()` works for producers.
 *
 * Resolves with the number of items processed once the queue is closed and drained. If `fn`
 * throws, the consumers stop taking items and the promise rejects with the first error once the
 * calls already running have finished; the items left in the queue stay there. An abort rejects
 * the same way, with `signal.reason`.
 */
export async function consume<T>(
  queue: Queue<T>,
  fn: (item: T) => unknown,
  options?: ConsumeOptions,
): Promise<number> {
  if (typeof fn !== 'function') throw new TypeError(`consume needs a function to call, got ${describe(fn)}`);
  const { concurrency = 1, signal: userSignal } = checkOptions(options);
  checkInteger('concurrency', concurrency, 1, 2 ** 31 - 1);
  checkSignal(userSignal);
  userSignal?.throwIfAborted();

  // One controller stops every consumer: on the first error, or when the caller aborts.
  const stop = new AbortController();
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
    stop.abort(error);
  };
  const onAbort = () => fail(userSignal!.reason);
  userSignal?.addEventListener('abort', onAbort, { once: true });
  const waitOptions = { signal: stop.signal };
  let processed = 0;

  const consumer = async () => {
    while (!stop.signal.aborted) {
      let item: T;
      try {
        const now = queue.tryGet(); // no promise when an item is there
        item = now.ok ? now.value : await queue.get(waitOptions);
      } catch (error) {
        // Closed and drained ends this consumer; anything else (not our own stop) stops them all.
        if (!(error instanceof QueueClosedError) && !stop.signal.aborted) fail(error);
        return;
      }
      try {
        await fn(item);
        processed++;
      } catch (error) {
        fail(error);
      } finally {
        queue.taskDone();
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, consumer));
  } finally {
    userSignal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure.error;
  return processed;
}
