// BoundedBuffer's shared memory: where each word lives, how big a buffer is, and the checks that
// let `BoundedBuffer.from(handle)` open only memory that a BoundedBuffer laid out.
//
//   words 0..1    header (shared-header.ts)          written once, before the memory is shared
//   words 2..5    CAPACITY, SLOT_BYTES, CODEC, ONE_LAP   written once, before the memory is shared
//   word 16       TAIL  (own 64-byte line)           see ring.ts
//   word 32       HEAD  (own 64-byte line)           see ring.ts
//   word 48       DONE                               see tasks.ts
//   word 56       TOMBSTONES                         see dead-threads.ts
//   words 64..    the intents table (sync/intents.ts), one 64-byte line per entry
//   STAMPS..      one stamp per slot                 see ring.ts
//   dataOffset..  the slots' bytes, `stride` bytes a slot (codec.ts), 64-byte aligned

import { PlatformError } from '../../errors.js';
import { checkInteger, describe } from '../../internal/validate.js';
import { sharedMemory } from '../../platform/thread.js';
import { INTENTS_WORDS } from '../../sync/intents.js';
import { HEADER_WORDS, KIND_BOUNDED_BUFFER, openHandle, writeHeader } from '../../sync/shared-header.js';
import { CODEC_IDS, CODEC_NAMES, type Codec, type CodecName, fixedSlotBytes } from '../codec.js';

export const MAX_CAPACITY = 1 << 20;
export const MAX_SLOT_BYTES = 1 << 24;
const DEFAULT_SLOT_BYTES = 512;

// Word offsets. Written once, before the memory is shared: CAPACITY, SLOT_BYTES, CODEC, ONE_LAP.
const CAPACITY = HEADER_WORDS;
const SLOT_BYTES = HEADER_WORDS + 1;
const CODEC = HEADER_WORDS + 2;
const ONE_LAP = HEADER_WORDS + 3;
// Hot words each get a 64-byte line of their own.
/** Next position to put, plus the CLOSED mark in bit 31; claimed by puts (CAS), marked by close (or). */
export const TAIL = 16;
/** Next position to get; claimed by gets (CAS). */
export const HEAD = 32;
/** taskDone() calls (and items discarded by close) so far, modulo the period; CAS by both. */
export const DONE = 48;
/** TOMBSTONE entries not yet skipped: added by recover(), taken away by the getter that skips one. */
export const TOMBSTONES = 56;
/** The intents table (sync/intents.ts): who is claiming what, for recover(). */
export const INTENTS_AT = 64;
/**
 * stamp[i] at STAMPS + i. Its position bits are written (exchange) only by the thread that
 * claimed slot i's current position; its WAITING bit is set (CAS) by sleepers and cleared by the
 * next exchange, or by close.
 */
export const STAMPS = INTENTS_AT + INTENTS_WORDS;

/** Bit 31 of TAIL: the buffer is closed. Positions use the other 31 bits. */
export const CLOSED_MARK = 1 << 31;
export const POSITION_MASK = 0x7fffffff;

/** The numbers that fix a buffer's memory, recorded in its first words. */
export interface Layout {
  readonly capacity: number;
  readonly slotBytes: number;
  readonly codecName: CodecName | 'custom';
  /** The power of two above capacity: a position is lap * oneLap + index. */
  readonly oneLap: number;
  /** Bytes of one slot in the data area. */
  readonly stride: number;
  readonly dataOffset: number;
  readonly bytes: number;
}

export function layoutOf(capacity: number, codecName: CodecName | 'custom', slotBytes: number): Layout {
  const fixed = fixedSlotBytes(codecName);
  const stride = fixed ?? (4 + slotBytes + 7) & ~7; // length word + payload, 8-aligned
  const dataOffset = ((STAMPS + capacity) * 4 + 63) & ~63;
  let oneLap = 1;
  while (oneLap <= capacity) oneLap *= 2;
  return {
    capacity,
    slotBytes: fixed ?? slotBytes,
    codecName,
    oneLap,
    stride,
    dataOffset,
    bytes: dataOffset + capacity * stride,
  };
}

/** The options of `new BoundedBuffer(options)`, checked: the layout and the custom codec, if any. */
export function checkNewOptions<T>(options: unknown): { layout: Layout; custom: Codec<T> | undefined } {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`BoundedBuffer options must be an object with a capacity, got ${describe(options)}`);
  }
  const { capacity, codec, slotBytes } = options as {
    capacity?: unknown;
    codec?: unknown;
    slotBytes?: unknown;
  };
  const checkedCapacity = checkInteger('capacity', capacity, 1, MAX_CAPACITY);
  const { name, custom } = checkCodec<T>(codec);
  const checkedSlotBytes =
    slotBytes === undefined ? DEFAULT_SLOT_BYTES : checkInteger('slotBytes', slotBytes, 1, MAX_SLOT_BYTES);
  return { layout: layoutOf(checkedCapacity, name, checkedSlotBytes), custom };
}

/** New shared memory for `layout`, every word written before it is shared. */
export function createMemory(layout: Layout): Int32Array {
  let memory: SharedArrayBuffer;
  try {
    memory = sharedMemory(layout.bytes);
  } catch (error) {
    if (error instanceof PlatformError) throw error; // no shared memory at all here: says why
    throw new RangeError(
      `BoundedBuffer: cannot allocate ${layout.bytes.toLocaleString('en-US')} bytes of shared memory ` +
        `(capacity ${layout.capacity} × ${layout.stride} bytes a slot, for slotBytes ${layout.slotBytes}): ` +
        `${(error as Error).message}; lower capacity or slotBytes`,
      { cause: error },
    );
  }
  const i32 = new Int32Array(memory);
  i32[CAPACITY] = layout.capacity;
  i32[SLOT_BYTES] = layout.slotBytes;
  i32[CODEC] = CODEC_IDS[layout.codecName];
  i32[ONE_LAP] = layout.oneLap;
  for (let i = 0; i < layout.capacity; i++) i32[STAMPS + i] = i; // slot i is free for position i
  writeHeader(i32, KIND_BOUNDED_BUFFER);
  return i32;
}

/**
 * Checks that `handle` is a BoundedBuffer's and that its memory matches the layout its words
 * record, and that `codec` agrees with it (given again for a custom codec, absent otherwise).
 */
export function openMemory(handle: unknown, codec: unknown): { i32: Int32Array; layout: Layout } {
  const i32 = openHandle(handle, KIND_BOUNDED_BUFFER, (STAMPS + 1) * 4);
  const capacity = Atomics.load(i32, CAPACITY);
  const codecName = CODEC_NAMES.find((name) => CODEC_IDS[name] === Atomics.load(i32, CODEC));
  const slotBytes = Atomics.load(i32, SLOT_BYTES);
  if (
    codecName === undefined ||
    capacity < 1 ||
    capacity > MAX_CAPACITY ||
    slotBytes < 1 ||
    slotBytes > MAX_SLOT_BYTES
  ) {
    throw new TypeError(
      "BoundedBuffer.from(): the handle's memory is corrupted (bad capacity, codec or slot size)",
    );
  }
  const layout = layoutOf(capacity, codecName, slotBytes);
  if (layout.bytes !== i32.buffer.byteLength || Atomics.load(i32, ONE_LAP) !== layout.oneLap) {
    throw new TypeError("BoundedBuffer.from(): the handle's memory does not match its recorded layout");
  }
  if (codecName === 'custom') {
    const given = codec as Partial<Codec<unknown>> | null | undefined;
    if (given === null || typeof given?.encode !== 'function' || typeof given.decode !== 'function') {
      throw new TypeError(
        'BoundedBuffer.from(): this buffer uses a custom codec; pass it again as { codec: { encode, decode } }',
      );
    }
  } else if (codec !== undefined) {
    throw new TypeError(
      `BoundedBuffer.from(): this buffer uses the built-in codec '${codecName}'; do not pass one`,
    );
  }
  return { i32, layout };
}

function checkCodec<T>(codec: unknown): { name: CodecName | 'custom'; custom: Codec<T> | undefined } {
  if (codec === undefined) return { name: 'int32', custom: undefined };
  if (typeof codec === 'string') {
    if (Object.hasOwn(CODEC_IDS, codec) && codec !== 'custom')
      return { name: codec as CodecName, custom: undefined };
  } else if (
    codec !== null &&
    typeof codec === 'object' &&
    typeof (codec as Codec<T>).encode === 'function' &&
    typeof (codec as Codec<T>).decode === 'function'
  ) {
    return { name: 'custom', custom: codec as Codec<T> };
  }
  throw new TypeError(
    `codec must be 'int32', 'float64', 'string', 'json', 'bytes', 'structured' or { encode, decode }, got ${describe(codec)}`,
  );
}
