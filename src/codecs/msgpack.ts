// The recommended codec for objects: MessagePack through msgpackr, an optional peer dependency.
// It lives behind its own entry point ('conveyor/msgpack'), so users who never import it never
// load msgpackr.
import { Packr, Unpackr } from 'msgpackr';
import { checkOptions, describe } from '../internal/validate.js';
import type { Codec } from '../queue/codec.js';

export interface MsgpackOptions {
  /**
   * msgpackr's record extension (default false). Records make repeated shapes smaller, but each
   * item must carry its shapes' definitions (the other thread has no shared `structures`), which
   * made them slower than plain maps for small objects when measured; off, items are standard
   * MessagePack maps that any decoder reads.
   */
  useRecords?: boolean;
  /** Decode MessagePack maps as JS Maps instead of plain objects (default false). */
  mapsAsMaps?: boolean;
}

/**
 * A codec for `new BoundedBuffer({ codec: msgpack() })`: objects, arrays, strings, numbers,
 * bigints, Dates, Sets, typed arrays and Errors, as MessagePack. A JS Map and a plain object are
 * both MessagePack maps: they decode as plain objects, or all as Maps with `mapsAsMaps`; -0 decodes
 * as 0. Give the same codec to
 * `BoundedBuffer.from(handle, { codec: msgpack() })` in the other thread.
 */
export function msgpack<T = unknown>(options?: MsgpackOptions): Codec<T> {
  const { useRecords = false, mapsAsMaps = false } = checkOptions(options);
  for (const [name, value] of [
    ['useRecords', useRecords],
    ['mapsAsMaps', mapsAsMaps],
  ] as const) {
    if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  }
  const settings = { useRecords, mapsAsObjects: !mapsAsMaps, moreTypes: true };
  const packr = new Packr(settings);
  // copyBuffers: binary data decodes as its own copy, never a view of the bytes handed to decode
  // (which share their memory with other items' bytes: see Codec.decode).
  const unpackr = new Unpackr({ ...settings, copyBuffers: true });
  // A BoundedBuffer hands decode() copies carved from one larger Buffer (codec.ts, Slab). msgpackr
  // reads a source through a DataView it caches on the source object, so each new view costs a
  // DataView and a new property; reading the whole Buffer from `start` to `end` reuses one.
  let whole: Buffer | undefined;
  const range = { start: 0, end: 0 };
  return {
    // pack() returns a view into a block that later calls do not overwrite (a new block is taken
    // when one fills), so a batch's encoded items stay valid until they are copied into slots.
    encode: (item: T) => packr.pack(item),
    decode: (bytes: Uint8Array) => {
      const buffer = bytes.buffer;
      if (buffer instanceof SharedArrayBuffer) return unpackr.unpack(bytes) as T;
      if (whole?.buffer !== buffer) whole = Buffer.from(buffer);
      range.start = bytes.byteOffset;
      range.end = bytes.byteOffset + bytes.byteLength;
      return unpackr.unpack(whole, range) as T;
    },
  };
}
