// Moving items into and out of BoundedBuffer's slots: each attempt claims positions in the ring
// (ring.ts), writes or copies the slots through the codec, and publishes or frees their stamps,
// in one synchronous stretch, so that this thread's intents entry names its claim until the claim
// is finished (see dead-threads.ts). Every attempt returns its result; none waits (sync/wait/word.ts does).

import { describe } from '../../internal/validate.js';
import * as outcomes from '../../sync/wait/outcomes.js';
import { Attempt } from '../../sync/wait/word.js';
import type { SlotCodec } from '../codec.js';
import { withEncoded, withItems } from './failures.js';
import type { Ring } from './ring.js';
import * as ring from './ring.js';

// Module-local copies of the constants the hot path reads (why: the note atop ring.ts's imports).
const NOT_YET: typeof outcomes.NOT_YET = outcomes.NOT_YET;
const { CLOSED, NONE } = ring;

/** A get's answer when the buffer is closed and every item has been got. */
export const DRAINED: unique symbol = Symbol('closed and drained');

/** How long tryPut/tryGet wait out another thread's put or get in progress on their slot (ms). */
export const TRY_PATIENCE = 1000;
/** How long close({ immediate: true }) waits for puts in progress before leaving them to getters (ms). */
const CLOSE_PATIENCE = 1000;

export class Transfer<T> {
  readonly #ring: Ring;
  readonly #codec: SlotCodec<T>;
  readonly #mask: number;

  constructor(ring: Ring, codec: SlotCodec<T>) {
    this.#ring = ring;
    this.#codec = codec;
    this.#mask = ring.oneLap - 1;
  }

  /** Encodes an item before any slot is claimed, so that a refused item leaves nothing behind. */
  prepare(item: T): unknown {
    return this.#codec.prepare(item);
  }

  /** A putMany's items as a list, every one encoded before any is put (all or nothing). */
  prepareMany(items: Iterable<T>): { list: T[]; prepared: unknown[] } {
    if (items === null || typeof (items as Iterable<T>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`putMany needs an iterable of items, got ${describe(items)}`);
    }
    const list = Array.isArray(items) ? items : Array.from(items);
    return { list, prepared: this.#codec.prepareMany(list) };
  }

  // ---------------------------------------------------------------------------------------------
  // Putting

  /** Claims a slot and publishes the item in it: the position, CLOSED, or NOT_YET (full). */
  putOne(prepared: unknown, patience: number, attempt: Attempt | undefined): number | typeof NOT_YET {
    const position = this.#ring.claimPut(1, patience, attempt);
    if (position === NONE) return NOT_YET;
    if (position === CLOSED) return CLOSED;
    const slot = position & this.#mask;
    this.#codec.write(slot, prepared);
    this.#ring.publishAt(position);
    return position;
  }

  /**
   * As putOne, for the n prepared items from `from`: all claimed and published, or none. Writes
   * them all, then publishes them as one run (Ring.publishRun).
   */
  putChunk(
    prepared: unknown[],
    from: number,
    n: number,
    attempt: Attempt | undefined,
  ): number | typeof NOT_YET {
    const ring = this.#ring;
    const position = ring.claimPut(n, 0, attempt);
    if (position === NONE) return NOT_YET;
    if (position === CLOSED) return CLOSED;
    const slot = position & this.#mask;
    const first = Math.min(n, ring.capacity - slot); // slots slot.., then 0.. after the wrap
    const view = this.#codec.view;
    if (view !== undefined) {
      for (let k = 0; k < first; k++) view[slot + k] = prepared[from + k] as number;
      for (let k = first; k < n; k++) view[k - first] = prepared[from + k] as number;
    } else {
      const codec = this.#codec;
      for (let k = 0; k < first; k++) codec.write(slot + k, prepared[from + k]);
      for (let k = first; k < n; k++) codec.write(k - first, prepared[from + k]);
    }
    ring.publishRun(position, n); // publish the batch to getters
    return position;
  }

  // ---------------------------------------------------------------------------------------------
  // Getting

  /**
   * Claims the item at HEAD, copies it out and frees its slot: returns the copy (not yet decoded),
   * DRAINED, or NOT_YET (empty).
   */
  getOne(patience: number, attempt: Attempt | undefined): unknown {
    const ring = this.#ring;
    const position = ring.claimGet(1, patience, attempt);
    if (position === NONE) return ring.drained() ? DRAINED : NOT_YET;
    const taken = this.#codec.take(position & this.#mask);
    ring.freeAt(position);
    return taken;
  }

  /**
   * As getOne for up to `max` items: claims, copies out and frees them, onto `out` for the fixed
   * codecs (which need no decoding) or a new array. Returns that array, DRAINED or NOT_YET.
   */
  getMany(max: number, out: T[], attempt: Attempt): unknown[] | typeof DRAINED | typeof NOT_YET {
    const ring = this.#ring;
    const position = ring.claimGet(max, 0, attempt);
    if (position === NONE) return ring.drained() ? DRAINED : NOT_YET;
    return this.#take(position, attempt.claimed, this.#codec.view !== undefined ? (out as unknown[]) : []);
  }

  /**
   * Copies n items out of claimed positions onto `taken` and frees their slots. Only the copy
   * happens while the slots are held; decoding (JSON.parse, a custom codec) comes after, so a slow
   * or throwing decoder never holds up other threads.
   */
  #take(position: number, n: number, taken: unknown[]): unknown[] {
    const ring = this.#ring;
    const slot = position & this.#mask;
    const first = Math.min(n, ring.capacity - slot); // slots slot.., then 0.. after the wrap
    const view = this.#codec.view;
    if (view !== undefined) {
      const base = taken.length;
      taken.length = base + n; // grown once: a push per item grows it step by step (about 3x slower)
      for (let k = 0; k < first; k++) taken[base + k] = view[slot + k];
      for (let k = first; k < n; k++) taken[base + k] = view[k - first];
    } else {
      const codec = this.#codec;
      for (let k = 0; k < first; k++) taken.push(codec.take(slot + k));
      for (let k = first; k < n; k++) taken.push(codec.take(k - first));
    }
    ring.freeRun(position, n); // publish: free for the next lap
    return taken;
  }

  /** Copies out and frees the filled slots of n positions from `position` (a dead get's claim). */
  takeLeftovers(position: number, n: number): unknown[] {
    const ring = this.#ring;
    const taken: unknown[] = [];
    let p = position;
    for (let k = 0; k < n; k++) {
      if (ring.filled(p)) {
        taken.push(this.#codec.take(p & this.#mask));
        ring.freeAt(p);
      }
      p = ring.advance(p, 1);
    }
    return taken;
  }

  /** Decodes one taken item; if the codec throws, its error carries the item still encoded. */
  decode(taken: unknown): T {
    try {
      return this.#codec.decode(taken);
    } catch (error) {
      throw withEncoded(error, taken);
    }
  }

  /**
   * Decodes taken items onto `out` (fixed codecs took them there already). If the decoder throws,
   * its first error carries the items decoded in `items` and the ones it could not decode, still
   * encoded, in `encoded`: nothing taken is lost.
   */
  decodeAll(taken: unknown[], out: T[]): T[] {
    if (taken === out) return out;
    let failure: unknown;
    const failed: unknown[] = [];
    for (const raw of taken) {
      try {
        out.push(this.#codec.decode(raw));
      } catch (error) {
        failure ??= error;
        failed.push(raw);
      }
    }
    if (failure !== undefined) throw withEncoded(withItems(failure, out, 0), failed);
    return out;
  }

  /**
   * After a close: takes out everything claimed before the mark, waiting for puts that are still
   * writing (for CLOSE_PATIENCE ms at most: a putter may have died; what it publishes later stays
   * for the getters). A get racing with us may take some of it: each item still goes to one taker.
   */
  discardAll(): T[] {
    const ring = this.#ring;
    const discarded: T[] = [];
    const attempt = new Attempt();
    const giveUp = performance.now() + CLOSE_PATIENCE;
    for (;;) {
      const position = ring.claimGet(ring.capacity, 0, attempt);
      if (position !== NONE) {
        const into = this.#codec.view !== undefined ? discarded : [];
        this.decodeAll(this.#take(position, attempt.claimed, into as unknown[]), discarded);
        continue;
      }
      if (ring.emptied()) break;
      if (performance.now() > giveUp) break;
      // A put claimed the slot at HEAD before the mark and is still writing it.
      Atomics.wait(ring.i32, attempt.at, attempt.seen, 1);
    }
    return discarded;
  }
}
