// How RedisBuffer turns items into Redis values and back, reusing the queue codecs' checks and
// size limit (codec.ts). A value that cannot be decoded throws ItemDecodeError, never crashes.

import { ItemTooLargeError } from '../errors.js';
import { describe } from '../internal/validate.js';
import { bindCodec, CODEC_NAMES, type Codec, type CodecName } from '../queue/codec.js';
import { ItemDecodeError } from './errors.js';

export interface ItemCodec<T> {
  /** 'custom' for a user codec. */
  readonly name: CodecName | 'custom';
  /** Checks and encodes; throws (TypeError, ItemTooLargeError) before anything is sent. */
  encode(item: T): string | Buffer;
  /** Decodes a stored value; throws ItemDecodeError or ItemTooLargeError for a bad one. */
  decode(id: string, value: Buffer | null): T;
  /** Decodes bytes[start, end) without copying them; `id()` names the item in an error. */
  decodeRange(id: () => string, bytes: Buffer, start: number, end: number): T;
}

/** Resolves the `codec` option: a built-in name (default 'json') or a user `{ encode, decode }`. */
export function itemCodec<T>(codec: CodecName | Codec<T> | undefined, slotBytes: number): ItemCodec<T> {
  let name: CodecName | 'custom';
  let custom: Codec<T> | undefined;
  if (codec === undefined) name = 'json';
  else if (typeof codec === 'string' && (codec as string) !== 'custom' && CODEC_NAMES.includes(codec))
    name = codec;
  else if (
    typeof codec === 'object' &&
    codec !== null &&
    typeof codec.encode === 'function' &&
    typeof codec.decode === 'function'
  ) {
    name = 'custom';
    custom = codec;
  } else {
    throw new TypeError(
      `codec must be one of ${CODEC_NAMES.filter((n) => n !== 'custom').join(', ')} or { encode, decode }, got ${describe(codec)}`,
    );
  }
  // The slot codec is used only for its checks (prepare) and decoding: no slot is ever written.
  const slots = bindCodec<T>(name, custom, new SharedArrayBuffer(16), 0, 1, 8, slotBytes);
  const text = name === 'int32' || name === 'float64' || name === 'string' || name === 'json';
  return {
    name,
    encode(item: T): string | Buffer {
      const prepared = slots.prepare(item);
      if (typeof prepared === 'number') return Object.is(prepared, -0) ? '-0' : String(prepared);
      if (typeof prepared === 'string') return prepared;
      const bytes = prepared as Uint8Array;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    decode(id: string, value: Buffer | null): T {
      if (value === null) throw new ItemDecodeError(id, 'its payload is missing');
      return this.decodeRange(() => id, value, 0, value.byteLength);
    },
    decodeRange(id: () => string, bytes: Buffer, start: number, end: number): T {
      if (end - start > slotBytes) throw new ItemTooLargeError(end - start, slotBytes, undefined);
      if (!text) {
        try {
          return slots.decode(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start));
        } catch (error) {
          throw new ItemDecodeError(id(), (error as Error).message);
        }
      }
      const string = bytes.toString('utf8', start, end);
      if (name === 'string') return string as T;
      if (name === 'json') {
        try {
          return JSON.parse(string) as T;
        } catch (error) {
          throw new ItemDecodeError(id(), `not JSON (${(error as Error).message})`);
        }
      }
      const number = Number(string);
      const valid =
        name === 'int32'
          ? (number | 0) === number && string === (Object.is(number, -0) ? '-0' : String(number))
          : string.length > 0 && (!Number.isNaN(number) || string === 'NaN');
      if (!valid) throw new ItemDecodeError(id(), `not a ${name}: ${describe(string)}`);
      return number as T;
    },
  };
}
