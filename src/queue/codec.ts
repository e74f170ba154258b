// How items become bytes in a BoundedBuffer slot and back. Fixed-size codecs (int32, float64)
// write straight into typed views; variable-size ones write a length word and then the bytes.
import { ItemTooLargeError } from '../errors.js';
import { describe } from '../internal/validate.js';
import { structuredSerializer } from '../platform/thread.js';

/** A user codec: turns an item into bytes and back. `encode` may throw to refuse an item. */
export interface Codec<T> {
  encode(item: T): Uint8Array;
  /**
   * `bytes` is a copy of the item's slot that nothing overwrites, but in a BoundedBuffer it is a
   * Buffer that shares its ArrayBuffer with other items' copies (as Node's pooled Buffers do):
   * copy it before transferring `bytes.buffer` to another thread.
   */
  decode(bytes: Uint8Array): T;
}

export type CodecName = 'int32' | 'float64' | 'string' | 'json' | 'bytes' | 'structured';

export const CODEC_IDS: Record<CodecName | 'custom', number> = {
  int32: 1,
  float64: 2,
  string: 3,
  json: 4,
  bytes: 5,
  structured: 6,
  custom: 7,
};

export const CODEC_NAMES = Object.keys(CODEC_IDS) as (CodecName | 'custom')[];

/** Bytes of one slot's payload for the fixed codecs; undefined for variable-size ones. */
export function fixedSlotBytes(name: CodecName | 'custom'): number | undefined {
  return name === 'int32' ? 4 : name === 'float64' ? 8 : undefined;
}

/**
 * A codec bound to a buffer's data area. `prepare` validates and encodes an item before any slot
 * is claimed (so a refused item leaves nothing behind); `write` and `read` touch one slot.
 */
export interface SlotCodec<T> {
  /** The typed view of the slots for fixed-size codecs, which read and write it directly. */
  readonly view: Int32Array | Float64Array | undefined;
  prepare(item: T): unknown;
  /** `prepare` for a whole batch: all or nothing. */
  prepareMany(items: readonly T[]): unknown[];
  write(slot: number, prepared: unknown): void;
  /** Copies a slot's content out (fast: the slot is held meanwhile); `decode` finishes the job. */
  take(slot: number): unknown;
  decode(taken: unknown): T;
}

/** Makes the slot codec for `name` over `data` (the slots' bytes), `stride` bytes a slot. */
export function bindCodec<T>(
  name: CodecName | 'custom',
  custom: Codec<T> | undefined,
  data: SharedArrayBuffer,
  dataOffset: number,
  slots: number,
  stride: number,
  slotBytes: number,
): SlotCodec<T> {
  switch (name) {
    case 'int32':
      return new Int32Codec(new Int32Array(data, dataOffset, slots)) as unknown as SlotCodec<T>;
    case 'float64':
      return new Float64Codec(new Float64Array(data, dataOffset, slots)) as unknown as SlotCodec<T>;
    case 'string':
      return new StringCodec(data, dataOffset, slots, stride, slotBytes, false) as unknown as SlotCodec<T>;
    case 'json':
      return new StringCodec(data, dataOffset, slots, stride, slotBytes, true) as unknown as SlotCodec<T>;
    case 'bytes':
      return new BytesCodec<Uint8Array>(data, dataOffset, slots, stride, slotBytes, {
        encode: (item) => {
          if (!(item instanceof Uint8Array)) {
            throw new TypeError(`codec 'bytes' needs a Uint8Array item, got ${describe(item)}`);
          }
          return item;
        },
        decode: (bytes) => bytes,
      }) as unknown as SlotCodec<T>;
    case 'structured':
      // The serializer first: where there is none (a browser), its error is the one to see.
      return new StructuredCodec(
        data,
        dataOffset,
        slots,
        stride,
        slotBytes,
        structuredSerializer(),
      ) as SlotCodec<T>;
    case 'custom':
      return new BytesCodec<T>(data, dataOffset, slots, stride, slotBytes, custom!, true);
  }
}

abstract class BaseCodec<T> {
  abstract prepare(item: T): unknown;
  prepareMany(items: readonly T[]): unknown[] {
    return items.map((item) => this.prepare(item));
  }
}

/** The 'int32' slot codec (exported for the explorer, which runs it over a recorded memory). */
export class Int32Codec extends BaseCodec<number> implements SlotCodec<number> {
  constructor(readonly view: Int32Array) {
    super();
  }
  override prepareMany(items: readonly number[]): unknown[] {
    for (const item of items) this.prepare(item);
    return items as unknown[]; // an int32 is its own encoding
  }
  prepare(item: number): number {
    // -0 passes ((-0 | 0) === -0) and is stored as 0, as Int32Array stores it: everyday
    // arithmetic (Math.round(-0.4)) makes -0.
    if (typeof item !== 'number' || (item | 0) !== item) {
      if (typeof item === 'number' && Number.isInteger(item)) {
        throw new RangeError(
          `codec 'int32' needs an integer from -2147483648 to 2147483647, got ${describe(item)}`,
        );
      }
      throw new TypeError(
        `codec 'int32' needs an integer from -2147483648 to 2147483647, got ${describe(item)}`,
      );
    }
    return item === 0 ? 0 : item;
  }
  write(slot: number, prepared: unknown): void {
    this.view[slot] = prepared as number;
  }
  take(slot: number): number {
    return this.view[slot];
  }
  decode(taken: unknown): number {
    return taken as number;
  }
}

class Float64Codec extends BaseCodec<number> implements SlotCodec<number> {
  constructor(readonly view: Float64Array) {
    super();
  }
  override prepareMany(items: readonly number[]): unknown[] {
    for (const item of items) this.prepare(item);
    return items as unknown[];
  }
  prepare(item: number): number {
    if (typeof item !== 'number')
      throw new TypeError(`codec 'float64' needs a number, got ${describe(item)}`);
    return item;
  }
  write(slot: number, prepared: unknown): void {
    this.view[slot] = prepared as number;
  }
  take(slot: number): number {
    return this.view[slot];
  }
  decode(taken: unknown): number {
    return taken as number;
  }
}

/** Variable-size slots: a length word (Int32) at the slot's start, then up to slotBytes bytes. */
abstract class VariableSlots<T> extends BaseCodec<T> {
  readonly view = undefined;
  protected readonly lengths: Int32Array;
  protected readonly bytes: Buffer;
  constructor(
    data: SharedArrayBuffer,
    dataOffset: number,
    slots: number,
    protected readonly stride: number,
    protected readonly slotBytes: number,
  ) {
    super();
    this.lengths = new Int32Array(data, dataOffset, (slots * stride) / 4);
    this.bytes = Buffer.from(data, dataOffset, slots * stride);
  }
  protected start(slot: number): number {
    return slot * this.stride + 4;
  }
  protected setLength(slot: number, length: number): void {
    this.lengths[(slot * this.stride) / 4] = length;
  }
  protected length(slot: number): number {
    return this.lengths[(slot * this.stride) / 4];
  }
}

/**
 * 'string' stores strings as UTF-8; 'json' stores what JSON.stringify makes of an item and hands
 * back JSON.parse of it, no more: NaN and ±Infinity come back as null, a Date as its ISO string,
 * undefined properties and functions vanish, a Map or Set becomes {}. Use 'structured' to keep them.
 */
class StringCodec extends VariableSlots<unknown> implements SlotCodec<unknown> {
  constructor(
    data: SharedArrayBuffer,
    dataOffset: number,
    slots: number,
    stride: number,
    slotBytes: number,
    private readonly json: boolean,
  ) {
    super(data, dataOffset, slots, stride, slotBytes);
  }
  prepare(item: unknown): string {
    let text: string;
    if (this.json) {
      let encoded: string | undefined;
      try {
        encoded = JSON.stringify(item);
      } catch (error) {
        throw new TypeError(`codec 'json' cannot encode ${describe(item)}: ${(error as Error).message}`);
      }
      if (encoded === undefined) throw new TypeError(`codec 'json' cannot encode ${describe(item)}`);
      text = encoded;
    } else {
      if (typeof item !== 'string')
        throw new TypeError(`codec 'string' needs a string, got ${describe(item)}`);
      text = item;
    }
    // Quick bound first: UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (text.length * 3 > this.slotBytes) {
      const size = Buffer.byteLength(text, 'utf8');
      if (size > this.slotBytes) throw new ItemTooLargeError(size, this.slotBytes, item);
    }
    return text;
  }
  write(slot: number, prepared: unknown): void {
    const written = this.bytes.write(prepared as string, this.start(slot), this.slotBytes, 'utf8');
    this.setLength(slot, written);
  }
  take(slot: number): string {
    const start = this.start(slot);
    return this.bytes.toString('utf8', start, start + this.length(slot));
  }
  decode(taken: unknown): unknown {
    return this.json ? JSON.parse(taken as string) : taken;
  }
}

/** Bytes of a Slab: a copy of a slot is carved from it instead of allocated alone. */
const SLAB_BYTES = 64 * 1024;
/** Up to this many bytes a plain loop copies faster than Buffer's copy() or set() (measured). */
const SMALL_COPY = 64;

/**
 * Copies of slots for a decoder, carved from a private, non-shared Buffer (as Node pools small
 * Buffers), never overwritten once handed out. Decoders read a Buffer over ordinary memory several
 * times faster than a Uint8Array of its own, and far faster than a view of shared memory: msgpackr's
 * native string extractor fails (and throws, once per item) on a SharedArrayBuffer.
 */
class Slab {
  #slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  #used = 0;

  /** A copy of `length` bytes of `from` at `start`, sharing its ArrayBuffer with other copies. */
  copy(from: Buffer, start: number, length: number): Buffer {
    // A detached slab (a decoder transferred a copy's buffer) has length 0: take a new one.
    if (this.#used + length > this.#slab.length) {
      if (length > SLAB_BYTES >> 3) return Buffer.from(from.subarray(start, start + length));
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#used = 0;
    }
    const at = this.#used;
    const slab = this.#slab;
    if (length <= SMALL_COPY) for (let k = 0; k < length; k++) slab[at + k] = from[start + k];
    else slab.set(from.subarray(start, start + length), at);
    this.#used = (at + length + 7) & ~7; // 8-aligned, for decoders that view floats in place
    return slab.subarray(at, at + length);
  }
}

class BytesCodec<T> extends VariableSlots<T> implements SlotCodec<T> {
  /** Where take() copies to for a user codec (undefined for 'bytes', whose items keep exact copies). */
  readonly #slab: Slab | undefined;
  constructor(
    data: SharedArrayBuffer,
    dataOffset: number,
    slots: number,
    stride: number,
    slotBytes: number,
    private readonly codec: Codec<T>,
    pooled = false,
  ) {
    super(data, dataOffset, slots, stride, slotBytes);
    this.#slab = pooled ? new Slab() : undefined;
  }
  prepare(item: T): Uint8Array {
    const encoded = this.codec.encode(item);
    if (!(encoded instanceof Uint8Array)) {
      throw new TypeError(`codec encode() must return a Uint8Array, got ${describe(encoded)}`);
    }
    if (encoded.byteLength > this.slotBytes)
      throw new ItemTooLargeError(encoded.byteLength, this.slotBytes, item);
    return encoded;
  }
  write(slot: number, prepared: unknown): void {
    const encoded = prepared as Uint8Array;
    this.bytes.set(encoded, this.start(slot));
    this.setLength(slot, encoded.byteLength);
  }
  take(slot: number): Uint8Array {
    const start = this.start(slot);
    // Copy out: the slot is reused as soon as it is released.
    if (this.#slab !== undefined) return this.#slab.copy(this.bytes, start, this.length(slot));
    return new Uint8Array(this.bytes.subarray(start, start + this.length(slot)));
  }
  decode(taken: unknown): T {
    return this.codec.decode(taken as Uint8Array);
  }
}

/** The first byte of everything v8.serialize writes (its version tag); UTF-8 text never holds it. */
const V8_TAG = 0xff;
/** Plain data deeper than this, or arrays longer, go through v8.serialize. */
const PLAIN_DEPTH = 32;
const PLAIN_ARRAY = 64;
/** The objects met while testing one item (cleared after each). */
const met = new Set<object>();

/**
 * True if JSON.parse(JSON.stringify(value)) gives what structured cloning gives: the value is
 * built only of strings, booleans, null, finite numbers other than -0, plain objects (prototype
 * Object.prototype or null) and short dense arrays without extra properties, and reaches no
 * object twice (structured cloning keeps shared references and cycles; JSON does not).
 */
function plainTree(value: unknown): boolean {
  try {
    return plain(value, 0);
  } finally {
    met.clear();
  }
}

function plain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && (value !== 0 || 1 / value > 0);
    case 'object': {
      if (value === null) return true;
      if (depth >= PLAIN_DEPTH || met.has(value)) return false;
      met.add(value);
      const prototype = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        const length = value.length;
        if (prototype !== Array.prototype || length > PLAIN_ARRAY) return false;
        for (let i = 0; i < length; i++) {
          if (!(i in value) || !plain(value[i], depth + 1)) return false;
        }
        return Object.keys(value).length === length;
      }
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) {
        if (!plain((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false; // undefined, bigint, symbol, function
  }
}

/**
 * 'structured': what Node's structured serializer (node:v8) keeps, as postMessage does. Plain
 * data (plainTree) is stored as JSON text, which encodes and decodes several times faster than
 * v8.serialize and deserialize for small items and comes back the same; anything else (undefined,
 * NaN, -0, Date, Map, typed arrays, class instances, shared references…) as v8.serialize's bytes.
 * A slot tells them apart by its first byte (V8_TAG). A getter in a plain object runs twice on
 * the JSON path (once to test the value, once to encode it).
 */
class StructuredCodec extends VariableSlots<unknown> implements SlotCodec<unknown> {
  readonly #v8: Codec<unknown>;
  constructor(
    data: SharedArrayBuffer,
    dataOffset: number,
    slots: number,
    stride: number,
    slotBytes: number,
    v8: Codec<unknown>,
  ) {
    super(data, dataOffset, slots, stride, slotBytes);
    this.#v8 = v8;
  }

  prepare(item: unknown): string | Uint8Array {
    if (plainTree(item)) {
      const text = JSON.stringify(item);
      if (text.length * 3 > this.slotBytes) {
        const size = Buffer.byteLength(text, 'utf8');
        if (size > this.slotBytes) throw new ItemTooLargeError(size, this.slotBytes, item);
      }
      return text;
    }
    const encoded = this.#v8.encode(item);
    if (encoded.byteLength > this.slotBytes)
      throw new ItemTooLargeError(encoded.byteLength, this.slotBytes, item);
    return encoded;
  }
  write(slot: number, prepared: unknown): void {
    const start = this.start(slot);
    if (typeof prepared === 'string') {
      this.setLength(slot, this.bytes.write(prepared, start, this.slotBytes, 'utf8'));
    } else {
      this.bytes.set(prepared as Uint8Array, start);
      this.setLength(slot, (prepared as Uint8Array).byteLength);
    }
  }
  take(slot: number): string | Uint8Array {
    const start = this.start(slot);
    const end = start + this.length(slot);
    // Copy out (a string, or bytes): the slot is reused as soon as it is released.
    if (this.bytes[start] === V8_TAG) return new Uint8Array(this.bytes.subarray(start, end));
    return this.bytes.toString('utf8', start, end);
  }
  /** Decodes what take() copied out, or a stored item's bytes (RedisBuffer). */
  decode(taken: unknown): unknown {
    if (typeof taken === 'string') return JSON.parse(taken);
    const bytes = taken as Uint8Array;
    if (bytes[0] === V8_TAG) return this.#v8.decode(bytes);
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  }
}
