// BoundedBuffer: the seed's bounded buffer in shared memory, for any number of producers and
// consumers in any threads.
//
// Design
// ------
// The seed guards a ring with three semaphores: `empty` (free slots), `full` (filled slots) and
// `mutex`. We keep `empty` and `full` exactly (fair counting semaphores, semaphore-core.ts) and
// replace the one `mutex` by per-slot sequence stamps, so that producers and consumers never
// queue behind each other to touch different slots:
//
//   put:  acquire(empty) → claim position TAIL (CAS) → wait stamp == position (slot free for this
//         lap) → write the item → stamp = position + 1 (publish) → release(full)
//   get:  acquire(full) → claim position HEAD (CAS) → wait stamp == position + 1 (published) →
//         read the item → stamp = position + ONE_LAP (free for the next lap) → release(empty)
//
// The stamp wait almost never waits: `empty`/`full` already promise a free/filled slot somewhere,
// and the stamp only orders two threads that claimed the same slot one lap apart (a consumer still
// reading while the next lap's producer arrives).
//
// A position packs a lap and an index (crossbeam's array channel does the same):
// position = lap * ONE_LAP + index, ONE_LAP the power of two above capacity. Positions wrap at
// 2^32, which ONE_LAP divides, so every comparison is an equality and wrap-around is harmless.
//
// Invariants (lock free):
//   empty.COUNT + full.COUNT + (puts and gets between their acquire and release) === capacity
//   positions in [HEAD, TAIL) are claimed by producers; each is got exactly once, in position order
//   stamp[i] === p        ⇔ slot i is free for the put at position p
//   stamp[i] === p + 1    ⇔ slot i holds the item put at position p, not yet read
//   CLOSED !== 0 ⇒ no put that has not yet passed its in-flight check will write
//   a getter sees "closed and drained" only when CLOSED !== 0, PUTS_IN_FLIGHT === 0 and full.COUNT === 0

import { QueueClosedError, TaskDoneError } from '../errors.js';
import { checkInteger, checkOptions, describe } from '../internal/validate.js';
import { Deadline, NO_DEADLINE, raceAbort, type WaitOptions } from '../sync/deadline.js';
import { CLOSED, initSemaphore, SEMAPHORE_WORDS, SemaphoreCore } from '../sync/semaphore-core.js';
import {
  HEADER_WORDS,
  KIND_BOUNDED_BUFFER,
  openHandle,
  type SharedHandle,
  writeHeader,
} from '../sync/shared-header.js';
import {
  bindCodec,
  CODEC_IDS,
  CODEC_NAMES,
  type Codec,
  type CodecName,
  fixedSlotBytes,
  type SlotCodec,
} from './codec.js';
import type { BlockingQueue, CloseOptions, TryGetResult } from './queue.js';

export const MAX_CAPACITY = 1 << 20;
export const MAX_SLOT_BYTES = 1 << 24;
const DEFAULT_SLOT_BYTES = 512;

// Word offsets. Words written once before sharing: CAPACITY, SLOT_BYTES, CODEC, ONE_LAP.
const CAPACITY = HEADER_WORDS;
const SLOT_BYTES = HEADER_WORDS + 1;
const CODEC = HEADER_WORDS + 2;
const ONE_LAP = HEADER_WORDS + 3;
/** 0 open, 1 closed, 2 closed immediately; only `close` writes it (CAS, only ever upwards). */
const CLOSED_STATE = HEADER_WORDS + 4;
/** Puts past their acquire of `empty` and not yet done; Atomics.add/sub by putters. */
const PUTS_IN_FLIGHT = HEADER_WORDS + 5;
/** Items put and not yet marked done (taskDone); add by putters, CAS by taskDone, sub by close. */
const UNFINISHED = HEADER_WORDS + 6;
/** Threads sleeping on some slot's stamp; add/sub by those threads. */
const STAMP_SLEEPERS = HEADER_WORDS + 7;
// Hot words each get a 64-byte line of their own.
/** Next position to put; claimed by producers with CAS. */
const TAIL = 16;
/** Next position to get; claimed by consumers with CAS. */
const HEAD = 32;
const EMPTY = 48;
const FULL = EMPTY + SEMAPHORE_WORDS;
/** stamp[i] at STAMPS + i; written by the one thread that claimed slot i's current position. */
const STAMPS = FULL + SEMAPHORE_WORDS;

const SPINS = 128;
const IMMEDIATE = 2;

export interface BoundedBufferOptions<T> {
  /** Slots in the ring: an integer from 1 to 1048576. */
  capacity: number;
  /** How items are stored: a built-in codec's name (default 'int32') or `{ encode, decode }`. */
  codec?: CodecName | Codec<T>;
  /** Largest encoded item for the variable-size codecs (default 512 bytes). */
  slotBytes?: number;
}

export interface BoundedBufferHandle extends SharedHandle {
  readonly kind: 'BoundedBuffer';
}

interface Layout {
  capacity: number;
  slotBytes: number;
  codecName: CodecName | 'custom';
  oneLap: number;
  stride: number;
  dataOffset: number;
  bytes: number;
}

function layout(capacity: number, codecName: CodecName | 'custom', slotBytes: number): Layout {
  const fixed = fixedSlotBytes(codecName);
  const stride = fixed ?? (4 + slotBytes + 7) & ~7; // length word + payload, 8-aligned
  const dataOffset = ((STAMPS + capacity) * 4 + 63) & ~63;
  let oneLap = 1;
  while (oneLap <= capacity) oneLap *= 2;
  return {
    capacity,
    slotBytes: fixed ?? slotBytes,
    codecName,
    oneLap,
    stride,
    dataOffset,
    bytes: dataOffset + capacity * stride,
  };
}

/**
 * A bounded FIFO buffer in a SharedArrayBuffer that any number of producers and consumers in any
 * threads use at once: the seed's bounded buffer, with its `empty` and `full` semaphores.
 *
 * Pass `buffer.handle` to a worker (postMessage or workerData) and open it there with
 * `BoundedBuffer.from(handle)`. The `*Sync` calls block the calling thread and are meant for
 * workers; the Promise calls use `Atomics.waitAsync` and suit the main thread.
 */
export class BoundedBuffer<T = number> implements BlockingQueue<T> {
  readonly #i32: Int32Array;
  readonly #layout: Layout;
  readonly #codec: SlotCodec<T>;
  readonly #empty: SemaphoreCore;
  readonly #full: SemaphoreCore;
  static #opening: { i32: Int32Array; layout: Layout } | undefined;

  constructor(options: BoundedBufferOptions<T>) {
    const opening = BoundedBuffer.#opening;
    let i32: Int32Array;
    let shape: Layout;
    let custom: Codec<T> | undefined;
    if (opening !== undefined) {
      ({ i32, layout: shape } = opening);
      custom = options.codec !== undefined && typeof options.codec === 'object' ? options.codec : undefined;
    } else {
      if (options === null || typeof options !== 'object') {
        throw new TypeError(
          `BoundedBuffer options must be an object with a capacity, got ${describe(options)}`,
        );
      }
      const capacity = checkInteger('capacity', options.capacity, 1, MAX_CAPACITY);
      const { name, custom: given } = checkCodec<T>(options.codec);
      custom = given;
      const slotBytes =
        options.slotBytes === undefined
          ? DEFAULT_SLOT_BYTES
          : checkInteger('slotBytes', options.slotBytes, 1, MAX_SLOT_BYTES);
      shape = layout(capacity, name, slotBytes);
      i32 = new Int32Array(new SharedArrayBuffer(shape.bytes));
      // Everything below is written before the memory is shared with any other thread.
      i32[CAPACITY] = capacity;
      i32[SLOT_BYTES] = shape.slotBytes;
      i32[CODEC] = CODEC_IDS[name];
      i32[ONE_LAP] = shape.oneLap;
      initSemaphore(i32, EMPTY, capacity);
      initSemaphore(i32, FULL, 0);
      for (let i = 0; i < capacity; i++) i32[STAMPS + i] = i; // slot i is free for position i
      writeHeader(i32, KIND_BOUNDED_BUFFER);
    }
    this.#i32 = i32;
    this.#layout = shape;
    this.#codec = bindCodec(
      shape.codecName,
      custom,
      i32.buffer as SharedArrayBuffer,
      shape.dataOffset,
      shape.capacity,
      shape.stride,
      shape.slotBytes,
    );
    this.#empty = new SemaphoreCore(i32, EMPTY, () => Atomics.load(i32, CLOSED_STATE) !== 0);
    const full: SemaphoreCore = new SemaphoreCore(i32, FULL, (): boolean => {
      const state = Atomics.load(i32, CLOSED_STATE);
      if (state === IMMEDIATE) return true;
      // Drained only once no put is in flight; read the count after the in-flight word, since a
      // put releases `full` before it leaves the in-flight count.
      return state !== 0 && Atomics.load(i32, PUTS_IN_FLIGHT) === 0 && full.value === 0;
    });
    this.#full = full;
  }

  /**
   * Opens, in this thread, the buffer whose `.handle` was passed here. Built-in codecs travel in
   * the handle; a custom codec must be given again as `options.codec`.
   */
  static from<T = number>(handle: BoundedBufferHandle, options: { codec?: Codec<T> } = {}): BoundedBuffer<T> {
    const i32 = openHandle(handle, KIND_BOUNDED_BUFFER, (STAMPS + 1) * 4);
    const capacity = Atomics.load(i32, CAPACITY);
    const codecName = CODEC_NAMES.find((name) => CODEC_IDS[name] === Atomics.load(i32, CODEC));
    const slotBytes = Atomics.load(i32, SLOT_BYTES);
    if (
      codecName === undefined ||
      !Number.isInteger(capacity) ||
      capacity < 1 ||
      capacity > MAX_CAPACITY ||
      slotBytes < 1 ||
      slotBytes > MAX_SLOT_BYTES
    ) {
      throw new TypeError(
        "BoundedBuffer.from(): the handle's memory is corrupted (bad capacity, codec or slot size)",
      );
    }
    const shape = layout(capacity, codecName, slotBytes);
    if (shape.bytes !== i32.buffer.byteLength || Atomics.load(i32, ONE_LAP) !== shape.oneLap) {
      throw new TypeError("BoundedBuffer.from(): the handle's memory does not match its recorded layout");
    }
    if (codecName === 'custom') {
      const codec = options?.codec;
      if (codec === undefined || typeof codec.encode !== 'function' || typeof codec.decode !== 'function') {
        throw new TypeError(
          'BoundedBuffer.from(): this buffer uses a custom codec; pass it again as { codec: { encode, decode } }',
        );
      }
    } else if (options?.codec !== undefined) {
      throw new TypeError(
        `BoundedBuffer.from(): this buffer uses the built-in codec '${codecName}'; do not pass one`,
      );
    }
    BoundedBuffer.#opening = { i32, layout: shape };
    try {
      return new BoundedBuffer<T>({ capacity, codec: options?.codec });
    } finally {
      BoundedBuffer.#opening = undefined;
    }
  }

  /** Plain data that postMessage and workerData carry; open it with `BoundedBuffer.from`. */
  get handle(): BoundedBufferHandle {
    return { kind: 'BoundedBuffer', memory: this.#i32.buffer as SharedArrayBuffer };
  }

  get capacity(): number {
    return this.#layout.capacity;
  }

  /** The codec's name ('int32', 'json', …, or 'custom'). */
  get codec(): CodecName | 'custom' {
    return this.#layout.codecName;
  }

  /** Items ready to get now (a snapshot: not reliable while others are working). */
  get size(): number {
    return this.#full.value;
  }

  get closed(): boolean {
    return Atomics.load(this.#i32, CLOSED_STATE) !== 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Putting

  tryPut(item: T): boolean {
    const prepared = this.#codec.prepare(item);
    this.#throwIfClosed(item);
    if (this.#empty.tryTakeUpTo(1) === 0) return false;
    if (!this.#commitPut([prepared], 0, 1)) throw closedForPut(item);
    return true;
  }

  putSync(item: T, options?: WaitOptions): void {
    const prepared = this.#codec.prepare(item);
    const deadline = options === undefined ? NO_DEADLINE : new Deadline(options);
    deadline.throwIfAborted();
    this.#throwIfClosed(item);
    if (!this.#empty.tryAcquire(1)) {
      const got = this.#empty.acquireSync(1, false, deadline);
      if (got === 0) throw deadline.timeoutError('BoundedBuffer.putSync');
      if (got === CLOSED) throw closedForPut(item);
    }
    if (!this.#commitPut([prepared], 0, 1)) throw closedForPut(item);
  }

  async put(item: T, options?: WaitOptions): Promise<void> {
    const prepared = this.#codec.prepare(item);
    const deadline = options === undefined ? NO_DEADLINE : new Deadline(options);
    deadline.throwIfAborted();
    this.#throwIfClosed(item);
    if (!this.#empty.tryAcquire(1)) {
      const got = await this.#empty.acquireAsync(1, false, deadline);
      if (got === 0) throw deadline.timeoutError('BoundedBuffer.put');
      if (got === CLOSED) throw closedForPut(item);
    }
    if (!this.#commitPut([prepared], 0, 1)) throw closedForPut(item);
  }

  putManySync(items: Iterable<T>, options?: WaitOptions): void {
    const { list, prepared } = this.#prepareMany(items);
    const deadline = options === undefined ? NO_DEADLINE : new Deadline(options);
    deadline.throwIfAborted();
    const cap = this.#layout.capacity;
    for (let done = 0; done < list.length; ) {
      const n = Math.min(cap, list.length - done);
      if (this.closed) throw closedForPutMany(list, done);
      if (!this.#empty.tryAcquire(n)) {
        const got = this.#empty.acquireSync(n, false, deadline);
        if (got === 0) throw withItems(deadline.timeoutError('BoundedBuffer.putManySync'), list, done);
        if (got === CLOSED) throw closedForPutMany(list, done);
      }
      if (!this.#commitPut(prepared, done, n)) throw closedForPutMany(list, done);
      done += n;
    }
  }

  async putMany(items: Iterable<T>, options?: WaitOptions): Promise<void> {
    const { list, prepared } = this.#prepareMany(items);
    const deadline = options === undefined ? NO_DEADLINE : new Deadline(options);
    deadline.throwIfAborted();
    const cap = this.#layout.capacity;
    for (let done = 0; done < list.length; ) {
      const n = Math.min(cap, list.length - done);
      if (this.closed) throw closedForPutMany(list, done);
      if (!this.#empty.tryAcquire(n)) {
        let got: number;
        try {
          got = await this.#empty.acquireAsync(n, false, deadline);
        } catch (reason) {
          throw withItems(reason, list, done);
        }
        if (got === 0) throw withItems(deadline.timeoutError('BoundedBuffer.putMany'), list, done);
        if (got === CLOSED) throw closedForPutMany(list, done);
      }
      if (!this.#commitPut(prepared, done, n)) throw closedForPutMany(list, done);
      done += n;
    }
  }

  #prepareMany(items: Iterable<T>): { list: T[]; prepared: unknown[] } {
    if (items === null || typeof (items as Iterable<T>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`putMany needs an iterable of items, got ${describe(items)}`);
    }
    const list = Array.from(items);
    // Encode every item before putting any, so a bad item leaves nothing half-done.
    const prepared = list.map((item) => this.#codec.prepare(item));
    return { list, prepared };
  }

  /**
   * Writes prepared[from .. from+n) into n slots whose `empty` permits the caller holds, then
   * releases `full`. Returns false (permits given back, nothing written) if the buffer closed.
   */
  #commitPut(prepared: unknown[], from: number, n: number): boolean {
    const i32 = this.#i32;
    Atomics.add(i32, PUTS_IN_FLIGHT, 1);
    if (Atomics.load(i32, CLOSED_STATE) !== 0) {
      // close() came first: it will not wait for us, and getters must not wait for us either.
      Atomics.sub(i32, PUTS_IN_FLIGHT, 1);
      this.#empty.release(n);
      this.#full.wakeAll();
      return false;
    }
    const { capacity, oneLap } = this.#layout;
    let position = this.#claim(TAIL, n);
    // Count the items as unfinished before any consumer can see them (and call taskDone).
    Atomics.add(i32, UNFINISHED, n);
    for (let k = 0; k < n; k++) {
      const slot = position & (oneLap - 1);
      this.#awaitStamp(slot, position);
      this.#codec.write(slot, prepared[from + k]);
      Atomics.store(i32, STAMPS + slot, (position + 1) | 0); // publish the item in this slot
      this.#wakeStampSleepers(slot);
      position = slot + 1 < capacity ? (position + 1) | 0 : ((position & ~(oneLap - 1)) + oneLap) | 0;
    }
    this.#full.release(n);
    if (Atomics.sub(i32, PUTS_IN_FLIGHT, 1) === 1 && Atomics.load(i32, CLOSED_STATE) !== 0) {
      this.#full.wakeAll(); // the last put in flight after a close: getters may now see "drained"
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Getting

  tryGet(): TryGetResult<T> {
    if (this.#full.tryTakeUpTo(1) === 0) {
      if (this.#full.isClosed()) throw closedForGet();
      return { ok: false };
    }
    return { ok: true, value: this.#commitGet(1, undefined) as T };
  }

  getSync(options?: WaitOptions): T {
    const deadline = options === undefined ? NO_DEADLINE : new Deadline(options);
    deadline.throwIfAborted();
    if (!this.#full.tryAcquire(1)) {
      const got = this.#full.acquireSync(1, false, deadline);
      if (got === 0) throw deadline.timeoutError('BoundedBuffer.getSync');
      if (got === CLOSED) throw closedForGet();
    }
    return this.#commitGet(1, undefined) as T;
  }

  async get(options?: WaitOptions): Promise<T> {
    const deadline = options === undefined ? NO_DEADLINE : new Deadline(options);
    deadline.throwIfAborted();
    if (!this.#full.tryAcquire(1)) {
      const got = await this.#full.acquireAsync(1, false, deadline);
      if (got === 0) throw deadline.timeoutError('BoundedBuffer.get');
      if (got === CLOSED) throw closedForGet();
    }
    return this.#commitGet(1, undefined) as T;
  }

  getManySync(max: number, options?: WaitOptions): T[] {
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    const deadline = options === undefined ? NO_DEADLINE : new Deadline(options);
    deadline.throwIfAborted();
    const cap = Math.min(max, this.#layout.capacity);
    let got = this.#full.tryAcquireUpTo(cap);
    if (got === 0) {
      got = this.#full.acquireSync(cap, true, deadline);
      if (got === 0) throw deadline.timeoutError('BoundedBuffer.getManySync');
      if (got === CLOSED) throw closedForGet();
    }
    return this.#commitGet(got, []) as T[];
  }

  async getMany(max: number, options?: WaitOptions): Promise<T[]> {
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    const deadline = options === undefined ? NO_DEADLINE : new Deadline(options);
    deadline.throwIfAborted();
    const cap = Math.min(max, this.#layout.capacity);
    let got = this.#full.tryAcquireUpTo(cap);
    if (got === 0) {
      got = await this.#full.acquireAsync(cap, true, deadline);
      if (got === 0) throw deadline.timeoutError('BoundedBuffer.getMany');
      if (got === CLOSED) throw closedForGet();
    }
    return this.#commitGet(got, []) as T[];
  }

  /**
   * Reads n items whose `full` permits the caller holds, frees their slots and releases `empty`.
   * Returns the one item when `out` is undefined, else pushes onto `out` and returns it.
   */
  #commitGet(n: number, out: T[] | undefined): T | T[] {
    const i32 = this.#i32;
    const { capacity, oneLap } = this.#layout;
    let position = this.#claim(HEAD, n);
    let item: T | undefined;
    let failure: unknown;
    for (let k = 0; k < n; k++) {
      const slot = position & (oneLap - 1);
      this.#awaitStamp(slot, (position + 1) | 0);
      try {
        item = this.#codec.read(slot);
        out?.push(item);
      } catch (error) {
        failure ??= error; // a codec that throws: the slot is still freed, the error reported
      }
      Atomics.store(i32, STAMPS + slot, (position + oneLap) | 0); // publish: slot free for the next lap
      this.#wakeStampSleepers(slot);
      position = slot + 1 < capacity ? (position + 1) | 0 : ((position & ~(oneLap - 1)) + oneLap) | 0;
    }
    this.#empty.release(n);
    if (failure !== undefined) throw failure;
    return out ?? (item as T);
  }

  // ---------------------------------------------------------------------------------------------
  // Slots

  /** Claims n consecutive positions at TAIL or HEAD; returns the first. */
  #claim(word: number, n: number): number {
    const i32 = this.#i32;
    const { capacity, oneLap } = this.#layout;
    for (;;) {
      const position = Atomics.load(i32, word);
      const index = (position & (oneLap - 1)) + n;
      const next =
        index < capacity ? (position + n) | 0 : ((position & ~(oneLap - 1)) + oneLap + index - capacity) | 0;
      if (Atomics.compareExchange(i32, word, position, next) === position) return position;
    }
  }

  /** Waits until slot's stamp is `expected`: the other side of this slot has finished with it. */
  #awaitStamp(slot: number, expected: number): void {
    const i32 = this.#i32;
    const at = STAMPS + slot;
    if (Atomics.load(i32, at) === expected) return;
    for (let spin = 0; spin < SPINS; spin++) if (Atomics.load(i32, at) === expected) return;
    for (;;) {
      Atomics.add(i32, STAMP_SLEEPERS, 1); // register, then re-check, then sleep
      const seen = Atomics.load(i32, at);
      if (seen !== expected) Atomics.wait(i32, at, seen, 50);
      Atomics.sub(i32, STAMP_SLEEPERS, 1);
      if (seen === expected) return;
    }
  }

  #wakeStampSleepers(slot: number): void {
    if (Atomics.load(this.#i32, STAMP_SLEEPERS) > 0) Atomics.notify(this.#i32, STAMPS + slot);
  }

  // ---------------------------------------------------------------------------------------------
  // Closing

  /**
   * Closes the buffer: no more puts; getters drain what is buffered, then fail with
   * QueueClosedError. With `{ immediate: true }` the buffered items are discarded and returned
   * (and counted done for `join`), and every waiter wakes at once. Closing again is allowed;
   * an immediate close after a plain one discards what is left.
   */
  close(options?: CloseOptions): T[] {
    const { immediate } = checkOptions(options);
    if (immediate !== undefined && typeof immediate !== 'boolean') {
      throw new TypeError(`close(): immediate must be a boolean, got ${describe(immediate)}`);
    }
    const i32 = this.#i32;
    const target = immediate ? IMMEDIATE : 1;
    for (;;) {
      const state = Atomics.load(i32, CLOSED_STATE);
      if (state >= target || Atomics.compareExchange(i32, CLOSED_STATE, state, target) === state) break;
    }
    this.#empty.wakeAll();
    this.#full.wakeAll();
    if (!immediate) return [];
    // Puts that passed their in-flight check before the close finish writing; wait for them so
    // that their items are discarded here, not left behind.
    for (let inFlight = Atomics.load(i32, PUTS_IN_FLIGHT); inFlight !== 0; ) {
      Atomics.wait(i32, PUTS_IN_FLIGHT, inFlight, 1);
      inFlight = Atomics.load(i32, PUTS_IN_FLIGHT);
    }
    const discarded: T[] = [];
    for (
      let n = this.#full.tryTakeUpTo(this.#layout.capacity);
      n > 0;
      n = this.#full.tryTakeUpTo(this.#layout.capacity)
    ) {
      this.#commitGet(n, discarded);
    }
    if (discarded.length > 0) this.#finishTasks(discarded.length);
    return discarded;
  }

  #throwIfClosed(item: T): void {
    if (Atomics.load(this.#i32, CLOSED_STATE) !== 0) throw closedForPut(item);
  }

  // ---------------------------------------------------------------------------------------------
  // Tasks

  taskDone(): void {
    const i32 = this.#i32;
    for (;;) {
      const unfinished = Atomics.load(i32, UNFINISHED);
      if (unfinished <= 0) throw new TaskDoneError();
      if (Atomics.compareExchange(i32, UNFINISHED, unfinished, unfinished - 1) === unfinished) {
        if (unfinished === 1) Atomics.notify(i32, UNFINISHED); // wake join()ers at zero
        return;
      }
    }
  }

  #finishTasks(n: number): void {
    if (Atomics.sub(this.#i32, UNFINISHED, n) === n) Atomics.notify(this.#i32, UNFINISHED);
  }

  /** Items put and not yet marked done (a snapshot). */
  get unfinished(): number {
    return Atomics.load(this.#i32, UNFINISHED);
  }

  joinSync(options?: WaitOptions): void {
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    for (;;) {
      const unfinished = Atomics.load(this.#i32, UNFINISHED);
      if (unfinished === 0) return;
      const remaining = deadline.remaining();
      if (remaining <= 0) throw deadline.timeoutError('BoundedBuffer.joinSync');
      // UNFINISHED itself changes, and reaching zero always notifies: waiting on it is safe.
      Atomics.wait(this.#i32, UNFINISHED, unfinished, remaining);
    }
  }

  async join(options?: WaitOptions): Promise<void> {
    const deadline = new Deadline(options);
    for (;;) {
      deadline.throwIfAborted();
      const unfinished = Atomics.load(this.#i32, UNFINISHED);
      if (unfinished === 0) return;
      const remaining = deadline.remaining();
      if (remaining <= 0) throw deadline.timeoutError('BoundedBuffer.join');
      const waited = Atomics.waitAsync(this.#i32, UNFINISHED, unfinished, remaining);
      if (waited.async && (await raceAbort(waited.value, deadline.signal))) {
        Atomics.notify(this.#i32, UNFINISHED); // settle our own pending wait
        throw deadline.signal!.reason;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
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

function checkCodec<T>(codec: unknown): { name: CodecName | 'custom'; custom: Codec<T> | undefined } {
  if (codec === undefined) return { name: 'int32', custom: undefined };
  if (typeof codec === 'string') {
    if (codec in CODEC_IDS && codec !== 'custom') return { name: codec as CodecName, custom: undefined };
  } else if (
    codec !== null &&
    typeof codec === 'object' &&
    typeof (codec as Codec<T>).encode === 'function' &&
    typeof (codec as Codec<T>).decode === 'function'
  ) {
    return { name: 'custom', custom: codec as Codec<T> };
  }
  throw new TypeError(
    `codec must be 'int32', 'float64', 'string', 'json', 'bytes', 'structured' or { encode, decode }, got ${describe(codec)}`,
  );
}

function closedForPut(item: unknown): QueueClosedError {
  return new QueueClosedError('cannot put: the buffer is closed', { item });
}

function closedForPutMany(list: unknown[], done: number): QueueClosedError {
  return new QueueClosedError(`cannot put: the buffer is closed (${done} of ${list.length} items were put)`, {
    items: list.slice(done),
  });
}

function closedForGet(): QueueClosedError {
  return new QueueClosedError('cannot get: the buffer is closed and drained');
}

/** Attaches the items a putMany did not put to its error (timeout or abort reason). */
function withItems(error: unknown, list: unknown[], done: number): unknown {
  if (error !== null && typeof error === 'object' && Object.isExtensible(error)) {
    Object.defineProperty(error, 'items', { value: list.slice(done), configurable: true, enumerable: false });
  }
  return error;
}
