// The interface every conveyor queue within one process implements: the in-process Channel and the
// shared-memory BoundedBuffer (RedisBuffer, across processes, implements its async twin,
// async-queue.ts). Code written against Queue moves between one thread and many by changing one
// constructor.
import type { WaitOptions } from '../sync/wait/deadline.js';

export type { WaitOptions };

export interface CloseOptions {
  /**
   * Also discard what is buffered and wake every waiter at once. `close()` then returns the
   * discarded items, so nothing is lost silently.
   */
  immediate?: boolean;
}

/** What `tryGet` returns: an item, or word that there was none (never confused with an item). */
export type TryGetResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/**
 * A bounded first-in first-out queue with backpressure.
 *
 * - `put` waits while the queue is full, `get` while it is empty; `try*` never wait.
 * - Every waiting call takes `{ timeout, signal }`: a timeout rejects with `TimeoutError`, an
 *   abort with `signal.reason`; either way a failed put leaves nothing in the queue and a failed
 *   get takes nothing.
 * - `close()`: puts fail with `QueueClosedError` (carrying the item back), gets drain what is
 *   buffered and then fail with `QueueClosedError`, async iteration ends.
 * - `taskDone()`/`join()` count unfinished items as Python's `queue.Queue` does.
 * - Every item put is got exactly once; items from one producer come out in the order it put them.
 */
export interface Queue<T> extends AsyncIterable<T> {
  /** Most items the queue holds (0 for a rendezvous Channel). */
  readonly capacity: number;
  /** Items in the queue now (a snapshot: not reliable while others are working). */
  readonly size: number;
  /** Whether `close()` has been called. */
  readonly closed: boolean;

  put(item: T, options?: WaitOptions): Promise<void>;
  /** Puts if there is room now; false when full. Throws QueueClosedError when closed. */
  tryPut(item: T): boolean;
  /**
   * Puts every item, in order, waiting for room as needed. Batches of up to `capacity` go in
   * whole or not at all; if it fails part way, the error's `items` are the ones not put.
   */
  putMany(items: Iterable<T>, options?: WaitOptions): Promise<void>;

  get(options?: WaitOptions): Promise<T>;
  /** Takes an item if there is one now. Throws QueueClosedError once closed and drained. */
  tryGet(): TryGetResult<T>;
  /** Waits for the first item only, then returns 1..max items that are there. */
  getMany(max: number, options?: WaitOptions): Promise<T[]>;

  /** Closes the queue; returns the discarded items (always empty unless `immediate`). */
  close(options?: CloseOptions): T[];

  /** Marks one item got earlier as processed. Throws TaskDoneError if called too often. */
  taskDone(): void;
  /** Resolves when every item put has been marked done with `taskDone()`. */
  join(options?: WaitOptions): Promise<void>;
}

/** A Queue whose calls can also block the calling thread (for worker threads). */
export interface BlockingQueue<T> extends Queue<T>, Iterable<T> {
  putSync(item: T, options?: WaitOptions): void;
  putManySync(items: Iterable<T>, options?: WaitOptions): void;
  getSync(options?: WaitOptions): T;
  getManySync(max: number, options?: WaitOptions): T[];
  joinSync(options?: WaitOptions): void;
}
