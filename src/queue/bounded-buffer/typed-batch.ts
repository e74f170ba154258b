// Typed batches for the fixed-size codecs: putMany of an Int32Array (codec 'int32') or a
// Float64Array (codec 'float64'), and getMany into one. The claims, the stamps, the sleeping and
// the dead-thread records are the ring's (ring.ts), exactly as for a batch of plain numbers; only
// the copy differs: one TypedArray.set per run of consecutive slots (two at the wrap) instead of
// a store per item, no check per item (every element of the typed array fits the codec), and no
// array of numbers on either side. Like transfer.ts, each attempt claims, copies and publishes (or
// frees) in one synchronous stretch, and never waits.

import { NOT_YET } from '../../sync/wait/outcomes.js';
import type { Attempt } from '../../sync/wait/word.js';
import { CLOSED, NONE, type Ring } from './ring.js';
import { DRAINED } from './transfer.js';

/** The typed arrays a typed batch takes: the codec's own element type. */
export type TypedItems = Int32Array | Float64Array;

export class TypedBatch {
  readonly #ring: Ring;
  /** The slots, as the codec's typed view. */
  readonly #view: TypedItems;

  constructor(ring: Ring, view: TypedItems) {
    this.#ring = ring;
    this.#view = view;
  }

  /** Whether `items` is a typed array of this buffer's element type. */
  accepts(items: unknown): items is TypedItems {
    return this.#view instanceof Int32Array ? items instanceof Int32Array : items instanceof Float64Array;
  }

  /**
   * Claims n slots at TAIL in one CAS, copies items[from, from + n) in, and publishes them as one
   * run: the first position, CLOSED, or NOT_YET (not all n slots are free; `attempt` says where
   * to sleep).
   */
  putChunk(
    items: TypedItems,
    from: number,
    n: number,
    attempt: Attempt | undefined,
  ): number | typeof NOT_YET {
    const ring = this.#ring;
    const position = ring.claimPut(n, 0, attempt);
    if (position === NONE) return NOT_YET;
    if (position === CLOSED) return CLOSED;
    const slot = position & (ring.oneLap - 1);
    const first = Math.min(n, ring.capacity - slot);
    const view = this.#view;
    view.set(items.subarray(from, from + first), slot);
    if (first < n) view.set(items.subarray(from + first, from + n), 0);
    ring.publishRun(position, n); // publish the batch to getters
    return position;
  }

  /**
   * Claims up to `max` filled slots at HEAD in one CAS, copies them into into[offset…] and frees
   * them as one run: how many, DRAINED (closed and every item got), or NOT_YET (empty).
   */
  get(
    into: TypedItems,
    offset: number,
    max: number,
    attempt: Attempt,
  ): number | typeof DRAINED | typeof NOT_YET {
    const ring = this.#ring;
    const position = ring.claimGet(max, 0, attempt);
    if (position === NONE) return ring.drained() ? DRAINED : NOT_YET;
    const n = attempt.claimed;
    const slot = position & (ring.oneLap - 1);
    const first = Math.min(n, ring.capacity - slot);
    const view = this.#view;
    into.set(view.subarray(slot, slot + first), offset);
    if (first < n) into.set(view.subarray(0, n - first), offset + first);
    ring.freeRun(position, n); // publish: free for the next lap
    return n;
  }
}
