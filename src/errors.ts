// Error classes. Each failure is a fresh instance (never a shared object) with a stable `code`.

/** A wait ran out of time. Nothing was taken or put. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'ERR_CONVEYOR_TIMEOUT';
  /** The timeout that expired, in milliseconds. */
  readonly timeout: number;
  constructor(timeout: number, what = 'operation') {
    super(`${what} timed out after ${timeout} ms`);
    this.timeout = timeout;
  }
}

/**
 * The queue is closed: no more puts, or no more items to get. A failed put carries the item(s)
 * it could not put, so nothing is lost silently.
 */
export class QueueClosedError extends Error {
  override readonly name = 'QueueClosedError';
  readonly code = 'ERR_QUEUE_CLOSED';
  /** The item a failed `put` could not put (undefined for gets). */
  readonly item: unknown;
  /** For a failed `putMany`: the items that were not put, in order. */
  readonly items: readonly unknown[] | undefined;
  constructor(message: string, details: { item?: unknown; items?: readonly unknown[] } = {}) {
    super(message);
    this.item = details.item;
    this.items = details.items;
  }
}

/** An encoded item is larger than a slot of the buffer. Nothing was written. */
export class ItemTooLargeError extends RangeError {
  override readonly name = 'ItemTooLargeError';
  readonly code = 'ERR_ITEM_TOO_LARGE';
  readonly size: number;
  readonly limit: number;
  readonly item: unknown;
  constructor(size: number, limit: number, item: unknown) {
    super(`item encodes to ${size} bytes, more than the slot size of ${limit} bytes (raise slotBytes)`);
    this.size = size;
    this.limit = limit;
    this.item = item;
  }
}

/** A mutex was used by the wrong thread: unlocked by a non-owner, or re-locked by its owner. */
export class LockOwnershipError extends Error {
  override readonly name = 'LockOwnershipError';
  readonly code: 'ERR_MUTEX_NOT_OWNER' | 'ERR_MUTEX_RECURSIVE';
  constructor(code: 'ERR_MUTEX_NOT_OWNER' | 'ERR_MUTEX_RECURSIVE', message: string) {
    super(message);
    this.code = code;
  }
}

/** `taskDone()` was called more times than items were put. */
export class TaskDoneError extends Error {
  override readonly name = 'TaskDoneError';
  readonly code = 'ERR_TASK_DONE_TOO_OFTEN';
  constructor() {
    super('taskDone() called more times than there were items put');
  }
}

/**
 * A BoundedBuffer's shared memory holds a state no thread could have written (it was overwritten
 * by something other than conveyor). The call that found it did nothing.
 */
export class BufferCorruptedError extends Error {
  override readonly name = 'BufferCorruptedError';
  readonly code = 'ERR_BUFFER_CORRUPTED';
}

/**
 * The runtime cannot do what the call needs: block on this thread (a browser page's main thread),
 * share memory (a page that is not cross-origin isolated), or serialize with codec 'structured'
 * (a browser). The message names the reason and the way out; nothing was done.
 */
export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  readonly code: 'ERR_CANNOT_BLOCK_HERE' | 'ERR_NOT_CROSS_ORIGIN_ISOLATED' | 'ERR_NO_STRUCTURED_SERIALIZER';
  constructor(code: PlatformError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A second producer (or consumer) tried to put (or get) on a BoundedBuffer declared as a
 * one-producer, one-consumer lane (`{ producers: 1, consumers: 1 }`). Nothing was put or taken.
 */
export class LaneRoleError extends Error {
  override readonly name = 'LaneRoleError';
  readonly code = 'ERR_LANE_ROLE_TAKEN';
  /** The side that was refused. */
  readonly role: 'producer' | 'consumer';
  /** The thread that holds that side (its threadId). */
  readonly owner: number;
  constructor(role: 'producer' | 'consumer', owner: number, message: string) {
    super(message);
    this.role = role;
    this.owner = owner;
  }
}
