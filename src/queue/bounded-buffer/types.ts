// BoundedBuffer's public types: its constructor's options and overloads (the codec decides the
// item type), its handle, and getMany's options for filling a typed array.

import type { SharedHandle } from '../../sync/shared-header.js';
import type { WaitOptions } from '../../sync/wait/deadline.js';
import type { BoundedBuffer } from '../bounded-buffer.js';
import type { Codec, CodecName } from '../codec.js';

export interface BoundedBufferOptions<T> {
  /** Slots in the ring: an integer from 1 to 1048576. */
  capacity: number;
  /** How items are stored: a built-in codec's name (default 'int32') or `{ encode, decode }`. */
  codec?: CodecName | Codec<T>;
  /** Largest encoded item for the variable-size codecs (default 512 bytes). */
  slotBytes?: number;
  /**
   * `producers: 1, consumers: 1` (both, or neither) makes the buffer a lane: one view puts and one
   * gets, and every batch is published and freed whole with one atomic step each (docs/lane.md).
   * A second view that puts (gets) is refused with LaneRoleError. Left out: any number of each.
   */
  producers?: 1;
  consumers?: 1;
}

/** A JSON value: what the 'json' codec hands back when no item type is given. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The options every codec takes. */
interface SizeOptions {
  capacity: number;
  slotBytes?: number;
  /** Both 1: a one-producer, one-consumer lane (see BoundedBufferOptions). */
  producers?: 1;
  consumers?: 1;
}

/**
 * `new BoundedBuffer(options)`: the codec decides the item type, so a mismatch is a compile error
 * (`new BoundedBuffer<string>({ capacity: 4 })` does not compile: int32 stores numbers).
 *   int32 (default), float64 → number; string → string; bytes → Uint8Array;
 *   json → your T (default JsonValue; JSON.stringify decides what survives: see codec.ts);
 *   structured → your T (default unknown); a custom `{ encode, decode }` → its T.
 */
export interface BoundedBufferConstructor {
  new <T extends number = number>(options: SizeOptions & { codec?: 'int32' | 'float64' }): BoundedBuffer<T>;
  new <T extends string = string>(options: SizeOptions & { codec: 'string' }): BoundedBuffer<T>;
  new <T extends Uint8Array = Uint8Array>(options: SizeOptions & { codec: 'bytes' }): BoundedBuffer<T>;
  new <T = JsonValue>(options: SizeOptions & { codec: 'json' }): BoundedBuffer<T>;
  new <T = unknown>(options: SizeOptions & { codec: 'structured' }): BoundedBuffer<T>;
  new <T>(options: SizeOptions & { codec: Codec<T> }): BoundedBuffer<T>;
  /** A codec chosen at run time: the item type is then unknown. */
  new (options: SizeOptions & { codec: CodecName }): BoundedBuffer<unknown>;
  /**
   * Opens, in this thread, the buffer whose `.handle` was passed here. Built-in codecs travel in
   * the handle; a custom codec must be given again as `options.codec`.
   */
  from<T = number>(handle: BoundedBufferHandle, options?: { codec?: Codec<T> }): BoundedBuffer<T>;
  readonly prototype: BoundedBuffer<unknown>;
}

/** getMany's options for filling a typed array: `into` is an Int32Array (codec 'int32') or Float64Array ('float64'). */
export interface GetManyIntoOptions extends WaitOptions {
  into: Int32Array | Float64Array;
}

export interface BoundedBufferHandle extends SharedHandle {
  readonly kind: 'BoundedBuffer';
}
