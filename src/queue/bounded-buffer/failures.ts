// The errors BoundedBuffer throws, with the details that say what happened to the items.
import { BufferCorruptedError, QueueClosedError } from '../../errors.js';
import { describe } from '../../internal/validate.js';

export function closedForPut(item: unknown): QueueClosedError {
  return new QueueClosedError('cannot put: the buffer is closed', { item });
}

export function closedForPutMany(list: unknown[], done: number): QueueClosedError {
  return new QueueClosedError(`cannot put: the buffer is closed (${done} of ${list.length} items were put)`, {
    items: list.slice(done),
  });
}

export function closedForGet(): QueueClosedError {
  return new QueueClosedError('cannot get: the buffer is closed and drained');
}

/** A shared word holds a value that no thread of a BoundedBuffer could have written. */
export function corrupted(word: string, value: number): BufferCorruptedError {
  return new BufferCorruptedError(
    `BoundedBuffer memory is corrupted: ${word} holds ${value}, which no thread could have written`,
  );
}

/** Attaches the items a call did not put (or took and could not hand over) to its error. */
export function withItems(error: unknown, list: unknown[], done: number): unknown {
  if (error !== null && typeof error === 'object' && Object.isExtensible(error)) {
    Object.defineProperty(error, 'items', { value: list.slice(done), configurable: true, enumerable: false });
  }
  return error;
}

/**
 * A codec's decode() threw after the item was taken out of the buffer: the error carries what was
 * taken, still encoded (the bytes, or the JSON text), in `encoded` (for getMany, a list), so
 * nothing is lost silently. A thrown non-object is wrapped in a TypeError to carry it.
 */
export function withEncoded(error: unknown, encoded: unknown): unknown {
  const carrier =
    error !== null && typeof error === 'object' && Object.isExtensible(error)
      ? error
      : new TypeError(`the codec's decode() threw ${describe(error)}`, { cause: error });
  Object.defineProperty(carrier, 'encoded', { value: encoded, configurable: true, enumerable: false });
  return carrier;
}
