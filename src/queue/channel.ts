// Channel: the in-process bounded queue. Same contract as BoundedBuffer (the Queue interface), for
// any JS values passed by reference within one thread; capacity 0 is a rendezvous, as an
// unbuffered Go channel.
//
// Design
// ------
// One thread, so no locks: every method runs to completion, and a waiter's promise is settled in
// the same synchronous step that removes it from its line. Three lines of waiters, each a doubly
// linked list (unlinking a timed-out or aborted waiter is O(1) and happens at once):
//   putters  — puts waiting for room, each holding its item (or a batch of putMany's items)
//   getters  — gets waiting for an item (a getMany waiter takes up to `max` at once)
//   joiners  — join() calls waiting for `unfinished` to reach 0
// The buffer is a deque over a plain array (channel/deque.ts), grown by doubling up to the
// capacity; the waiters and their lines are channel/waiters.ts, the errors channel/failures.ts.
//
// Calls that can finish at once allocate no waiter: a put returns one shared resolved promise,
// a get returns Promise.resolve(item). Only a call that must wait builds a waiter, and only a
// waiter with a finite timeout starts a timer (cleared when it settles, whichever way).
//
// Keep-alive: a pending wait never holds the process open, since only this thread's own code can
// end it; its timeout timer does, unless the call says `ref: false` (see waitIn).
//
// Invariants (they hold between any two calls: one thread, so nothing interleaves inside a call):
//   0 <= size <= capacity
//   getters non-empty ⇒ size === 0 and putters empty (items go to a waiting getter first)
//   putters non-empty ⇒ the first putter's batch does not fit: size + first.n > capacity
//     (so a new put queues behind it: no barging past waiting putters, FIFO)
//   capacity === 0 ⇒ size === 0; a put completes only when a get takes its item
//   unfinished >= 0 counts items accepted (buffered or handed over) and not yet taskDone()'d
//   closed ⇒ putters empty (close rejects them) and, once size === 0, getters empty

import { QueueClosedError, TaskDoneError } from '../errors.js';
import { checkInteger, describe } from '../internal/validate.js';
import { Deadline, type WaitOptions } from '../sync/wait/deadline.js';
import { Deque } from './channel/deque.js';
import { closedForGet, closedForPut, closedForPutMany, withItems } from './channel/failures.js';
import { Line, Waiter, waitIn } from './channel/waiters.js';
import type { CloseOptions, Queue, TryGetResult } from './queue.js';

/** Largest capacity a Channel accepts. */
export const MAX_CHANNEL_CAPACITY = 2 ** 30;

export interface ChannelOptions {
  /** Most items buffered: an integer from 0 (rendezvous) to 2^30. */
  capacity: number;
}

const RESOLVED: Promise<void> = Promise.resolve();
const NO_ITEM: TryGetResult<never> = Object.freeze({ ok: false });
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * An in-process bounded FIFO queue of any JS values (passed by reference): `put` waits while it
 * is full, `get` while it is empty. It implements the same `Queue` interface as `BoundedBuffer`,
 * so code moves between one thread and many by changing the constructor.
 *
 * - Capacity 0 is a rendezvous: a put completes only when a get takes its item.
 * - Waiters are served first come, first served; a new put never barges past waiting ones.
 * - `timeout` (ms) and `signal` on every waiting call. A timed-out or aborted call leaves its line
 *   at once, takes or leaves nothing, and clears its timer; every promise settles.
 * - `close()` rejects waiting puts (their error carries the item back) and lets gets drain;
 *   `close({ immediate: true })` also discards the buffered items and returns them.
 */
export class Channel<T> implements Queue<T> {
  /** Most items buffered; 0 for a rendezvous. */
  readonly #capacity: number;
  /** Items buffered, oldest first. */
  readonly #buffer: Deque<T>;
  readonly #putters = new Line<T>();
  readonly #getters = new Line<T>();
  readonly #joiners = new Line<T>();
  /** What runs after a waiter left a line unserved (bound once: waits allocate no closure for it). */
  readonly #left = (line: Line<T>) => this.#afterLeave(line);
  /** Items accepted and not yet marked done. */
  #unfinished = 0;
  #closed = false;

  constructor(options: ChannelOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(
        `Channel options must be an object like { capacity: 16 }, got ${describe(options)}`,
      );
    }
    this.#capacity = checkInteger('capacity', options.capacity, 0, MAX_CHANNEL_CAPACITY);
    this.#buffer = new Deque(Math.min(this.#capacity, 1024));
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Items buffered now (always 0 for a rendezvous). */
  get size(): number {
    return this.#buffer.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Items put and not yet marked done with `taskDone()`. */
  get unfinished(): number {
    return this.#unfinished;
  }

  // ---------------------------------------------------------------------------------------------
  // Putting

  /** Puts `item`, waiting while the channel is full (or, at capacity 0, until a get takes it). */
  put(item: T, options?: WaitOptions): Promise<void> {
    if (options !== undefined) return this.#putWith(item, options);
    if (this.#closed) return Promise.reject(closedForPut(item));
    if (this.#acceptOne(item)) return RESOLVED;
    return waitIn(this.#putters, this.#putter(item), undefined, 'Channel.put', this.#left);
  }

  #putWith(item: T, options: WaitOptions): Promise<void> {
    let deadline: Deadline;
    try {
      deadline = new Deadline(options);
      deadline.throwIfAborted();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.reject(closedForPut(item));
    if (this.#acceptOne(item)) return RESOLVED;
    return waitIn(this.#putters, this.#putter(item), deadline, 'Channel.put', this.#left);
  }

  /** Puts `item` if that can be done now; false when full (or, at capacity 0, no get waits). */
  tryPut(item: T): boolean {
    if (this.#closed) throw closedForPut(item);
    return this.#acceptOne(item);
  }

  /**
   * Puts every item in order. Batches of up to `capacity` items go in whole or not at all; if it
   * fails part way, the error's `items` are the ones not put.
   */
  async putMany(items: Iterable<T>, options?: WaitOptions): Promise<void> {
    if (items === null || typeof (items as Iterable<T>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`putMany needs an iterable of items, got ${describe(items)}`);
    }
    const list: readonly T[] = Array.isArray(items) ? items : Array.from(items);
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    const batch = Math.max(1, this.#capacity);
    for (let done = 0; done < list.length; ) {
      if (this.#closed) throw closedForPutMany(list, done);
      const n = Math.min(batch, list.length - done);
      if (!this.#acceptMany(list, done, n)) {
        const w = this.#putter(undefined as T);
        w.list = list;
        w.from = done;
        w.n = n;
        try {
          await waitIn(this.#putters, w, deadline, 'Channel.putMany', this.#left);
        } catch (error) {
          if (error instanceof QueueClosedError) throw error;
          throw withItems(error, list, done);
        }
      }
      done += n;
    }
  }

  #putter(item: T): Waiter<T> {
    const w = new Waiter<T>();
    w.item = item;
    w.n = 1;
    return w;
  }

  /** Accepts one item now if it can (no waiting putter ahead, and room or a waiting getter). */
  #acceptOne(item: T): boolean {
    if (this.#putters.length !== 0) return false; // FIFO: queue behind the waiting putters
    if (this.#getters.length !== 0) {
      // The buffer is empty (invariant): hand the item straight to the first getter.
      this.#unfinished++;
      this.#handOver(this.#getters.shift(), item);
      return true;
    }
    if (this.#buffer.length < this.#capacity) {
      this.#unfinished++;
      this.#buffer.push(item);
      return true;
    }
    return false;
  }

  /** Accepts list[from .. from+n) now, whole, if it can. */
  #acceptMany(list: readonly T[], from: number, n: number): boolean {
    if (this.#putters.length !== 0) return false;
    if (this.#capacity === 0) {
      // Rendezvous: batches are single items.
      if (this.#getters.length === 0) return false;
      this.#unfinished++;
      this.#handOver(this.#getters.shift(), list[from]!);
      return true;
    }
    if (this.#buffer.length + n > this.#capacity) return false;
    this.#unfinished += n;
    for (let k = 0; k < n; k++) this.#buffer.push(list[from + k]!);
    this.#serveGetters();
    return true;
  }

  /** Settles a waiting getter with one item that never entered the buffer. */
  #handOver(getter: Waiter<T>, item: T): void {
    if (getter.n === 0) (getter.resolve as (value: T) => void)(item);
    else (getter.resolve as (value: T[]) => void)([item]);
  }

  // ---------------------------------------------------------------------------------------------
  // Getting

  /** Takes the oldest item, waiting while the channel is empty. */
  get(options?: WaitOptions): Promise<T> {
    if (options !== undefined) return this.#getWith(options);
    if (this.#buffer.length !== 0) return Promise.resolve(this.#takeBuffered());
    if (this.#putters.length !== 0) return Promise.resolve(this.#takeFromPutter());
    if (this.#closed) return Promise.reject(closedForGet());
    return waitIn(this.#getters, new Waiter<T>(), undefined, 'Channel.get', this.#left);
  }

  #getWith(options: WaitOptions): Promise<T> {
    let deadline: Deadline;
    try {
      deadline = new Deadline(options);
      deadline.throwIfAborted();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#buffer.length !== 0) return Promise.resolve(this.#takeBuffered());
    if (this.#putters.length !== 0) return Promise.resolve(this.#takeFromPutter());
    if (this.#closed) return Promise.reject(closedForGet());
    return waitIn(this.#getters, new Waiter<T>(), deadline, 'Channel.get', this.#left);
  }

  /** Takes an item if there is one now. Throws QueueClosedError once closed and drained. */
  tryGet(): TryGetResult<T> {
    if (this.#buffer.length !== 0) return { ok: true, value: this.#takeBuffered() };
    if (this.#putters.length !== 0) return { ok: true, value: this.#takeFromPutter() };
    if (this.#closed) throw closedForGet();
    return NO_ITEM;
  }

  /** Waits for the first item only, then returns 1..max items that are there. */
  getMany(max: number, options?: WaitOptions): Promise<T[]> {
    let deadline: Deadline | undefined;
    try {
      checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
      if (options !== undefined) {
        deadline = new Deadline(options);
        deadline.throwIfAborted();
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#buffer.length !== 0 || this.#putters.length !== 0) return Promise.resolve(this.#takeMany(max));
    if (this.#closed) return Promise.reject(closedForGet());
    const w = new Waiter<T>();
    w.n = max;
    return waitIn(this.#getters, w, deadline, 'Channel.getMany', this.#left);
  }

  /** Takes the oldest buffered item and lets waiting putters in. Call only when size > 0. */
  #takeBuffered(): T {
    const item = this.#buffer.shift();
    if (this.#putters.length !== 0) this.#servePutters();
    return item;
  }

  /** Rendezvous: takes the first waiting putter's item, completing its put. */
  #takeFromPutter(): T {
    const w = this.#putters.shift();
    const item = w.list === undefined ? (w.item as T) : w.list[w.from]!;
    this.#unfinished++;
    w.resolve(undefined as never);
    return item;
  }

  /** Takes up to `max` items (buffered first, then from waiting putters). Call only when one is there. */
  #takeMany(max: number): T[] {
    const out: T[] = [];
    while (out.length < max) {
      if (this.#buffer.length !== 0) {
        this.#buffer.shiftMany(max - out.length, out);
        if (this.#putters.length !== 0) this.#servePutters();
      } else if (this.#putters.length !== 0 && this.#capacity === 0) {
        out.push(this.#takeFromPutter());
      } else break;
    }
    return out;
  }

  /** Moves waiting putters' items into the buffer, in order, while their batches fit. */
  #servePutters(): void {
    const buffer = this.#buffer;
    const putters = this.#putters;
    while (putters.length !== 0) {
      const w = putters.first!;
      if (buffer.length + w.n > this.#capacity) return;
      putters.remove(w);
      if (w.list === undefined) buffer.push(w.item as T);
      else for (let k = 0; k < w.n; k++) buffer.push(w.list[w.from + k]!);
      this.#unfinished += w.n;
      w.resolve(undefined as never);
    }
  }

  /** Gives buffered items to waiting getters, in order. */
  #serveGetters(): void {
    const buffer = this.#buffer;
    const getters = this.#getters;
    while (getters.length !== 0 && buffer.length !== 0) {
      const w = getters.shift();
      if (w.n === 0) (w.resolve as (value: T) => void)(buffer.shift());
      else (w.resolve as (value: T[]) => void)(buffer.shiftMany(w.n, []));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Waiting (channel/waiters.ts)

  /** A waiter left `line` without being served: the one behind it may now go ahead. */
  #afterLeave(line: Line<T>): void {
    // A large batch leaving the head of the putters may let smaller ones behind it fit.
    if (line === this.#putters && this.#capacity !== 0) {
      this.#servePutters();
      this.#serveGetters();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Closing

  /**
   * Closes the channel: no more puts (waiting putters fail with QueueClosedError, carrying their
   * items back); getters drain what is buffered, then fail with QueueClosedError. With
   * `{ immediate: true }` the buffered items are discarded (counted done for `join`) and returned.
   * Closing again is allowed; an immediate close after a plain one discards what is left.
   */
  close(options?: CloseOptions): T[] {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`close() options must be an object, got ${describe(options)}`);
    }
    const immediate = options?.immediate;
    if (immediate !== undefined && typeof immediate !== 'boolean') {
      throw new TypeError(`close(): immediate must be a boolean, got ${describe(immediate)}`);
    }
    this.#closed = true;
    while (this.#putters.length !== 0) {
      const w = this.#putters.shift();
      w.reject(w.list === undefined ? closedForPut(w.item) : closedForPutMany(w.list, w.from));
    }
    let discarded: T[] = [];
    if (immediate === true && this.#buffer.length !== 0) {
      discarded = this.#buffer.shiftMany(this.#buffer.length, []);
      this.#finish(discarded.length);
    }
    if (this.#buffer.length === 0) {
      while (this.#getters.length !== 0) this.#getters.shift().reject(closedForGet());
    }
    return discarded;
  }

  // ---------------------------------------------------------------------------------------------
  // Tasks

  /** Marks one item got earlier as processed. Throws TaskDoneError if called too often. */
  taskDone(): void {
    if (this.#unfinished <= 0) throw new TaskDoneError();
    this.#finish(1);
  }

  #finish(n: number): void {
    this.#unfinished -= n;
    if (this.#unfinished === 0) {
      while (this.#joiners.length !== 0) this.#joiners.shift().resolve(undefined as never);
    }
  }

  /** Resolves when every item put has been marked done with `taskDone()`. */
  join(options?: WaitOptions): Promise<void> {
    let deadline: Deadline | undefined;
    try {
      if (options !== undefined) {
        deadline = new Deadline(options);
        deadline.throwIfAborted();
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#unfinished === 0) return RESOLVED;
    return waitIn(this.#joiners, new Waiter<T>(), deadline, 'Channel.join', this.#left);
  }

  // ---------------------------------------------------------------------------------------------
  // Iteration

  /** Gets items until the channel is closed and drained. Breaking out does not close it. */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    const next = (): Promise<IteratorResult<T, undefined>> => {
      if (this.#buffer.length !== 0) return Promise.resolve({ done: false, value: this.#takeBuffered() });
      if (this.#putters.length !== 0) return Promise.resolve({ done: false, value: this.#takeFromPutter() });
      if (this.#closed) return Promise.resolve(DONE);
      return waitIn<T, T>(this.#getters, new Waiter<T>(), undefined, 'Channel.get', this.#left).then(
        toResult,
        endOnClose,
      );
    };
    return { next, return: () => Promise.resolve(DONE) };
  }
}

function toResult<T>(value: T): IteratorYieldResult<T> {
  return { done: false, value };
}

function endOnClose(error: unknown): IteratorReturnResult<undefined> {
  if (error instanceof QueueClosedError) return DONE;
  throw error;
}
