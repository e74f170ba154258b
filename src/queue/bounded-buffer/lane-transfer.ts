// Moving items into and out of a lane's slots (lane.ts): Transfer's and TypedBatch's attempts,
// made with the lane's whole-batch publish and free instead of the ring's stamps. Each attempt
// asks the lane for room (or items), copies, and publishes (or frees) in one synchronous stretch,
// and never waits (sync/wait/word.ts does). Encoding, decoding and the errors are Transfer's.
//
// Invariant: between lane.room() and lane.publish() (lane.ready() and lane.free()) nothing but the
// copy runs, so a second call in this thread (a Promise put queued behind this one) never sees a
// half-made batch.

import { NOT_YET } from '../../sync/wait/outcomes.js';
import type { Attempt } from '../../sync/wait/word.js';
import type { SlotCodec } from '../codec.js';
import type { Lane } from './lane.js';
import { CLOSED, NONE } from './ring.js';
import { DRAINED, Transfer } from './transfer.js';
import { TypedBatch, type TypedItems } from './typed-batch.js';

/** Transfer's attempts on a lane: items through the codec, one or a list at a time. */
export class LaneTransfer<T> extends Transfer<T> {
  readonly #lane: Lane;
  readonly #codec: SlotCodec<T>;
  readonly #mask: number;

  constructor(lane: Lane, codec: SlotCodec<T>) {
    super(lane, codec);
    this.#lane = lane;
    this.#codec = codec;
    this.#mask = lane.oneLap - 1;
  }

  override putOne(
    prepared: unknown,
    _patience: number,
    attempt: Attempt | undefined,
  ): number | typeof NOT_YET {
    const lane = this.#lane;
    const position = lane.room(1, attempt);
    if (position === NONE) return NOT_YET;
    if (position === CLOSED) return CLOSED;
    this.#codec.write(position & this.#mask, prepared);
    return lane.publish(position, 1);
  }

  override putChunk(
    prepared: unknown[],
    from: number,
    n: number,
    attempt: Attempt | undefined,
  ): number | typeof NOT_YET {
    const lane = this.#lane;
    const position = lane.room(n, attempt);
    if (position === NONE) return NOT_YET;
    if (position === CLOSED) return CLOSED;
    const capacity = lane.capacity;
    const view = this.#codec.view;
    let slot = position & this.#mask;
    for (let k = 0; k < n; k++) {
      if (view !== undefined) view[slot] = prepared[from + k] as number;
      else this.#codec.write(slot, prepared[from + k]);
      if (++slot === capacity) slot = 0;
    }
    return lane.publish(position, n);
  }

  override getOne(_patience: number, attempt: Attempt | undefined): unknown {
    const lane = this.#lane;
    const position = lane.ready(1, attempt);
    if (position === NONE) return NOT_YET;
    if (position === CLOSED) return DRAINED;
    const taken = this.#codec.take(position & this.#mask);
    lane.free(position, 1);
    return taken;
  }

  override getMany(max: number, out: T[], attempt: Attempt): unknown[] | typeof DRAINED | typeof NOT_YET {
    const lane = this.#lane;
    const position = lane.ready(max, attempt);
    if (position === NONE) return NOT_YET;
    if (position === CLOSED) return DRAINED;
    return this.#take(position, lane.claimed, this.#codec.view !== undefined ? (out as unknown[]) : []);
  }

  /** Copies the n items from `position` onto `taken` (undecoded), then frees their slots. */
  #take(position: number, n: number, taken: unknown[]): unknown[] {
    const capacity = this.#lane.capacity;
    const view = this.#codec.view;
    let slot = position & this.#mask;
    for (let k = 0; k < n; k++) {
      taken.push(view !== undefined ? view[slot] : this.#codec.take(slot));
      if (++slot === capacity) slot = 0;
    }
    this.#lane.free(position, n);
    return taken;
  }

  /**
   * After a close: takes out every published item, through the consumer side (this view's, or
   * borrowed while it is free). Puts cannot publish after the close mark, so nothing is left
   * behind. If another view holds the consumer side, takes nothing: that consumer drains them.
   */
  override discardAll(): T[] {
    const lane = this.#lane;
    const side = lane.borrowConsumer();
    if (side === 'elsewhere') return [];
    const discarded: T[] = [];
    try {
      for (;;) {
        const position = lane.ready(lane.capacity, undefined);
        if (position === NONE || position === CLOSED) break;
        const into = this.#codec.view !== undefined ? discarded : [];
        this.decodeAll(this.#take(position, lane.claimed, into as unknown[]), discarded);
      }
    } finally {
      if (side === 'borrowed') lane.giveBackConsumer();
    }
    return discarded;
  }
}

/** TypedBatch's attempts on a lane: a typed array copied in or out with TypedArray.set (two at the wrap). */
export class LaneTypedBatch extends TypedBatch {
  readonly #lane: Lane;
  readonly #view: TypedItems;

  constructor(lane: Lane, view: TypedItems) {
    super(lane, view);
    this.#lane = lane;
    this.#view = view;
  }

  override putChunk(
    items: TypedItems,
    from: number,
    n: number,
    attempt: Attempt | undefined,
  ): number | typeof NOT_YET {
    const lane = this.#lane;
    const position = lane.room(n, attempt);
    if (position === NONE) return NOT_YET;
    if (position === CLOSED) return CLOSED;
    const slot = position & (lane.oneLap - 1);
    const first = Math.min(n, lane.capacity - slot);
    const view = this.#view;
    view.set(items.subarray(from, from + first), slot);
    if (first < n) view.set(items.subarray(from + first, from + n), 0);
    return lane.publish(position, n);
  }

  override get(
    into: TypedItems,
    offset: number,
    max: number,
    attempt: Attempt,
  ): number | typeof DRAINED | typeof NOT_YET {
    const lane = this.#lane;
    const position = lane.ready(max, attempt);
    if (position === NONE) return NOT_YET;
    if (position === CLOSED) return DRAINED;
    const n = lane.claimed;
    const slot = position & (lane.oneLap - 1);
    const first = Math.min(n, lane.capacity - slot);
    const view = this.#view;
    into.set(view.subarray(slot, slot + first), offset);
    if (first < n) into.set(view.subarray(0, n - first), offset + first);
    lane.free(position, n);
    return n;
  }
}
