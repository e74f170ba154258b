// BoundedBuffer: a bounded FIFO buffer in shared memory, for any number of producers and consumers
// in any threads. This file is its public face; the parts live in bounded-buffer/:
//   layout.ts    the words of its memory, and the checks that open a handle
//   ring.ts      claiming positions, publishing and freeing slots (Design, Invariants, Fairness)
//   lane.ts      the same for one producer and one consumer ({ producers: 1, consumers: 1 }),
//                by whole batches; lane-transfer.ts its copies
//   transfer.ts  one attempt to put or get: a claim, the slots' bytes through the codec, the stamps
//   dead-threads.ts  repairing what a dead thread left half-done
//   tasks.ts     taskDone() and join()
//   failures.ts  the errors it throws
// How its calls wait (spinning, then sleeping on a stamp; sync and Promise forms) is
// sync/wait/word.ts; putMany's body is one PutManyBatch for both forms (bounded-buffer/put-many.ts).

import type { Worker } from 'node:worker_threads';
import { QueueClosedError } from '../errors.js';
import { warnMainThreadWait } from '../internal/main-thread.js';
import { checkInteger, checkOptions, describe } from '../internal/validate.js';
import { checkCanBlock } from '../platform/thread.js';
import { IntentsTable } from '../sync/intents.js';
import { checkRecoverable, watchWorker } from '../sync/recovery.js';
import { checkWaitOptions, type Deadline, deadlineOf, type WaitOptions } from '../sync/wait/deadline.js';
import * as outcomes from '../sync/wait/outcomes.js';
import { Attempt, Sleeper } from '../sync/wait/word.js';
import { type RecoveryReport, recover } from './bounded-buffer/dead-threads.js';
import { closedForGet, closedForPut, closedForPutMany } from './bounded-buffer/failures.js';
import { Lane } from './bounded-buffer/lane.js';
import { LaneTransfer, LaneTypedBatch } from './bounded-buffer/lane-transfer.js';
import {
  checkNewOptions,
  createMemory,
  INTENTS_AT,
  type Layout,
  openMemory,
} from './bounded-buffer/layout.js';
import * as putMany from './bounded-buffer/put-many.js';
import { PutManyBatch } from './bounded-buffer/put-many.js';
import * as ring from './bounded-buffer/ring.js';
import { Ring } from './bounded-buffer/ring.js';

import { finishTasks, join, joinSync, taskDone, unfinished } from './bounded-buffer/tasks.js';
import * as transfer from './bounded-buffer/transfer.js';
import { Transfer } from './bounded-buffer/transfer.js';
import { TypedBatch, type TypedItems } from './bounded-buffer/typed-batch.js';
import type {
  BoundedBufferConstructor,
  BoundedBufferHandle,
  BoundedBufferOptions,
  GetManyIntoOptions,
} from './bounded-buffer/types.js';
import { bindCodec, type Codec, type CodecName } from './codec.js';
import type { BlockingQueue, CloseOptions, TryGetResult } from './queue.js';

// Module-local copies of the constants the hot path reads (why: the note atop ring.ts's imports).
const NOT_YET: typeof outcomes.NOT_YET = outcomes.NOT_YET;
const TIMED_OUT: typeof outcomes.TIMED_OUT = outcomes.TIMED_OUT;
const ALL_IN: typeof putMany.ALL_IN = putMany.ALL_IN;
const { CLOSED } = ring;
const DRAINED: typeof transfer.DRAINED = transfer.DRAINED;
const { TRY_PATIENCE } = transfer;

export type { RecoveryReport } from './bounded-buffer/dead-threads.js';
export { MAX_CAPACITY, MAX_SLOT_BYTES } from './bounded-buffer/layout.js';
export type {
  BoundedBufferConstructor,
  BoundedBufferHandle,
  BoundedBufferOptions,
  GetManyIntoOptions,
  JsonValue,
} from './bounded-buffer/types.js';

/**
 * A bounded FIFO buffer in a SharedArrayBuffer that any number of producers and consumers in any
 * threads use at once: the producer–consumer problem's bounded buffer, without a lock (see
 * bounded-buffer/ring.ts for how, and for its fairness rule: a waiting batch has no place in line).
 *
 * Pass `buffer.handle` to a worker (postMessage or workerData) and open it there with
 * `BoundedBuffer.from(handle)`. The `*Sync` calls block the calling thread and are meant for
 * workers; the Promise calls use `Atomics.waitAsync` and suit the main thread. A `*Sync` call
 * that must wait with no timeout on the main thread prints a one-time warning (it freezes the
 * process until another thread answers).
 */
class BoundedBuffer<T = number> implements BlockingQueue<T> {
  readonly #memory: SharedArrayBuffer;
  readonly #layout: Layout;
  readonly #ring: Ring;
  readonly #io: Transfer<T>;
  readonly #sleeper: Sleeper;
  /** Typed batches (putMany of a typed array, getMany into one); only for the fixed-size codecs. */
  readonly #typed: TypedBatch | undefined;
  static #opening: { i32: Int32Array; layout: Layout } | undefined;

  constructor(options: BoundedBufferOptions<T>) {
    const opening = BoundedBuffer.#opening;
    let i32: Int32Array;
    let layout: Layout;
    let custom: Codec<T> | undefined;
    if (opening !== undefined) {
      ({ i32, layout } = opening);
      custom = typeof options.codec === 'object' ? options.codec : undefined;
    } else {
      ({ layout, custom } = checkNewOptions<T>(options));
      i32 = createMemory(layout);
    }
    this.#memory = i32.buffer as SharedArrayBuffer;
    this.#layout = layout;
    const intents = new IntentsTable(i32, INTENTS_AT, 'BoundedBuffer');
    const lane = layout.lane ? new Lane(i32, layout, intents) : undefined;
    this.#ring = lane ?? new Ring(i32, layout, intents);
    const codec = bindCodec(
      layout.codecName,
      custom,
      this.#memory,
      layout.dataOffset,
      layout.capacity,
      layout.stride,
      layout.slotBytes,
    );
    if (lane !== undefined) {
      this.#io = new LaneTransfer(lane, codec);
      this.#typed = codec.view !== undefined ? new LaneTypedBatch(lane, codec.view) : undefined;
    } else {
      this.#io = new Transfer(this.#ring, codec);
      this.#typed = codec.view !== undefined ? new TypedBatch(this.#ring, codec.view) : undefined;
    }
    this.#sleeper = new Sleeper(i32);
  }

  /**
   * Opens, in this thread, the buffer whose `.handle` was passed here. Built-in codecs travel in
   * the handle; a custom codec must be given again as `options.codec`.
   */
  static from<T = number>(handle: BoundedBufferHandle, options: { codec?: Codec<T> } = {}): BoundedBuffer<T> {
    const codec = options?.codec;
    BoundedBuffer.#opening = openMemory(handle, codec);
    try {
      return new BoundedBuffer<T>({ capacity: 1, codec });
    } finally {
      BoundedBuffer.#opening = undefined;
    }
  }

  /** Plain data that postMessage and workerData carry; open it with `BoundedBuffer.from`. */
  get handle(): BoundedBufferHandle {
    return { kind: 'BoundedBuffer', memory: this.#memory };
  }

  get capacity(): number {
    return this.#layout.capacity;
  }

  /** The codec's name ('int32', 'json', …, or 'custom'). */
  get codec(): CodecName | 'custom' {
    return this.#layout.codecName;
  }

  /** Items put (or being put) and not yet got: a snapshot, not reliable while others work. */
  get size(): number {
    return this.#ring.size();
  }

  get closed(): boolean {
    return this.#ring.closed();
  }

  // Putting: each call is one attempt (Transfer), retried by the Sleeper while the buffer is full.

  tryPut(item: T): boolean {
    const prepared = this.#io.prepare(item);
    const result = this.#io.putOne(prepared, TRY_PATIENCE, undefined);
    if (result === CLOSED) throw closedForPut(item);
    return result !== NOT_YET;
  }

  putSync(item: T, options?: WaitOptions): void {
    checkCanBlock('BoundedBuffer.putSync');
    const prepared = this.#io.prepare(item);
    checkWaitOptions(options);
    let result: number | typeof NOT_YET | typeof TIMED_OUT = this.#io.putOne(prepared, 0, undefined);
    if (result === NOT_YET) {
      warnMainThreadWait('BoundedBuffer.putSync()', options?.timeout);
      const deadline = deadlineOf(options);
      result = this.#sleeper.waitSync((attempt) => this.#io.putOne(prepared, 0, attempt), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.putSync');
    }
    if (result === CLOSED) throw closedForPut(item);
  }

  async put(item: T, options?: WaitOptions): Promise<void> {
    const prepared = this.#io.prepare(item);
    checkWaitOptions(options);
    let result: number | typeof NOT_YET | typeof TIMED_OUT = this.#io.putOne(prepared, 0, undefined);
    if (result === NOT_YET) {
      const deadline = deadlineOf(options);
      result = await this.#sleeper.waitAsync((attempt) => this.#io.putOne(prepared, 0, attempt), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.put');
    }
    if (result === CLOSED) throw closedForPut(item);
  }

  putManySync(items: Iterable<T>, options?: WaitOptions): void {
    checkCanBlock('BoundedBuffer.putManySync');
    const batch = this.#startPutMany(items);
    checkWaitOptions(options);
    let deadline: Deadline | undefined;
    for (let result: number | symbol = batch.advance(); result !== ALL_IN; result = batch.advance()) {
      if (result === NOT_YET) {
        deadline ??= deadlineOf(options);
        result = this.#sleeper.waitSync(batch.retry, deadline);
        if (result === TIMED_OUT) throw batch.failed(deadline.timeoutError('BoundedBuffer.putManySync'));
      }
      if (result === CLOSED) throw closedForPutMany(batch.list, batch.done);
    }
  }

  async putMany(items: Iterable<T>, options?: WaitOptions): Promise<void> {
    const batch = this.#startPutMany(items);
    checkWaitOptions(options);
    let deadline: Deadline | undefined;
    for (let result: number | symbol = batch.advance(); result !== ALL_IN; result = batch.advance()) {
      if (result === NOT_YET) {
        deadline ??= deadlineOf(options);
        result = await this.#sleeper.waitAsync(batch.retry, deadline).catch(batch.failed);
        if (result === TIMED_OUT) throw batch.failed(deadline.timeoutError('BoundedBuffer.putMany'));
      }
      if (result === CLOSED) throw closedForPutMany(batch.list, batch.done);
    }
  }

  /**
   * putMany's body for both forms (put-many.ts), checking its items at once: a typed array of the
   * codec's element type is copied in whole by TypedArray.set (typed-batch.ts), never checked one
   * by one, and a failure's `items` is a typed array of what was not put; anything else is encoded
   * item by item before any is put.
   */
  #startPutMany(items: Iterable<T>): PutManyBatch<unknown> {
    const capacity = this.#layout.capacity;
    if (this.#typed?.accepts(items)) {
      return new PutManyBatch(this.#typed, items, items as unknown as unknown[], capacity); // slice() works alike
    }
    const { list, prepared } = this.#io.prepareMany(items);
    return new PutManyBatch(this.#io, prepared, list, capacity);
  }

  // Getting

  tryGet(): TryGetResult<T> {
    const taken = this.#io.getOne(TRY_PATIENCE, undefined);
    if (taken === NOT_YET) return { ok: false };
    if (taken === DRAINED) throw closedForGet();
    return { ok: true, value: this.#io.decode(taken) };
  }

  getSync(options?: WaitOptions): T {
    checkCanBlock('BoundedBuffer.getSync');
    checkWaitOptions(options);
    let taken = this.#io.getOne(0, undefined);
    if (taken === NOT_YET) {
      warnMainThreadWait('BoundedBuffer.getSync()', options?.timeout);
      const deadline = deadlineOf(options);
      taken = this.#sleeper.waitSync((attempt) => this.#io.getOne(0, attempt), deadline);
      if (taken === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getSync');
    }
    if (taken === DRAINED) throw closedForGet();
    return this.#io.decode(taken);
  }

  async get(options?: WaitOptions): Promise<T> {
    checkWaitOptions(options);
    let taken = this.#io.getOne(0, undefined);
    if (taken === NOT_YET) {
      const deadline = deadlineOf(options);
      taken = await this.#sleeper.waitAsync((attempt) => this.#io.getOne(0, attempt), deadline);
      if (taken === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.get');
    }
    if (taken === DRAINED) throw closedForGet();
    return this.#io.decode(taken);
  }

  /** Fills `options.into` (a typed array of the codec's element type) from index 0: the count. */
  getManySync(max: number, options: GetManyIntoOptions): number;
  getManySync(max: number, options?: WaitOptions): T[];
  getManySync(max: number, options?: WaitOptions & { into?: TypedItems }): T[] | number {
    checkCanBlock('BoundedBuffer.getManySync');
    if (options?.into !== undefined) {
      const { typed, into, limit } = this.#intoArguments(max, options as GetManyIntoOptions);
      let got = typed.get(into, 0, limit, new Attempt());
      if (got === NOT_YET) {
        const deadline = deadlineOf(options);
        const result = this.#sleeper.waitSync((attempt) => typed.get(into, 0, limit, attempt), deadline);
        if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getManySync');
        got = result as number | typeof DRAINED;
      }
      if (got === DRAINED) throw closedForGet();
      return got;
    }
    const { limit, out } = this.#getManyArguments(max, options);
    let taken: unknown[] | typeof DRAINED | typeof NOT_YET | typeof TIMED_OUT = this.#io.getMany(
      limit,
      out,
      new Attempt(),
    );
    if (taken === NOT_YET) {
      warnMainThreadWait('BoundedBuffer.getManySync()', options?.timeout);
      const deadline = deadlineOf(options);
      taken = this.#sleeper.waitSync((attempt) => this.#io.getMany(limit, out, attempt), deadline);
      if (taken === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getManySync');
    }
    if (taken === DRAINED) throw closedForGet();
    return this.#io.decodeAll(taken, out);
  }

  /** Fills `options.into` (a typed array of the codec's element type) from index 0: the count. */
  getMany(max: number, options: GetManyIntoOptions): Promise<number>;
  getMany(max: number, options?: WaitOptions): Promise<T[]>;
  async getMany(max: number, options?: WaitOptions & { into?: TypedItems }): Promise<T[] | number> {
    if (options?.into !== undefined) {
      const { typed, into, limit } = this.#intoArguments(max, options as GetManyIntoOptions);
      let got = typed.get(into, 0, limit, new Attempt());
      if (got === NOT_YET) {
        const deadline = deadlineOf(options);
        const result = await this.#sleeper.waitAsync(
          (attempt) => typed.get(into, 0, limit, attempt),
          deadline,
        );
        if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getMany');
        got = result as number | typeof DRAINED;
      }
      if (got === DRAINED) throw closedForGet();
      return got;
    }
    const { limit, out } = this.#getManyArguments(max, options);
    let taken: unknown[] | typeof DRAINED | typeof NOT_YET | typeof TIMED_OUT = this.#io.getMany(
      limit,
      out,
      new Attempt(),
    );
    if (taken === NOT_YET) {
      const deadline = deadlineOf(options);
      taken = await this.#sleeper.waitAsync((attempt) => this.#io.getMany(limit, out, attempt), deadline);
      if (taken === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getMany');
    }
    if (taken === DRAINED) throw closedForGet();
    return this.#io.decodeAll(taken, out);
  }

  #intoArguments(
    max: number,
    options: GetManyIntoOptions,
  ): { typed: TypedBatch; into: TypedItems; limit: number } {
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    checkWaitOptions(options);
    const { into } = options;
    const typed = this.#typed;
    if (typed === undefined || !typed.accepts(into)) {
      const want = this.#layout.codecName === 'float64' ? 'a Float64Array' : 'an Int32Array';
      throw new TypeError(
        typed === undefined
          ? `getMany({ into }) needs a buffer with codec 'int32' or 'float64'; this one's is '${this.#layout.codecName}'`
          : `getMany({ into }) needs ${want} for codec '${this.#layout.codecName}', got ${describe(into)}`,
      );
    }
    if (into.length === 0) throw new RangeError('getMany({ into }): into has no room (length 0)');
    return { typed, into, limit: Math.min(max, into.length, this.#layout.capacity) };
  }

  #getManyArguments(max: number, options: WaitOptions | undefined): { limit: number; out: T[] } {
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    checkWaitOptions(options);
    return { limit: Math.min(max, this.#layout.capacity), out: [] };
  }

  // Closing

  /**
   * Closes the buffer: no more puts; getters drain what is buffered, then fail with
   * QueueClosedError. With `{ immediate: true }` the buffered items are discarded and returned
   * (and counted done for `join`), and every waiter wakes at once. Closing again is allowed;
   * an immediate close after a plain one discards what is left. On a lane the discarding goes
   * through the consumer side: from a view that holds it or while it is free; if another view
   * holds it, nothing is discarded (that consumer drains the items) and [] is returned.
   */
  close(options?: CloseOptions): T[] {
    const { immediate } = checkOptions(options);
    if (immediate !== undefined && typeof immediate !== 'boolean') {
      throw new TypeError(`close(): immediate must be a boolean, got ${describe(immediate)}`);
    }
    this.#ring.close();
    this.#ring.wakeAllSleepers();
    if (!immediate) return [];
    const discarded = this.#io.discardAll();
    if (discarded.length > 0) finishTasks(this.#ring, discarded.length);
    return discarded;
  }

  // Dead threads (see bounded-buffer/dead-threads.ts)

  /**
   * Repairs what thread `threadId` left half-done when it died (worker.terminate(), an uncaught
   * error, running out of memory): call it once that thread has exited, from any thread, or let
   * `watch(worker)` call it. A put it had claimed room for but not published is dropped whole (its
   * producer never saw it succeed, and no getter sees any of it); a put it had published stays;
   * items its get had claimed but not taken out are removed and handed back in `returned`. Nobody
   * stays blocked on it afterwards. Calling it for a thread that is still running breaks the buffer.
   * On a lane it frees the side(s) that thread held, for another view to take over; the report is
   * all zeros there, since a lane's batch is published (or freed) whole or not at all.
   */
  recover(threadId: number): RecoveryReport<T> {
    checkRecoverable(threadId);
    if (this.#ring instanceof Lane) return this.#ring.recover(threadId);
    return recover(this.#ring, this.#io, threadId);
  }

  /**
   * Recovers `worker`'s thread when it exits (its 'exit' event), and passes the report to
   * `onRecovered`. A worker that exits cleanly leaves nothing to repair and frees its entry.
   */
  watch(worker: Worker, onRecovered?: (report: RecoveryReport<T>) => void): void {
    watchWorker(worker, onRecovered, (id) => this.recover(id));
  }

  // Tasks (see bounded-buffer/tasks.ts)

  /** Items put and not yet marked done with taskDone() (a snapshot). */
  get unfinished(): number {
    return unfinished(this.#ring);
  }

  taskDone(): void {
    taskDone(this.#ring);
  }

  joinSync(options?: WaitOptions): void {
    checkCanBlock('BoundedBuffer.joinSync');
    joinSync(this.#ring, options);
  }

  async join(options?: WaitOptions): Promise<void> {
    await join(this.#ring, options);
  }

  // Iteration

  /** Gets items until the buffer is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
      yield item;
    }
  }

  /** Blocking iteration for workers: gets items with getSync until closed and drained. */
  *[Symbol.iterator](): Iterator<T> {
    for (;;) {
      let item: T;
      try {
        item = this.getSync();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
      yield item;
    }
  }
}

// The class, typed by its codec (see BoundedBufferConstructor); its name stays BoundedBuffer.
const TypedBoundedBuffer = BoundedBuffer as unknown as BoundedBufferConstructor;
type TypedBoundedBuffer<T = number> = BoundedBuffer<T>;

export { TypedBoundedBuffer as BoundedBuffer };
