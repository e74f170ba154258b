// The errors Channel throws, with the details that say what happened to the items (as
// bounded-buffer/failures.ts does for BoundedBuffer).
import { QueueClosedError } from '../../errors.js';

export function closedForPut(item: unknown): QueueClosedError {
  return new QueueClosedError('cannot put: the channel is closed', { item });
}

export function closedForPutMany(list: readonly unknown[], done: number): QueueClosedError {
  return new QueueClosedError(
    `cannot put: the channel is closed (${done} of ${list.length} items were put)`,
    {
      items: list.slice(done),
    },
  );
}

export function closedForGet(): QueueClosedError {
  return new QueueClosedError('cannot get: the channel is closed and drained');
}

/** Attaches the items a putMany did not put to its error (a timeout, or the abort reason). */
export function withItems(error: unknown, list: readonly unknown[], done: number): unknown {
  if (error !== null && typeof error === 'object' && Object.isExtensible(error)) {
    Object.defineProperty(error, 'items', { value: list.slice(done), configurable: true, enumerable: false });
  }
  return error;
}
