// The Queue interface for queues that live outside this process (RedisBuffer): every call that
// must ask the server returns a Promise, so tryPut/tryGet/close/taskDone/size are async here.
import type { CloseOptions, TryGetResult, WaitOptions } from './queue.js';

/** Queue with the same semantics, for a queue shared across processes and machines. */
export interface AsyncQueue<T> extends AsyncIterable<T> {
  readonly capacity: number;
  /** Whether this handle has seen the queue closed (by any process). */
  readonly closed: boolean;
  /** Items in the queue now (a snapshot). */
  size(): Promise<number>;

  put(item: T, options?: WaitOptions): Promise<void>;
  tryPut(item: T): Promise<boolean>;
  putMany(items: Iterable<T>, options?: WaitOptions): Promise<void>;

  get(options?: WaitOptions): Promise<T>;
  tryGet(): Promise<TryGetResult<T>>;
  getMany(max: number, options?: WaitOptions): Promise<T[]>;

  close(options?: CloseOptions): Promise<T[]>;
  taskDone(): Promise<void>;
  join(options?: WaitOptions): Promise<void>;
}
