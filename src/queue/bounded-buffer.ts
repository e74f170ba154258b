// BoundedBuffer: the seed's bounded buffer in shared memory, for any number of producers and
// consumers in any threads.
//
// Design
// ------
// The seed guards a ring with three semaphores: `empty` (free slots), `full` (filled slots) and
// one `mutex` around the ring. Two counters and a lock are shared by every thread, so every put
// and get would bounce the same three cache lines between cores. We keep the seed's semaphores
// but shard them: every slot carries its own stamp, a one-slot semaphore that says "free for the
// put at position p" (`empty` for this slot) or "holds the item of position p" (`full` for this
// slot). The mutex is replaced by claiming positions with a compare-and-swap (the bounded MPMC
// queue of Dmitry Vyukov, as in crossbeam's array channel):
//
//   put:  p = TAIL; stamp[p] === p (free)?        → CAS TAIL p→p+1 (claim) → write → stamp = p + 1 (publish)
//   get:  h = HEAD; stamp[h] === h + 1 (filled)?  → CAS HEAD h→h+1 (claim) → read  → stamp = h + ONE_LAP (free)
//
// A put finding its slot still filled from the last lap sees the buffer full; a get finding its
// slot not yet filled sees it empty. Either sleeps on that very stamp, futex style: it sets the
// stamp's WAITING bit (CAS from the value it saw), re-checks, then `Atomics.wait`s on the marked
// value. Whoever changes a stamp does so with `Atomics.exchange`, and notifies only when the old
// value carried the bit, so the common path never pays for a notify. Batches claim several
// consecutive positions in one CAS, after checking each of their stamps.
//
// A position packs a lap and an index: position = lap * ONE_LAP + index, with ONE_LAP the power
// of two above capacity. Positions live in 31 bits and wrap at 2^31, which ONE_LAP divides, so
// every test is an equality and wrap-around is harmless. Bit 31 of TAIL is the CLOSED mark; bit
// 31 of a stamp is its WAITING bit.
//
// Invariants (lock free):
//   HEAD <= TAIL <= HEAD + capacity                    (in sequence order)
//   positions in [HEAD, TAIL) are claimed by puts; each is got exactly once, in position order
//   stamp[i] === p           ⇔ slot i is free for the put at position p      (ignoring WAITING)
//   stamp[i] === p + 1       ⇔ slot i holds the item put at position p, not yet claimed or read
//   WAITING set on stamp[i]  ⇐ some thread sleeps (or is about to) on stamp[i]
//   TAIL has the CLOSED mark ⇒ no put claims a position any more (claims CAS against the mark)
//   a get reports "closed and drained" only when TAIL is marked and HEAD === TAIL without the mark
//   unfinished (taskDone/join) === puts claimed − DONE, counted modulo the positions' period
// Memory: writing an item happens-before the store that publishes its stamp, which happens-before
// the get that reads that stamp and then the item (all stamp accesses are Atomics).

import { BufferCorruptedError, QueueClosedError, TaskDoneError } from '../errors.js';
import { checkInteger, checkOptions, describe } from '../internal/validate.js';
import { checkWaitOptions, Deadline, NO_DEADLINE, raceAbort, type WaitOptions } from '../sync/deadline.js';
import { NOT_YET, TIMED_OUT } from '../sync/event-count.js';
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

// Word offsets. Written once, before the memory is shared: CAPACITY, SLOT_BYTES, CODEC, ONE_LAP.
const CAPACITY = HEADER_WORDS;
const SLOT_BYTES = HEADER_WORDS + 1;
const CODEC = HEADER_WORDS + 2;
const ONE_LAP = HEADER_WORDS + 3;
// Hot words each get a 64-byte line of their own.
/** Next position to put, plus the CLOSED mark in bit 31; claimed by puts (CAS), marked by close (or). */
const TAIL = 16;
/** Next position to get; claimed by gets (CAS). */
const HEAD = 32;
/** taskDone() calls (and items discarded by close) so far, modulo the period; CAS by both. */
const DONE = 48;
/**
 * stamp[i] at STAMPS + i. Its position bits are written (exchange) only by the thread that
 * claimed slot i's current position; its WAITING bit is set (CAS) by sleepers and cleared by the
 * next exchange, or by close.
 */
const STAMPS = 64;

const CLOSED_MARK = 1 << 31;
const WAITING = 1 << 31;
const POSITION_MASK = 0x7fffffff;
/** tryClaim results besides a position (positions are never negative). */
const NONE = -1;
const CLOSED = -2;
/** #register's answer when the stamp changed under it: check again. */
const RETRY: unique symbol = Symbol('retry');
/**
 * Checks a blocking call makes before it sleeps, at first and at least. The budget adapts per
 * thread (see #waitSync): on a busy machine spinning steals the time of the thread it waits for.
 */
const SPINS = 20;
/** The most checks before sleeping: a few tens of microseconds. */
const MAX_SPINS = 2000;

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
  // Copies of layout numbers, read on every call.
  readonly #capacity: number;
  readonly #oneLap: number;
  /** Positions in one period of 2^31: laps × capacity. Sequence numbers count modulo it. */
  readonly #period: number;
  // Thread-local scratch, read right after the call that sets it (no await in between).
  /** TAIL and HEAD as this thread last saw them: the first CAS tries them without a load. */
  #tailGuess = 0;
  #headGuess = 0;
  /** Slots the last successful #claimGet took. */
  #claimed = 0;
  /** Where the last failed claim would sleep: a stamp's index and the value seen there. */
  #blockAt = 0;
  #blockSeen = 0;
  /** Checks the next blocking call makes before it sleeps (adapted, per thread). */
  #spinBudget = SPINS;
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
      for (let i = 0; i < capacity; i++) i32[STAMPS + i] = i; // slot i is free for position i
      writeHeader(i32, KIND_BOUNDED_BUFFER);
    }
    this.#i32 = i32;
    this.#layout = shape;
    this.#capacity = shape.capacity;
    this.#oneLap = shape.oneLap;
    this.#codec = bindCodec(
      shape.codecName,
      custom,
      i32.buffer as SharedArrayBuffer,
      shape.dataOffset,
      shape.capacity,
      shape.stride,
      shape.slotBytes,
    );
    this.#period = ((POSITION_MASK + 1) / shape.oneLap) * shape.capacity;
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
    const codec = options?.codec;
    if (codecName === 'custom') {
      if (codec === null || typeof codec?.encode !== 'function' || typeof codec.decode !== 'function') {
        throw new TypeError(
          'BoundedBuffer.from(): this buffer uses a custom codec; pass it again as { codec: { encode, decode } }',
        );
      }
    } else if (codec !== undefined) {
      throw new TypeError(
        `BoundedBuffer.from(): this buffer uses the built-in codec '${codecName}'; do not pass one`,
      );
    }
    BoundedBuffer.#opening = { i32, layout: shape };
    try {
      return new BoundedBuffer<T>({ capacity, codec });
    } finally {
      BoundedBuffer.#opening = undefined;
    }
  }

  /** Plain data that postMessage and workerData carry; open it with `BoundedBuffer.from`. */
  get handle(): BoundedBufferHandle {
    return { kind: 'BoundedBuffer', memory: this.#i32.buffer as SharedArrayBuffer };
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The codec's name ('int32', 'json', …, or 'custom'). */
  get codec(): CodecName | 'custom' {
    return this.#layout.codecName;
  }

  /** Items put (or being put) and not yet got: a snapshot, not reliable while others work. */
  get size(): number {
    // HEAD first: TAIL read later is at or past it, so the distance never goes negative (it would
    // wrap to about 2^30); gets and puts between the two loads can only make it too large.
    const head = Atomics.load(this.#i32, HEAD);
    const tail = Atomics.load(this.#i32, TAIL) & POSITION_MASK;
    return Math.min(this.#distance(this.#sequence(head), this.#sequence(tail)), this.#capacity);
  }

  /** Items put before `position`, modulo the period. */
  #sequence(position: number): number {
    return Math.floor(position / this.#oneLap) * this.#capacity + (position & (this.#oneLap - 1));
  }

  /** How far sequence number `to` is past `from`, modulo the period. */
  #distance(from: number, to: number): number {
    const period = this.#period;
    return (((to - from) % period) + period) % period;
  }

  get closed(): boolean {
    return (Atomics.load(this.#i32, TAIL) & CLOSED_MARK) !== 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Positions

  /** The position n after `position` (n <= capacity). */
  #advance(position: number, n: number): number {
    const oneLap = this.#oneLap;
    const index = (position & (oneLap - 1)) + n;
    if (index < this.#capacity) return position + n;
    return ((position & ~(oneLap - 1)) + oneLap + index - this.#capacity) & POSITION_MASK;
  }

  /**
   * Claims n consecutive free slots at TAIL: returns the first position, CLOSED, or NONE when they
   * are not all free (the buffer is too full; #blockAt/#blockSeen say where to sleep).
   *
   * A slot still holding last lap's item is "full" only if no get has claimed that item yet; if
   * one has, the get is in the middle of reading it, and we wait for it to free the slot (as a
   * lock-based queue would wait for the lock): so `tryPut` reports full only when it is.
   */
  #claimPut(n: number): number {
    const i32 = this.#i32;
    const mask = this.#oneLap - 1;
    let tail = this.#tailGuess;
    for (;;) {
      if ((tail & CLOSED_MARK) !== 0) return CLOSED;
      let position = tail;
      let k = 0;
      for (; k < n; k++) {
        const at = STAMPS + (position & mask);
        const stamp = Atomics.load(i32, at);
        const value = stamp & POSITION_MASK;
        if (value === position) {
          position = this.#advance(position, 1);
          continue;
        }
        if (tail !== Atomics.load(i32, TAIL)) break; // TAIL moved on (or our guess was stale): look again
        // Legal here: last lap's item (filled, or still being written by a slow put).
        const lastLap = (position - this.#oneLap) & POSITION_MASK;
        const filled = value === ((lastLap + 1) & POSITION_MASK);
        if (!filled && value !== lastLap) throw corrupted(`slot ${position & mask}`, stamp);
        if (filled && this.#claimedByGet(lastLap)) {
          this.#awaitChange(at, stamp); // a get is reading last lap's item: it frees the slot soon
          break;
        }
        this.#blockAt = at;
        this.#blockSeen = stamp;
        return NONE;
      }
      if (k < n) {
        tail = Atomics.load(i32, TAIL);
        this.#checkPosition(tail & POSITION_MASK, 'TAIL', tail);
        continue;
      }
      const seen = Atomics.compareExchange(i32, TAIL, tail, position);
      if (seen === tail) {
        this.#tailGuess = position;
        return tail;
      }
      tail = seen;
    }
  }

  /**
   * Claims up to `max` consecutive filled slots at HEAD: returns the first position (and sets
   * #claimed), or NONE when the first is not filled (#blockAt/#blockSeen say where to sleep).
   *
   * A slot at HEAD that a put has claimed but not yet filled is not "empty": the put is in the
   * middle of writing, and we wait for it to publish, so `tryGet` reports empty only when it is.
   */
  #claimGet(max: number): number {
    const i32 = this.#i32;
    const mask = this.#oneLap - 1;
    let head = this.#headGuess;
    for (;;) {
      let position = head;
      let n = 0;
      let stamp = 0;
      while (n < max) {
        stamp = Atomics.load(i32, STAMPS + (position & mask));
        if ((stamp & POSITION_MASK) !== position + 1) break;
        n++;
        position = this.#advance(position, 1);
      }
      if (n > 0) {
        const seen = Atomics.compareExchange(i32, HEAD, head, position);
        if (seen === head) {
          this.#headGuess = position;
          this.#claimed = n;
          return head;
        }
        head = seen;
        continue;
      }
      if (head !== Atomics.load(i32, HEAD)) {
        head = Atomics.load(i32, HEAD); // moved on (or our guess was stale): look again
        this.#checkPosition(head, 'HEAD', head);
        continue;
      }
      const at = STAMPS + (head & mask);
      const value = stamp & POSITION_MASK;
      // Free for the put at `head`, or last lap's item still being read by a get: empty either way.
      if (value !== head && value !== ((head - mask) & POSITION_MASK))
        throw corrupted(`slot ${head & mask}`, stamp);
      if (value === head && (Atomics.load(i32, TAIL) & POSITION_MASK) !== head) {
        this.#awaitChange(at, stamp); // a put has claimed this slot and is writing it
        continue;
      }
      this.#blockAt = at;
      this.#blockSeen = stamp;
      return NONE;
    }
  }

  /** Whether a get has claimed the item put at `position` (HEAD has passed it). */
  #claimedByGet(position: number): boolean {
    const head = Atomics.load(this.#i32, HEAD);
    const passed = this.#distance(this.#sequence(position), this.#sequence(head));
    return passed > 0 && passed <= this.#capacity;
  }

  /** Throws if a position read from shared memory is not one this buffer can have. */
  #checkPosition(position: number, word: string, raw: number): void {
    if ((position & (this.#oneLap - 1)) >= this.#capacity) throw corrupted(word, raw);
  }

  /**
   * Waits until stamp word `at` no longer holds `seen`: another thread is in the middle of an
   * operation on that slot. It spins a little, then sleeps on the stamp like any waiter.
   */
  #awaitChange(at: number, seen: number): void {
    const i32 = this.#i32;
    for (let spin = 0; spin < SPINS; spin++) if (Atomics.load(i32, at) !== seen) return;
    for (;;) {
      const marked = seen | WAITING;
      if (marked !== seen && Atomics.compareExchange(i32, at, seen, marked) !== seen) return;
      Atomics.wait(i32, at, marked, 10);
      if (Atomics.load(i32, at) !== marked) return;
      seen = marked;
    }
  }

  /** Sets a stamp to `value` and wakes its sleepers, if the old value says there are any. */
  #setStamp(at: number, value: number): void {
    if ((Atomics.exchange(this.#i32, at, value) & WAITING) !== 0) Atomics.notify(this.#i32, at);
  }

  /**
   * Blocks the calling thread until `check` succeeds (a position or CLOSED), or the deadline
   * passes (TIMED_OUT). `check` leaves #blockAt/#blockSeen set when it fails.
   */
  #waitSync(check: () => number | typeof NOT_YET, deadline: Deadline): number | typeof TIMED_OUT {
    const i32 = this.#i32;
    const budget = this.#spinBudget;
    for (let spins = 0; ; spins++) {
      const result = check();
      if (result !== NOT_YET) {
        // Adaptive spinning: a wait that ended while spinning earns the next one a longer spin.
        if (spins > 0 && spins <= budget) this.#spinBudget = Math.min(MAX_SPINS, budget * 2);
        return result;
      }
      if (spins < budget) continue;
      if (spins === budget) this.#spinBudget = Math.max(SPINS, budget >> 1); // spinning did not pay
      const remaining = deadline.remaining();
      if (remaining <= 0) return TIMED_OUT;
      const registered = this.#register(check);
      if (registered === RETRY) continue;
      if (registered !== NOT_YET) return registered;
      Atomics.wait(i32, this.#blockAt, this.#blockSeen, remaining);
    }
  }

  /**
   * Registers as a sleeper on the stamp where the last check failed (sets its WAITING bit with a
   * CAS from the value seen), then re-checks, since a close or a change may have come first.
   * Returns the check's result if it now succeeds, NOT_YET to sleep on #blockAt/#blockSeen (now
   * the marked value), or RETRY when the stamp changed under us.
   */
  #register(check: () => number | typeof NOT_YET): number | typeof NOT_YET | typeof RETRY {
    const at = this.#blockAt;
    const seen = this.#blockSeen;
    const marked = seen | WAITING;
    if (marked !== seen && Atomics.compareExchange(this.#i32, at, seen, marked) !== seen) return RETRY;
    const again = check();
    if (again !== NOT_YET) return again;
    return this.#blockAt === at && this.#blockSeen === marked ? NOT_YET : RETRY;
  }

  /** The async form of #waitSync (Atomics.waitAsync); rejects with `signal.reason` on abort. */
  async #waitAsync(
    check: () => number | typeof NOT_YET,
    deadline: Deadline,
  ): Promise<number | typeof TIMED_OUT> {
    const i32 = this.#i32;
    for (;;) {
      if (deadline.signal?.aborted) throw deadline.signal.reason;
      const result = check();
      if (result !== NOT_YET) return result;
      const remaining = deadline.remaining();
      if (remaining <= 0) return TIMED_OUT;
      const registered = this.#register(check);
      if (registered === RETRY) continue;
      if (registered !== NOT_YET) return registered;
      const at = this.#blockAt;
      const waited = Atomics.waitAsync(i32, at, this.#blockSeen, remaining);
      if (waited.async && (await raceAbort(waited.value, deadline.signal))) {
        Atomics.notify(i32, at); // settle our own pending wait; any other sleeper just re-checks
        throw deadline.signal!.reason;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Putting

  tryPut(item: T): boolean {
    const prepared = this.#codec.prepare(item);
    const position = this.#claimPut(1);
    if (position === NONE) return false;
    if (position === CLOSED) throw closedForPut(item);
    this.#publishOne(position, prepared);
    return true;
  }

  putSync(item: T, options?: WaitOptions): void {
    const prepared = this.#codec.prepare(item);
    checkWaitOptions(options);
    let position = this.#claimPut(1);
    if (position === NONE) {
      const deadline = deadlineOf(options);
      const result = this.#waitSync(() => this.#checkPut(1), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.putSync');
      position = result;
    }
    if (position === CLOSED) throw closedForPut(item);
    this.#publishOne(position, prepared);
  }

  async put(item: T, options?: WaitOptions): Promise<void> {
    const prepared = this.#codec.prepare(item);
    checkWaitOptions(options);
    let position = this.#claimPut(1);
    if (position === NONE) {
      const deadline = deadlineOf(options);
      const result = await this.#waitAsync(() => this.#checkPut(1), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.put');
      position = result;
    }
    if (position === CLOSED) throw closedForPut(item);
    this.#publishOne(position, prepared);
  }

  #checkPut(n: number): number | typeof NOT_YET {
    const position = this.#claimPut(n);
    return position === NONE ? NOT_YET : position;
  }

  putManySync(items: Iterable<T>, options?: WaitOptions): void {
    const { list, prepared } = this.#prepareMany(items);
    checkWaitOptions(options);
    let deadline: Deadline | undefined;
    for (let done = 0; done < list.length; ) {
      const n = Math.min(this.#capacity, list.length - done);
      let position = this.#claimPut(n);
      if (position === NONE) {
        deadline ??= deadlineOf(options);
        const result = this.#waitSync(() => this.#checkPut(n), deadline);
        if (result === TIMED_OUT)
          throw withItems(deadline.timeoutError('BoundedBuffer.putManySync'), list, done);
        position = result;
      }
      if (position === CLOSED) throw closedForPutMany(list, done);
      this.#publish(position, prepared, done, n);
      done += n;
    }
  }

  async putMany(items: Iterable<T>, options?: WaitOptions): Promise<void> {
    const { list, prepared } = this.#prepareMany(items);
    checkWaitOptions(options);
    let deadline: Deadline | undefined;
    for (let done = 0; done < list.length; ) {
      const n = Math.min(this.#capacity, list.length - done);
      let position = this.#claimPut(n);
      if (position === NONE) {
        let result: number | typeof TIMED_OUT;
        try {
          deadline ??= deadlineOf(options);
          result = await this.#waitAsync(() => this.#checkPut(n), deadline);
        } catch (reason) {
          throw withItems(reason, list, done);
        }
        if (result === TIMED_OUT) throw withItems(deadline.timeoutError('BoundedBuffer.putMany'), list, done);
        position = result;
      }
      if (position === CLOSED) throw closedForPutMany(list, done);
      this.#publish(position, prepared, done, n);
      done += n;
    }
  }

  #prepareMany(items: Iterable<T>): { list: T[]; prepared: unknown[] } {
    if (items === null || typeof (items as Iterable<T>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`putMany needs an iterable of items, got ${describe(items)}`);
    }
    const list = Array.isArray(items) ? items : Array.from(items);
    // Encode every item before putting any, so a bad item leaves nothing half-done.
    return { list, prepared: this.#codec.prepareMany(list) };
  }

  /** Writes one prepared item at its claimed position and publishes it. */
  #publishOne(position: number, prepared: unknown): void {
    const slot = position & (this.#oneLap - 1);
    this.#codec.write(slot, prepared);
    this.#setStamp(STAMPS + slot, position + 1); // publish the item to getters
  }

  /**
   * Writes prepared[from .. from+n) at n claimed positions from `position`, then publishes their
   * stamps last to first: a getter at the first position sees the whole batch appear at once (and
   * only that last store may have a sleeper to notify), instead of waking for every item.
   */
  #publish(position: number, prepared: unknown[], from: number, n: number): void {
    const mask = this.#oneLap - 1;
    const capacity = this.#capacity;
    const view = this.#codec.view;
    let p = position;
    for (let k = 0; k < n; k++) {
      const slot = p & mask;
      if (view !== undefined) view[slot] = prepared[from + k] as number;
      else this.#codec.write(slot, prepared[from + k]);
      if (k + 1 < n) p = slot + 1 < capacity ? p + 1 : ((p & ~mask) + mask + 1) & POSITION_MASK;
    }
    for (let k = n - 1; k >= 0; k--) {
      this.#setStamp(STAMPS + (p & mask), p + 1); // publish this item to getters
      p = this.#previous(p);
    }
  }

  /** The position before `position`. */
  #previous(position: number): number {
    const mask = this.#oneLap - 1;
    if ((position & mask) > 0) return position - 1;
    return ((position & ~mask) - this.#oneLap + this.#capacity - 1) & POSITION_MASK;
  }

  // ---------------------------------------------------------------------------------------------
  // Getting

  /** NONE-or-position when getting is possible, CLOSED once closed and drained (or immediately). */
  #checkGet(max: number): number | typeof NOT_YET {
    const i32 = this.#i32;
    const position = this.#claimGet(max);
    if (position !== NONE) return position;
    // Drained: marked (no put will claim again) and every claimed position has been got.
    const tail = Atomics.load(i32, TAIL);
    if ((tail & CLOSED_MARK) !== 0 && (tail & POSITION_MASK) === Atomics.load(i32, HEAD)) return CLOSED;
    return NOT_YET;
  }

  tryGet(): TryGetResult<T> {
    const position = this.#checkGet(1);
    if (position === NOT_YET) return { ok: false };
    if (position === CLOSED) throw closedForGet();
    return { ok: true, value: this.#readOne(position) };
  }

  getSync(options?: WaitOptions): T {
    checkWaitOptions(options);
    let position = this.#checkGet(1);
    if (position === NOT_YET) {
      const deadline = deadlineOf(options);
      const result = this.#waitSync(() => this.#checkGet(1), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getSync');
      position = result;
    }
    if (position === CLOSED) throw closedForGet();
    return this.#readOne(position);
  }

  async get(options?: WaitOptions): Promise<T> {
    checkWaitOptions(options);
    let position = this.#checkGet(1);
    if (position === NOT_YET) {
      const deadline = deadlineOf(options);
      const result = await this.#waitAsync(() => this.#checkGet(1), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.get');
      position = result;
    }
    if (position === CLOSED) throw closedForGet();
    return this.#readOne(position);
  }

  getManySync(max: number, options?: WaitOptions): T[] {
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    const limit = Math.min(max, this.#capacity);
    checkWaitOptions(options);
    let position = this.#checkGet(limit);
    if (position === NOT_YET) {
      const deadline = deadlineOf(options);
      const result = this.#waitSync(() => this.#checkGet(limit), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getManySync');
      position = result;
    }
    if (position === CLOSED) throw closedForGet();
    return this.#read(position, this.#claimed, []);
  }

  async getMany(max: number, options?: WaitOptions): Promise<T[]> {
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    const limit = Math.min(max, this.#capacity);
    checkWaitOptions(options);
    let position = this.#checkGet(limit);
    if (position === NOT_YET) {
      const deadline = deadlineOf(options);
      const result = await this.#waitAsync(() => this.#checkGet(limit), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getMany');
      position = result;
    }
    if (position === CLOSED) throw closedForGet();
    return this.#read(position, this.#claimed, []);
  }

  /**
   * Reads the item at a claimed position and frees its slot. Only the copy happens while the slot
   * is held; decoding (JSON.parse, a custom codec) comes after, so a slow or throwing decoder never
   * holds up other threads. A decoder that throws loses that item, and its error says why.
   */
  #readOne(position: number): T {
    const slot = position & (this.#oneLap - 1);
    const taken = this.#codec.take(slot);
    this.#setStamp(STAMPS + slot, (position + this.#oneLap) & POSITION_MASK); // publish: free for the next lap
    return this.#codec.decode(taken);
  }

  /** Reads n items from claimed positions onto `out`, freeing each slot. */
  #read(position: number, n: number, out: T[]): T[] {
    const oneLap = this.#oneLap;
    const mask = oneLap - 1;
    const capacity = this.#capacity;
    const view = this.#codec.view;
    const taken: unknown[] = view === undefined ? [] : (out as unknown[]);
    let p = position;
    for (let k = 0; k < n; k++) {
      const slot = p & mask;
      taken.push(view !== undefined ? view[slot] : this.#codec.take(slot));
      if (k + 1 < n) p = slot + 1 < capacity ? p + 1 : ((p & ~mask) + oneLap) & POSITION_MASK;
    }
    // Free the slots last to first, for the same reason #publish publishes them so.
    for (let k = n - 1; k >= 0; k--) {
      this.#setStamp(STAMPS + (p & mask), (p + oneLap) & POSITION_MASK); // publish: free for the next lap
      p = this.#previous(p);
    }
    if (view !== undefined) return out;
    let failure: unknown;
    for (const raw of taken) {
      try {
        out.push(this.#codec.decode(raw));
      } catch (error) {
        failure ??= error; // that item is lost; the error says why, and carries the others
      }
    }
    if (failure !== undefined) throw withItems(failure, out, 0);
    return out;
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
    Atomics.or(i32, TAIL, CLOSED_MARK); // publish the close: no put claims a position after this
    this.#wakeAllSleepers();
    if (!immediate) return [];
    // Discard everything claimed before the mark, waiting for puts that are still writing. A get
    // racing with us may take some of it: each item still goes to exactly one taker.
    const discarded: T[] = [];
    for (;;) {
      const position = this.#claimGet(this.#capacity);
      if (position !== NONE) {
        this.#read(position, this.#claimed, discarded);
        continue;
      }
      if ((Atomics.load(i32, TAIL) & POSITION_MASK) === Atomics.load(i32, HEAD)) break;
      // A put claimed the slot at HEAD before the mark and is still writing it.
      Atomics.wait(i32, this.#blockAt, this.#blockSeen, 1);
    }
    if (discarded.length > 0) this.#finishTasks(discarded.length);
    return discarded;
  }

  /** Wakes every sleeper: clears each WAITING bit (so a sleeper about to wait sees a change) and notifies. */
  #wakeAllSleepers(): void {
    const i32 = this.#i32;
    for (let at = STAMPS; at < STAMPS + this.#capacity; at++) {
      const stamp = Atomics.load(i32, at);
      if ((stamp & WAITING) === 0) continue;
      Atomics.compareExchange(i32, at, stamp, stamp & POSITION_MASK); // if it changed, the changer notified
      Atomics.notify(i32, at);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Tasks

  /** Items put and not yet marked done with taskDone() (a snapshot). */
  get unfinished(): number {
    return this.#unfinished(Atomics.load(this.#i32, DONE));
  }

  #unfinished(done: number): number {
    return this.#distance(done, this.#sequence(Atomics.load(this.#i32, TAIL) & POSITION_MASK));
  }

  taskDone(): void {
    const i32 = this.#i32;
    for (;;) {
      const done = Atomics.load(i32, DONE);
      const unfinished = this.#unfinished(done);
      if (unfinished === 0) throw new TaskDoneError();
      if (Atomics.compareExchange(i32, DONE, done, (done + 1) % this.#period) === done) {
        if (unfinished === 1) Atomics.notify(i32, DONE); // wake join()ers at zero
        return;
      }
    }
  }

  /** Counts n discarded items as done. */
  #finishTasks(n: number): void {
    const i32 = this.#i32;
    for (;;) {
      const done = Atomics.load(i32, DONE);
      if (Atomics.compareExchange(i32, DONE, done, (done + n) % this.#period) === done) break;
    }
    if (this.unfinished === 0) Atomics.notify(i32, DONE);
  }

  joinSync(options?: WaitOptions): void {
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    for (;;) {
      const done = Atomics.load(this.#i32, DONE);
      if (this.#unfinished(done) === 0) return;
      const remaining = deadline.remaining();
      if (remaining <= 0) throw deadline.timeoutError('BoundedBuffer.joinSync');
      // DONE changes on every taskDone, and the one reaching zero notifies: waiting on it is safe.
      Atomics.wait(this.#i32, DONE, done, remaining);
    }
  }

  async join(options?: WaitOptions): Promise<void> {
    const deadline = new Deadline(options);
    for (;;) {
      deadline.throwIfAborted();
      const done = Atomics.load(this.#i32, DONE);
      if (this.#unfinished(done) === 0) return;
      const remaining = deadline.remaining();
      if (remaining <= 0) throw deadline.timeoutError('BoundedBuffer.join');
      const waited = Atomics.waitAsync(this.#i32, DONE, done, remaining);
      if (waited.async && (await raceAbort(waited.value, deadline.signal))) {
        Atomics.notify(this.#i32, DONE); // settle our own pending wait
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
    if (Object.hasOwn(CODEC_IDS, codec) && codec !== 'custom')
      return { name: codec as CodecName, custom: undefined };
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

function corrupted(word: string, value: number): BufferCorruptedError {
  return new BufferCorruptedError(
    `BoundedBuffer memory is corrupted: ${word} holds ${value}, which no thread could have written`,
  );
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

function deadlineOf(options: WaitOptions | undefined): Deadline {
  return options === undefined ? NO_DEADLINE : new Deadline(options);
}
