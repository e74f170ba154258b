// Putting into a RedisBuffer: items become entries with ids and go to Redis in chunks of at most
// the capacity, each chunk all or nothing, waiting (wake.ts) while the queue is full.
//
// Invariants: a put is identified by the id of its first item; a script call resent after a
// dropped connection finds that id and reports the put done instead of doing it twice. A put that
// ends by timeout or abort ends only after its waiter was withdrawn (PASS): it never appears later.
import { QueueClosedError } from '../errors.js';
import { Deadline, type WaitOptions } from '../sync/wait/deadline.js';
import { packNumbered } from './entries.js';
import type { ItemCodec } from './item-codec.js';
import type { Waiter, WakeHub } from './wake.js';

/** Most items one script call moves (Lua's stack bounds the arguments of one command). */
export const MAX_BATCH = 1000;
/** How long a put's id is remembered, so a resent put is not done twice. */
const DEDUPE_MS = 10 * 60_000;

/** What a Putter needs from its RedisBuffer handle. */
export interface PutPort<T> {
  readonly handle: string;
  readonly capacity: number;
  readonly codec: ItemCodec<T>;
  readonly hub: WakeHub;
  /** Runs the PUT script (keys and prefix added). */
  put(...args: (string | number | Buffer)[]): Promise<unknown>;
  /** Waits for a wake token; on timeout or abort withdraws the waiter and throws. */
  wait(waiter: Waiter, deadline: Deadline, what: string): Promise<void>;
  /** Called when the server says the queue is closed. */
  closed(): void;
}

export class Putter<T> {
  /** Sequence number of the next item this handle puts (its id is `handle-seq`). */
  #next = 0;

  constructor(private readonly port: PutPort<T>) {}

  async put(item: T, options?: WaitOptions): Promise<void> {
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    const encoded = this.port.codec.encode(item);
    const done = await this.#send([encoded], deadline);
    if (!done) throw new QueueClosedError('put on a closed queue', { item });
  }

  async tryPut(item: T): Promise<boolean> {
    const encoded = this.port.codec.encode(item);
    const result = await this.#send([encoded], new Deadline({ timeout: 0 }), true);
    if (result === false) throw new QueueClosedError('tryPut on a closed queue', { item });
    return result === true;
  }

  async putMany(items: Iterable<T>, options?: WaitOptions): Promise<void> {
    const deadline = new Deadline(options);
    const all = [...items];
    deadline.throwIfAborted();
    const codec = this.port.codec;
    const encoded = all.map((item) => codec.encode(item)); // all checked before any is sent
    const chunk = Math.min(this.port.capacity, MAX_BATCH);
    for (let start = 0; start < all.length; start += chunk) {
      try {
        const done = await this.#send(encoded.slice(start, start + chunk), deadline);
        if (!done) throw new QueueClosedError('putMany on a closed queue', { items: all.slice(start) });
      } catch (error) {
        if (error instanceof QueueClosedError) throw error;
        if (error instanceof Error && start > 0) Object.assign(error, { items: all.slice(start) });
        throw error;
      }
    }
  }

  /**
   * Puts a batch (at most the capacity) all or nothing. True when put, false when the queue is
   * closed; with `tryOnly`, 'full' instead of waiting.
   */
  async #send(batch: (string | Buffer)[], deadline: Deadline, tryOnly = false): Promise<boolean | 'full'> {
    const { handle, hub } = this.port;
    const first = this.#next;
    this.#next += batch.length;
    const { entries, firstId } = packNumbered(`${handle}-`, first, batch);
    const waits = !tryOnly && deadline.timeout !== 0;
    const waiter = waits ? hub.waiter('pw', batch.length) : undefined;
    let retry = '0';
    try {
      for (;;) {
        const result = (await this.port.put(
          waiter?.entry ?? '',
          retry,
          DEDUPE_MS,
          firstId,
          entries,
        )) as number;
        if (result === 1 || result === 2) return true;
        if (result === -1) {
          this.port.closed();
          return false;
        }
        if (tryOnly) return 'full';
        if (waiter === undefined) throw deadline.timeoutError('put');
        await this.port.wait(waiter, deadline, 'put');
        retry = '1';
      }
    } finally {
      if (waiter !== undefined) hub.remove(waiter);
    }
  }
}
