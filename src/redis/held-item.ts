// An item a RedisBuffer handle took under a lease: the Lease object a get returns. Settling it
// (ack, release) is its handle's business; the item only knows its lease and its place in it.
import { type Entry, entryAttempt, entryId, payloadStart } from './entries.js';
import { ItemDecodeError } from './errors.js';
import type { ItemCodec } from './item-codec.js';
import type { HeldLease } from './leases.js';
import type { Lease } from './options.js';

/** What a HeldItem asks its RedisBuffer to do. */
export interface Settler {
  ack(item: HeldItem<unknown>): Promise<boolean>;
  release(item: HeldItem<unknown>): Promise<boolean>;
}

/**
 * An item taken under a lease: its value and its place in the lease of the get call that took it.
 * Its id is read from the reply only when asked for.
 */
export class HeldItem<T> implements Lease<T> {
  #id: string | undefined;

  constructor(
    readonly value: T,
    readonly attempt: number,
    readonly lease: HeldLease,
    readonly place: number,
    readonly owner: Settler,
    /** The GET reply and where this item's entry starts in it. */
    private readonly reply: Buffer,
    private readonly at: number,
  ) {}

  get id(): string {
    this.#id ??= entryId(this.reply, this.at);
    return this.#id;
  }

  ack(): Promise<boolean> {
    return this.owner.ack(this);
  }

  /** What JSON.stringify shows: the item, not the reply it came in. */
  toJSON(): { id: string; value: T; attempt: number } {
    return { id: this.id, value: this.value, attempt: this.attempt };
  }

  release(): Promise<boolean> {
    return this.owner.release(this);
  }
}

/**
 * The items of a GET reply (entries starting at `starts`, one lease), decoded in place; those that
 * cannot be decoded are returned as `bad`, with the reason, for the caller to dead-letter.
 */
export function decodeLease<T>(
  codec: ItemCodec<T>,
  blob: Buffer,
  starts: readonly number[],
  lease: HeldLease,
  owner: Settler,
): { items: HeldItem<T>[]; bad: { place: number; entry: Entry; reason: string }[] } {
  const items: HeldItem<T>[] = [];
  const bad: { place: number; entry: Entry; reason: string }[] = [];
  for (let place = 0; place < lease.size; place++) {
    const at = starts[place];
    const attempt = entryAttempt(blob, at);
    try {
      const value = codec.decodeRange(
        () => entryId(blob, at),
        blob,
        payloadStart(blob, at),
        starts[place + 1],
      );
      items.push(new HeldItem(value, attempt, lease, place, owner, blob, at));
    } catch (error) {
      const id = entryId(blob, at);
      const message = (error as Error).message;
      const reason = error instanceof ItemDecodeError ? message : `item ${id}: ${message}`;
      const payload = blob.subarray(payloadStart(blob, at), starts[place + 1]);
      bad.push({ place, entry: { id, attempt, payload }, reason });
    }
  }
  return { items, bad };
}
