// One putMany call's body, for both forms (blocking and Promise) and both kinds of items (a list
// encoded through the codec, transfer.ts, or a typed array copied whole, typed-batch.ts): the items
// go in chunks of up to `capacity`, each claimed and published whole by one attempt. A plain object
// rather than a generator run two ways: the generator made putManySync of 256 items about 50%
// slower (single-thread, CPU time). Like the attempts it makes, it never waits; its caller does.

import { NOT_YET } from '../../sync/wait/outcomes.js';
import type { Attempt } from '../../sync/wait/word.js';
import { withItems } from './failures.js';
import { CLOSED } from './ring.js';

/** putMany's answer when every item is in. */
export const ALL_IN: unique symbol = Symbol('all in');

/** What puts one chunk: Transfer (prepared items) or TypedBatch (a typed array). */
export interface ChunkPutter<D> {
  /** Claims n slots, writes data[from, from + n) and publishes them: a position, CLOSED or NOT_YET. */
  putChunk(data: D, from: number, n: number, attempt: Attempt | undefined): number | typeof NOT_YET;
}

export class PutManyBatch<D> {
  /** The items as given, for the errors: slice(done) is what was not put (a typed array for typed batches). */
  readonly list: unknown[];
  /** Items put so far (whole chunks). */
  done = 0;
  readonly #putter: ChunkPutter<D>;
  readonly #data: D;
  readonly #capacity: number;

  constructor(putter: ChunkPutter<D>, data: D, list: unknown[], capacity: number) {
    this.#putter = putter;
    this.#data = data;
    this.list = list;
    this.#capacity = capacity;
  }

  /** Puts chunks: ALL_IN, CLOSED, or NOT_YET when the next chunk must wait for room. */
  advance(): typeof ALL_IN | typeof CLOSED | typeof NOT_YET {
    while (this.done < this.list.length) {
      const result = this.retry(undefined);
      if (result === NOT_YET || result === CLOSED) return result;
    }
    return ALL_IN;
  }

  /** One attempt at the next chunk: its position (and `done` moves on), CLOSED or NOT_YET. */
  readonly retry = (attempt: Attempt | undefined): number | typeof NOT_YET => {
    const n = Math.min(this.#capacity, this.list.length - this.done);
    const result = this.#putter.putChunk(this.#data, this.done, n, attempt);
    if (result !== NOT_YET && result !== CLOSED) this.done += n;
    return result;
  };

  /** Attaches the items not put to a timeout or abort error, and throws it. */
  readonly failed = (error: unknown): never => {
    throw withItems(error, this.list, this.done);
  };
}
