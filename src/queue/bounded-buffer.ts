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
//
// Dead threads
// ------------
// A thread that dies (worker.terminate(), an uncaught error, running out of memory) between a
// claim and its publish leaves a slot that every other thread would wait on forever. So each
// thread keeps an ENTRY in a table of intents: right before each claiming CAS it writes the claim
// it is about to make (+n puts or -n gets, at position p), and clears it when the CAS fails. It
// never needs to clear it after success: once the claim is published (or freed) the stamp shows it.
// A claim and its publish (or free) run in one synchronous stretch, with no await in between, so
// the entry always names the thread's one unfinished claim, if it has one.
//
// `recover(threadId)`, called once that thread has exited, marks its entries DEAD and resolves
// each: the thread made the claim in its entry iff the claim's CAS went through (TAIL or HEAD has
// passed p), the slot at p is still unpublished (or unfreed), and no live thread's entry names the
// same claim (a live claimer keeps its entry until it has published, so reading the entries
// between the two checks decides it). A dead get's unfreed items are taken out and handed back;
// a dead put's positions become a TOMBSTONE entry that the next getter reaching p skips whole,
// freeing its slots: its producer never saw it succeed, and no getter ever sees part of it.
//
//   entry OWNER: 0 free | threadId + 1 (live) | DEAD (being recovered) | TOMBSTONE (skip the put)
//   entry CLAIM, POSITION: written (plain stores) only by the owner, before its claiming CAS,
//     whose full barrier publishes them; read by recover() once the owner is dead or, for live
//     entries, to learn that a claim belongs to a live thread
//   TOMBSTONES counts TOMBSTONE entries; a getter stuck at an unpublished slot looks for one

import type { Worker } from 'node:worker_threads';
import { BufferCorruptedError, QueueClosedError, TaskDoneError } from '../errors.js';
import { checkInteger, checkOptions, describe } from '../internal/validate.js';
import { checkCanBlock, sharedMemory, waitAsync } from '../platform/thread.js';
import { checkWaitOptions, Deadline, NO_DEADLINE, raceAbort, type WaitOptions } from '../sync/deadline.js';
import { NOT_YET, TIMED_OUT } from '../sync/event-count.js';
import { checkRecoverable, holdEntry, ME, watchWorker } from '../sync/recovery.js';
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
/** TOMBSTONE entries not yet skipped: added by recover(), taken away by the getter that skips one. */
const TOMBSTONES = 56;
/**
 * The intents table: ENTRIES entries of ENTRY_WORDS words from ENTRIES_AT (see "Dead threads").
 * OWNER is claimed by CAS (0 → threadId + 1) on a thread's first claim, set to DEAD or TOMBSTONE
 * by recover(), and freed (0) by recover() or by the getter that skips a tombstone.
 */
const ENTRIES_AT = 64;
const ENTRIES = 128;
/** A 64-byte line per entry: every claim writes its thread's entry, and a shared line would bounce. */
const ENTRY_WORDS = 16;
const OWNER = 0;
/** +n: a put of n items; -n: a get of up to n; 0: no claim in progress. Written by the owner. */
const CLAIM = 1;
/** The position the claim starts at. Written by the owner after CLAIM. */
const CLAIM_AT = 2;
const DEAD = -1;
const TOMBSTONE = -2;
/**
 * stamp[i] at STAMPS + i. Its position bits are written (exchange) only by the thread that
 * claimed slot i's current position; its WAITING bit is set (CAS) by sleepers and cleared by the
 * next exchange, or by close.
 */
const STAMPS = ENTRIES_AT + ENTRIES * ENTRY_WORDS;
/** A view's #entry when the intents table was full: its claims are not recorded. */
const UNTRACKED = -1;
let warnedUntracked = false;

const CLOSED_MARK = 1 << 31;
const WAITING = 1 << 31;
const POSITION_MASK = 0x7fffffff;
/** tryClaim results besides a position (positions are never negative). */
const NONE = -1;
const CLOSED = -2;
/** #resolveClaim's answers. */
const MINE = 1;
const NOT_MINE = 2;
const UNDECIDED = 3;
/** #register's answer when the stamp changed under it: check again. */
const RETRY: unique symbol = Symbol('retry');
/**
 * Checks a blocking call makes before it sleeps, at first and at least. The budget adapts per
 * thread (see #waitSync): on a busy machine spinning steals the time of the thread it waits for.
 */
const SPINS = 20;
/** The most checks before sleeping: a few tens of microseconds. */
const MAX_SPINS = 2000;
/**
 * How long tryPut/tryGet wait out another thread's put or get in progress on the slot they need
 * (normally microseconds) before answering full or empty: that thread may have died mid-call.
 */
const TRY_PATIENCE = 1000;
/** How long close({ immediate: true }) waits for puts in progress before leaving them to getters. */
const CLOSE_PATIENCE = 1000;

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

/** What `recover(threadId)` repaired after a thread died in the middle of a call. */
export interface RecoveryReport<T> {
  /** The dead thread. */
  readonly threadId: number;
  /** Items of puts it had claimed room for but not published: dropped whole (its put never returned). */
  readonly droppedPuts: number;
  /** Items its unfinished get had claimed but not taken out: removed, counted done, handed back here. */
  readonly returned: T[];
  /**
   * Claims that could not be told apart from a live thread's within a second (two threads died
   * racing for the same slot, and the other is not recovered yet): the next recover() resolves them.
   */
  readonly undecided: number;
}

/** A RecoveryReport being filled in, and the first decoder error met on the way. */
type Repair<T> = { -readonly [K in keyof RecoveryReport<T>]: RecoveryReport<T>[K] } & { failure?: unknown };

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
  /** The item the last successful #getOne copied out, not yet decoded. */
  #taken: unknown;
  /** Where the last failed claim would sleep: a stamp's index and the value seen there. */
  #blockAt = 0;
  #blockSeen = 0;
  /** Checks the next blocking call makes before it sleeps (adapted, per thread). */
  #spinBudget = SPINS;
  /** Word index of this view's intents entry; 0 until its first claim, UNTRACKED if the table was full. */
  #entry = 0;
  /** The CLAIM word this view last wrote to its entry (to skip rewriting the same size). */
  #intent = 0;
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
      i32 = new Int32Array(sharedMemory(shape.bytes));
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
   * one has, the get is in the middle of reading it. A try call (`patience` > 0) waits for it to
   * free the slot, as a lock-based queue would wait for the lock, so that `tryPut` reports full
   * only when it is; but for `patience` ms at most, since that get's thread may have died. A
   * blocking call (`patience` 0) sleeps on that slot like any waiter.
   */
  #claimPut(n: number, patience = 0): number {
    const i32 = this.#i32;
    const mask = this.#oneLap - 1;
    let tail = this.#tailGuess;
    let waitingSince = 0;
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
        if (this.#claimedByGet(lastLap)) {
          // A get is reading last lap's item, or a getter skipped last lap's dropped put (see
          // #skipDeadPut): either frees the slot soon.
          if (patience === 0 || (waitingSince !== 0 && performance.now() - waitingSince >= patience)) {
            this.#blockAt = at;
            this.#blockSeen = stamp;
            return NONE;
          }
          if (waitingSince === 0) waitingSince = performance.now();
          this.#awaitChange(at, stamp);
          break;
        }
        // Last lap's put, unpublished: in progress (the buffer is full), unless it died and
        // recover() made it a tombstone: then skip it, as a getter would, and look again.
        if (!filled && Atomics.load(i32, TOMBSTONES) !== 0 && this.#skipDeadPut(lastLap)) break;
        this.#blockAt = at;
        this.#blockSeen = stamp;
        return NONE;
      }
      if (k < n) {
        tail = Atomics.load(i32, TAIL);
        this.#checkPosition(tail & POSITION_MASK, 'TAIL', tail);
        continue;
      }
      this.#intend(n, tail);
      const seen = Atomics.compareExchange(i32, TAIL, tail, position);
      if (seen === tail) {
        this.#tailGuess = position;
        return tail;
      }
      this.#forget();
      tail = seen;
    }
  }

  /**
   * Claims up to `max` consecutive filled slots at HEAD: returns the first position (and sets
   * #claimed), or NONE when the first is not filled (#blockAt/#blockSeen say where to sleep).
   *
   * A slot at HEAD that a put has claimed but not yet filled is not "empty": the put is in the
   * middle of writing. A try call (`patience` > 0) waits for it to publish, so that `tryGet`
   * reports empty only when it is; but for `patience` ms at most, since that put's thread may have
   * died. A blocking call (`patience` 0) sleeps on that slot like any waiter.
   */
  #claimGet(max: number, patience = 0): number {
    const i32 = this.#i32;
    const mask = this.#oneLap - 1;
    let head = this.#headGuess;
    let waitingSince = 0;
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
        this.#intend(-n, head);
        const seen = Atomics.compareExchange(i32, HEAD, head, position);
        if (seen === head) {
          this.#headGuess = position;
          this.#claimed = n;
          return head;
        }
        this.#forget();
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
      // Free for the put at `head`; or last lap's item still being read by a get; or last lap's
      // dropped put, being freed by the thread that skipped it (#skipDeadPut). In the last two no
      // put can have claimed `head` yet (its slot is not free): empty.
      const lastLap = (head - this.#oneLap) & POSITION_MASK;
      if (value !== head && value !== ((lastLap + 1) & POSITION_MASK) && value !== lastLap)
        throw corrupted(`slot ${head & mask}`, stamp);
      if (value === lastLap && (Atomics.load(i32, TAIL) & POSITION_MASK) !== head)
        throw corrupted('HEAD', head); // only a skipper moves HEAD past an unpublished put, and TAIL is there
      const putInProgress = value === head && (Atomics.load(i32, TAIL) & POSITION_MASK) !== head;
      // A put has claimed this slot and is writing it, unless it died: then skip its claim.
      if (putInProgress && Atomics.load(i32, TOMBSTONES) !== 0 && this.#skipDeadPut(head)) continue;
      if (
        putInProgress &&
        patience !== 0 &&
        (waitingSince === 0 || performance.now() - waitingSince < patience)
      ) {
        if (waitingSince === 0) waitingSince = performance.now();
        this.#awaitChange(at, stamp);
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
   * Waits a while for stamp word `at` to change from `seen`: another thread is in the middle of an
   * operation on that slot. It spins a little, then sleeps on the stamp like any waiter, for at
   * most 10 ms: the caller looks again, since that thread may have died and been recovered.
   */
  #awaitChange(at: number, seen: number): void {
    const i32 = this.#i32;
    for (let spin = 0; spin < SPINS; spin++) if (Atomics.load(i32, at) !== seen) return;
    const marked = seen | WAITING;
    if (marked !== seen && Atomics.compareExchange(i32, at, seen, marked) !== seen) return;
    Atomics.wait(i32, at, marked, 10);
  }

  // ---------------------------------------------------------------------------------------------
  // Intents (see "Dead threads")

  /** Records the claim this thread is about to make with a CAS: +n puts or -n gets at `position`. */
  #intend(claim: number, position: number): void {
    let entry = this.#entry;
    if (entry <= 0) {
      if (entry === UNTRACKED) return;
      entry = this.#enter();
      if (entry === UNTRACKED) return;
    }
    const i32 = this.#i32;
    // Plain stores: the claiming CAS that follows (a full barrier) publishes them.
    if (this.#intent !== claim) {
      i32[entry + CLAIM] = claim;
      this.#intent = claim;
    }
    i32[entry + CLAIM_AT] = position;
  }

  /** The claim's CAS failed: this thread claims nothing now. */
  #forget(): void {
    const entry = this.#entry;
    if (entry <= 0) return;
    this.#i32[entry + CLAIM] = 0;
    this.#intent = 0;
  }

  /** Takes a free entry in the intents table for this view (once). */
  #enter(): number {
    const i32 = this.#i32;
    for (let entry = ENTRIES_AT; entry < STAMPS; entry += ENTRY_WORDS) {
      if (Atomics.load(i32, entry + OWNER) !== 0) continue;
      if (Atomics.compareExchange(i32, entry + OWNER, 0, ME) !== 0) continue;
      i32[entry + CLAIM] = 0; // a freed entry may still hold its last owner's claim
      this.#intent = 0;
      this.#entry = entry;
      holdEntry(this, i32, entry + OWNER);
      return entry;
    }
    this.#entry = UNTRACKED;
    if (!warnedUntracked) {
      warnedUntracked = true;
      process.emitWarning(
        `a BoundedBuffer is used by more than ${ENTRIES} live threads (or views); the rest work, but ` +
          'recover() cannot repair what they leave if they die mid-call. Let exited threads be ' +
          'recovered (buffer.watch(worker)) to free their entries.',
        { code: 'CONVEYOR_UNTRACKED_THREAD' },
      );
    }
    return UNTRACKED;
  }

  /** Whether a live thread's entry names the claim (sign of `claim`) at `position`. */
  #liveIntent(claim: number, position: number): boolean {
    const i32 = this.#i32;
    for (let entry = ENTRIES_AT; entry < STAMPS; entry += ENTRY_WORDS) {
      if (Atomics.load(i32, entry + OWNER) <= 0) continue;
      const other = Atomics.load(i32, entry + CLAIM);
      if (Math.sign(other) === Math.sign(claim) && Atomics.load(i32, entry + CLAIM_AT) === position)
        return true;
    }
    return false;
  }

  /**
   * A getter stuck at `head`, whose put never published: if recover() made that put a tombstone,
   * moves HEAD past its positions and frees their slots. True if HEAD has moved (by us or another).
   */
  #skipDeadPut(head: number): boolean {
    const i32 = this.#i32;
    for (let entry = ENTRIES_AT; entry < STAMPS; entry += ENTRY_WORDS) {
      if (Atomics.load(i32, entry + OWNER) !== TOMBSTONE || Atomics.load(i32, entry + CLAIM_AT) !== head)
        continue;
      const n = Atomics.load(i32, entry + CLAIM);
      if (n < 1 || n > this.#capacity) throw corrupted('a tombstone', n);
      // The entry stays a tombstone until HEAD has passed it, so it cannot be reused under us.
      if (Atomics.compareExchange(i32, HEAD, head, this.#advance(head, n)) !== head) return true;
      this.#freeSlots(head, n);
      this.#finishTasks(n); // its items were counted for join() when their positions were claimed
      Atomics.store(i32, entry + CLAIM, 0);
      Atomics.store(i32, entry + OWNER, 0); // free the entry, after its slots
      Atomics.sub(i32, TOMBSTONES, 1);
      return true;
    }
    return false;
  }

  /** Frees n slots from `position` for the next lap (their items are gone or were taken). */
  #freeSlots(position: number, n: number): void {
    const mask = this.#oneLap - 1;
    let p = position;
    for (let k = 0; k < n; k++) {
      this.#setStamp(STAMPS + (p & mask), (p + this.#oneLap) & POSITION_MASK); // publish: free for the next lap
      p = this.#advance(p, 1);
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
      const waited = waitAsync(i32, at, this.#blockSeen, remaining);
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
    const position = this.#putOne(prepared, TRY_PATIENCE);
    if (position === NOT_YET) return false;
    if (position === CLOSED) throw closedForPut(item);
    return true;
  }

  putSync(item: T, options?: WaitOptions): void {
    checkCanBlock('BoundedBuffer.putSync');
    const prepared = this.#codec.prepare(item);
    checkWaitOptions(options);
    let position = this.#putOne(prepared);
    if (position === NOT_YET) {
      const deadline = deadlineOf(options);
      const result = this.#waitSync(() => this.#putOne(prepared), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.putSync');
      position = result;
    }
    if (position === CLOSED) throw closedForPut(item);
  }

  async put(item: T, options?: WaitOptions): Promise<void> {
    const prepared = this.#codec.prepare(item);
    checkWaitOptions(options);
    let position = this.#putOne(prepared);
    if (position === NOT_YET) {
      const deadline = deadlineOf(options);
      const result = await this.#waitAsync(() => this.#putOne(prepared), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.put');
      position = result;
    }
    if (position === CLOSED) throw closedForPut(item);
  }

  /**
   * Claims a slot and publishes the item in it, in one synchronous stretch (so that this thread's
   * intents entry names its claim until the item is out: see "Dead threads"). Returns the
   * position, CLOSED, or NOT_YET when the buffer is full.
   */
  #putOne(prepared: unknown, patience = 0): number | typeof NOT_YET {
    const position = this.#claimPut(1, patience);
    if (position === NONE) return NOT_YET;
    if (position !== CLOSED) this.#publishOne(position, prepared);
    return position;
  }

  /** As #putOne, for the n prepared items from `from`: all claimed and published, or none. */
  #putChunk(prepared: unknown[], from: number, n: number): number | typeof NOT_YET {
    const position = this.#claimPut(n);
    if (position === NONE) return NOT_YET;
    if (position !== CLOSED) this.#publish(position, prepared, from, n);
    return position;
  }

  putManySync(items: Iterable<T>, options?: WaitOptions): void {
    checkCanBlock('BoundedBuffer.putManySync');
    const { list, prepared } = this.#prepareMany(items);
    checkWaitOptions(options);
    let deadline: Deadline | undefined;
    for (let done = 0; done < list.length; ) {
      const n = Math.min(this.#capacity, list.length - done);
      let position = this.#putChunk(prepared, done, n);
      if (position === NOT_YET) {
        deadline ??= deadlineOf(options);
        const result = this.#waitSync(() => this.#putChunk(prepared, done, n), deadline);
        if (result === TIMED_OUT)
          throw withItems(deadline.timeoutError('BoundedBuffer.putManySync'), list, done);
        position = result;
      }
      if (position === CLOSED) throw closedForPutMany(list, done);
      done += n;
    }
  }

  async putMany(items: Iterable<T>, options?: WaitOptions): Promise<void> {
    const { list, prepared } = this.#prepareMany(items);
    checkWaitOptions(options);
    let deadline: Deadline | undefined;
    for (let done = 0; done < list.length; ) {
      const n = Math.min(this.#capacity, list.length - done);
      let position = this.#putChunk(prepared, done, n);
      if (position === NOT_YET) {
        let result: number | typeof TIMED_OUT;
        try {
          deadline ??= deadlineOf(options);
          const from = done;
          result = await this.#waitAsync(() => this.#putChunk(prepared, from, n), deadline);
        } catch (reason) {
          throw withItems(reason, list, done);
        }
        if (result === TIMED_OUT) throw withItems(deadline.timeoutError('BoundedBuffer.putMany'), list, done);
        position = result;
      }
      if (position === CLOSED) throw closedForPutMany(list, done);
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
  #checkGet(max: number, patience = 0): number | typeof NOT_YET {
    const i32 = this.#i32;
    const position = this.#claimGet(max, patience);
    if (position !== NONE) return position;
    // Drained: marked (no put will claim again) and every claimed position has been got.
    const tail = Atomics.load(i32, TAIL);
    if ((tail & CLOSED_MARK) !== 0 && (tail & POSITION_MASK) === Atomics.load(i32, HEAD)) return CLOSED;
    return NOT_YET;
  }

  tryGet(): TryGetResult<T> {
    const position = this.#getOne(TRY_PATIENCE);
    if (position === NOT_YET) return { ok: false };
    if (position === CLOSED) throw closedForGet();
    return { ok: true, value: this.#codec.decode(this.#taken) };
  }

  getSync(options?: WaitOptions): T {
    checkCanBlock('BoundedBuffer.getSync');
    checkWaitOptions(options);
    let position = this.#getOne();
    if (position === NOT_YET) {
      const deadline = deadlineOf(options);
      const result = this.#waitSync(() => this.#getOne(), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getSync');
      position = result;
    }
    if (position === CLOSED) throw closedForGet();
    return this.#codec.decode(this.#taken); // no await since #getOne: #taken is still ours
  }

  async get(options?: WaitOptions): Promise<T> {
    checkWaitOptions(options);
    const position = this.#getOne();
    if (position === NOT_YET) {
      const deadline = deadlineOf(options);
      let taken: unknown;
      const result = await this.#waitAsync(() => {
        const got = this.#getOne();
        if (got !== NOT_YET) taken = this.#taken; // before the await: other calls reuse #taken
        return got;
      }, deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.get');
      if (result === CLOSED) throw closedForGet();
      return this.#codec.decode(taken);
    }
    if (position === CLOSED) throw closedForGet();
    return this.#codec.decode(this.#taken);
  }

  /**
   * Claims the item at HEAD, copies it into #taken and frees its slot, in one synchronous stretch
   * (so that this thread's intents entry names its claim until the slot is free: see "Dead
   * threads"). Returns the position, CLOSED or NOT_YET. Decoding is left to the caller.
   */
  #getOne(patience = 0): number | typeof NOT_YET {
    const position = this.#checkGet(1, patience);
    if (position === NOT_YET || position === CLOSED) return position;
    const slot = position & (this.#oneLap - 1);
    this.#taken = this.#codec.take(slot);
    this.#setStamp(STAMPS + slot, (position + this.#oneLap) & POSITION_MASK); // publish: free for the next lap
    return position;
  }

  getManySync(max: number, options?: WaitOptions): T[] {
    checkCanBlock('BoundedBuffer.getManySync');
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    const limit = Math.min(max, this.#capacity);
    checkWaitOptions(options);
    const out: T[] = [];
    let taken = this.#getMany(limit, out);
    if (taken === NOT_YET) {
      const deadline = deadlineOf(options);
      const result = this.#waitSync(() => this.#checkGetMany(limit, out, (t) => (taken = t)), deadline);
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getManySync');
      if (result === CLOSED) taken = CLOSED;
    }
    if (taken === CLOSED) throw closedForGet();
    return this.#decodeAll(taken as unknown[], out);
  }

  async getMany(max: number, options?: WaitOptions): Promise<T[]> {
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    const limit = Math.min(max, this.#capacity);
    checkWaitOptions(options);
    const out: T[] = [];
    let taken = this.#getMany(limit, out);
    if (taken === NOT_YET) {
      const deadline = deadlineOf(options);
      const result = await this.#waitAsync(
        () => this.#checkGetMany(limit, out, (t) => (taken = t)),
        deadline,
      );
      if (result === TIMED_OUT) throw deadline.timeoutError('BoundedBuffer.getMany');
      if (result === CLOSED) taken = CLOSED;
    }
    if (taken === CLOSED) throw closedForGet();
    return this.#decodeAll(taken as unknown[], out);
  }

  /** As #getOne for up to `max` items: claims, copies out and frees them (fixed codecs straight into `out`). */
  #getMany(max: number, out: T[]): unknown[] | typeof CLOSED | typeof NOT_YET {
    const position = this.#checkGet(max);
    if (position === NOT_YET || position === CLOSED) return position;
    return this.#take(position, this.#claimed, this.#codec.view !== undefined ? (out as unknown[]) : []);
  }

  #checkGetMany(max: number, out: T[], keep: (taken: unknown[]) => void): number | typeof NOT_YET {
    const taken = this.#getMany(max, out);
    if (taken === NOT_YET || taken === CLOSED) return taken;
    keep(taken);
    return 0;
  }

  /**
   * Copies n items out of claimed positions onto `taken` and frees their slots. Only the copy
   * happens while the slots are held; decoding (JSON.parse, a custom codec) comes after, so a slow
   * or throwing decoder never holds up other threads.
   */
  #take(position: number, n: number, taken: unknown[]): unknown[] {
    const oneLap = this.#oneLap;
    const mask = oneLap - 1;
    const capacity = this.#capacity;
    const view = this.#codec.view;
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
    return taken;
  }

  /**
   * Decodes taken items onto `out` (fixed codecs took them there already). A decoder that throws
   * loses that item; its error says why, and carries the others in `items`.
   */
  #decodeAll(taken: unknown[], out: T[]): T[] {
    if (taken === out) return out;
    let failure: unknown;
    for (const raw of taken) {
      try {
        out.push(this.#codec.decode(raw));
      } catch (error) {
        failure ??= error;
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
    // Discard everything claimed before the mark, waiting for puts that are still writing (for
    // CLOSE_PATIENCE ms at most: a putter may have died; what it publishes later stays for the
    // getters). A get racing with us may take some of it: each item still goes to one taker.
    const discarded: T[] = [];
    const giveUp = performance.now() + CLOSE_PATIENCE;
    for (;;) {
      const position = this.#claimGet(this.#capacity);
      if (position !== NONE) {
        this.#decodeAll(
          this.#take(position, this.#claimed, this.#codec.view !== undefined ? discarded : []),
          discarded,
        );
        continue;
      }
      if ((Atomics.load(i32, TAIL) & POSITION_MASK) === Atomics.load(i32, HEAD)) break;
      if (performance.now() > giveUp) break;
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
  // Dead threads

  /**
   * Repairs what thread `threadId` left half-done when it died (worker.terminate(), an uncaught
   * error, running out of memory): call it once that thread has exited, from any thread, or let
   * `watch(worker)` call it. A put it had claimed room for but not published is dropped whole (its
   * producer never saw it succeed, and no getter sees any of it); a put it had published stays;
   * items its get had claimed but not taken out are removed and handed back in `returned`. Nobody
   * stays blocked on it afterwards. Calling it for a thread that is still running breaks the buffer.
   */
  recover(threadId: number): RecoveryReport<T> {
    checkRecoverable(threadId);
    const i32 = this.#i32;
    for (let entry = ENTRIES_AT; entry < STAMPS; entry += ENTRY_WORDS) {
      Atomics.compareExchange(i32, entry + OWNER, threadId + 1, DEAD); // its entries, for #resolveDead
    }
    const report: Repair<T> = {
      threadId,
      droppedPuts: 0,
      returned: [],
      undecided: 0,
    };
    // A claim is undecided only while a live thread names the same one: its CAS is in flight, or
    // it made the claim and publishes within microseconds. Look again for up to a second.
    const nap = new Int32Array(new SharedArrayBuffer(4));
    for (let tries = 0; ; tries++) {
      report.undecided = this.#resolveDead(report);
      if (report.undecided === 0 || tries === 1000) break;
      Atomics.wait(nap, 0, 0, 1);
    }
    const { failure, ...done } = report;
    if (failure !== undefined) throw withItems(failure, done.returned, 0);
    return done;
  }

  /**
   * Recovers `worker`'s thread when it exits (its 'exit' event), and passes the report to
   * `onRecovered`. A worker that exits cleanly leaves nothing to repair and frees its entry.
   */
  watch(worker: Worker, onRecovered?: (report: RecoveryReport<T>) => void): void {
    watchWorker(worker, onRecovered, (id) => this.recover(id));
  }

  /** Resolves every DEAD entry (see "Dead threads"); returns how many are still undecided. */
  #resolveDead(report: Repair<T>): number {
    const i32 = this.#i32;
    let undecided = 0;
    for (let entry = ENTRIES_AT; entry < STAMPS; entry += ENTRY_WORDS) {
      if (Atomics.load(i32, entry + OWNER) !== DEAD) continue;
      const claim = Atomics.load(i32, entry + CLAIM);
      const position = Atomics.load(i32, entry + CLAIM_AT);
      const outcome = claim === 0 ? NOT_MINE : this.#resolveClaim(claim, position);
      if (outcome === UNDECIDED) {
        undecided++;
        continue;
      }
      if (outcome === MINE && claim > 0) {
        report.droppedPuts += claim;
        if (!this.#rollBack(position, claim)) {
          // Its put stays claimed but unpublished, with later claims behind it: make the entry a
          // tombstone that the next thread to reach it skips.
          Atomics.add(i32, TOMBSTONES, 1);
          Atomics.store(i32, entry + OWNER, TOMBSTONE); // publish the tombstone to stuck getters
          Atomics.notify(i32, STAMPS + (position & (this.#oneLap - 1))); // getters asleep on its slot look again
          if (Atomics.load(i32, HEAD) === position) this.#skipDeadPut(position);
          continue;
        }
      } else if (outcome === MINE) {
        try {
          this.#handBack(position, -claim, report.returned);
        } catch (error) {
          report.failure ??= error; // a decoder threw: thrown once the repair is done
        }
      }
      Atomics.store(i32, entry + CLAIM, 0);
      Atomics.store(i32, entry + OWNER, 0); // free the entry
    }
    return undecided;
  }

  /**
   * Whether a dead thread made the claim (+n puts or -n gets at `position`) and left it unfinished:
   * MINE, NOT_MINE, or UNDECIDED while a live thread's entry names the same claim.
   */
  #resolveClaim(claim: number, position: number): number {
    const i32 = this.#i32;
    const mask = this.#oneLap - 1;
    if ((position & mask) >= this.#capacity) throw corrupted('an intents entry', position);
    const put = claim > 0;
    // 1. Did a CAS from `position` go through? (Only the owner of a position's claim moves past it.)
    const end = put ? Atomics.load(i32, TAIL) & POSITION_MASK : Atomics.load(i32, HEAD);
    if (end === position) return NOT_MINE;
    // 2. A live claimer keeps its entry naming the claim until it has published (or freed) it.
    if (this.#liveIntent(claim, position)) return UNDECIDED;
    // 3. Still unpublished (unfreed)? Then its claimer was not live in step 2: it is dead.
    const stamp = Atomics.load(i32, STAMPS + (position & mask)) & POSITION_MASK;
    if (stamp !== (put ? position : position + 1)) return NOT_MINE;
    if (put && this.#hasTombstone(position)) return NOT_MINE; // another dead thread's, done already
    return MINE;
  }

  /**
   * Takes back a dead put's claim of n positions from `position` if it is the last claim (TAIL is
   * just past it): its positions are free again at once, instead of holding slots until a getter
   * skips them. True if done.
   */
  #rollBack(position: number, n: number): boolean {
    const i32 = this.#i32;
    const mask = this.#oneLap - 1;
    const tail = Atomics.load(i32, TAIL);
    if ((tail & POSITION_MASK) !== this.#advance(position, n)) return false;
    // A batch publishes last to first: unpublish what it had published (no getter can reach those
    // before `position`), so each slot is free for its position again. Harmless if the CAS fails.
    let p = position;
    for (let k = 0; k < n; k++) {
      const at = STAMPS + (p & mask);
      if ((Atomics.load(i32, at) & POSITION_MASK) === p + 1) this.#setStamp(at, p);
      p = this.#advance(p, 1);
    }
    if (Atomics.compareExchange(i32, TAIL, tail, (tail & CLOSED_MARK) | position) !== tail) return false;
    this.#wakeAllSleepers(); // putters asleep on a full buffer: there is room now
    if (this.unfinished === 0) Atomics.notify(i32, DONE); // its items no longer count for join()
    return true;
  }

  #hasTombstone(position: number): boolean {
    const i32 = this.#i32;
    for (let entry = ENTRIES_AT; entry < STAMPS; entry += ENTRY_WORDS) {
      if (Atomics.load(i32, entry + OWNER) === TOMBSTONE && Atomics.load(i32, entry + CLAIM_AT) === position)
        return true;
    }
    return false;
  }

  /**
   * A dead get claimed n positions from `position`: takes out those it had not freed (it frees
   * last to first, so the first ones), frees them, and hands them back, counted done.
   */
  #handBack(position: number, n: number, returned: T[]): void {
    const i32 = this.#i32;
    const mask = this.#oneLap - 1;
    const taken: unknown[] = [];
    let p = position;
    for (let k = 0; k < n; k++) {
      const at = STAMPS + (p & mask);
      if ((Atomics.load(i32, at) & POSITION_MASK) === p + 1) {
        taken.push(this.#codec.take(p & mask));
        this.#setStamp(at, (p + this.#oneLap) & POSITION_MASK); // publish: free for the next lap
      }
      p = this.#advance(p, 1);
    }
    if (taken.length === 0) return;
    this.#finishTasks(taken.length);
    this.#decodeAll(taken, returned); // a decoder that throws loses that item, and says so
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
    checkCanBlock('BoundedBuffer.joinSync');
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
      const waited = waitAsync(this.#i32, DONE, done, remaining);
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
