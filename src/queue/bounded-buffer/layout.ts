// BoundedBuffer's shared memory: where each word lives, how big a buffer is, and the checks that
// let `BoundedBuffer.from(handle)` open only memory that a BoundedBuffer laid out.
//
//   words 0..1    header (shared-header.ts)          written once, before the memory is shared
//   words 2..6    CAPACITY, SLOT_BYTES, CODEC, ONE_LAP, LANE   written once, before the memory is shared
//   word 16       TAIL  (own 64-byte line)           see ring.ts (lane.ts for a lane)
//   words 17, 18  CONSUMER_SLEEPS, PRODUCER_OWNER    a lane's only (lane.ts); on TAIL's line
//   word 32       HEAD  (own 64-byte line)           see ring.ts (lane.ts for a lane)
//   words 33, 34  PRODUCER_SLEEPS, CONSUMER_OWNER    a lane's only (lane.ts); on HEAD's line
//   word 48       DONE                               see tasks.ts
//   word 56       TOMBSTONES                         see dead-threads.ts
//   words 64..    the intents table (sync/intents.ts), one 64-byte line per entry
//   STAMPS..      one stamp per slot                 see ring.ts
//   runEndsAt(capacity)..  one run end per slot, right after the stamps   see ring.ts
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

// Word offsets. Written once, before the memory is shared: CAPACITY, SLOT_BYTES, CODEC, ONE_LAP, LANE.
const CAPACITY = HEADER_WORDS;
const SLOT_BYTES = HEADER_WORDS + 1;
const CODEC = HEADER_WORDS + 2;
const ONE_LAP = HEADER_WORDS + 3;
/** 1 for a one-producer, one-consumer lane ({ producers: 1, consumers: 1 }; lane.ts), 0 otherwise. */
const LANE = HEADER_WORDS + 4;
// Hot words each get a 64-byte line of their own.
/** Next position to put, plus the CLOSED mark in bit 31; claimed by puts (CAS), marked by close (or). */
export const TAIL = 16;
/** Next position to get; claimed by gets (CAS). */
export const HEAD = 32;
/** taskDone() calls (and items discarded by close) so far, modulo the period; CAS by both. */
export const DONE = 48;
/** A lane's WAITING bit for a consumer asleep on an empty lane: set (CAS) by it, cleared by the producer or close. */
export const CONSUMER_SLEEPS = TAIL + 1;
/** A lane's producer: threadId + 1 of its thread, CAS from 0 on a view's first put; cleared by recover(). */
export const PRODUCER_OWNER = TAIL + 2;
/** A lane's WAITING bit for a producer asleep on a full lane: set (CAS) by it, cleared by the consumer or close. */
export const PRODUCER_SLEEPS = HEAD + 1;
/**
 * A lane's consumer: threadId + 1 of its thread, CAS from 0 on a view's first get (or its negative
 * while close({ immediate }) empties the buffer through it); cleared by recover().
 */
export const CONSUMER_OWNER = HEAD + 2;
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
/**
 * runEnd[i] at runEndsAt(capacity) + i: where the run of positions that slot i's current position
 * belongs to ends, when stamp[i] has the RUN_MARK (it lets a claim skip the rest of the run's
 * stamps; ring.ts). Plain words, written by the thread that writes stamp[i] with the RUN_MARK,
 * before it writes it.
 */
export function runEndsAt(capacity: number): number {
  return STAMPS + capacity;
}

/** Bit 31 of TAIL: the buffer is closed. (Bit 31 of a stamp is its WAITING bit: sync/wait/word.ts.) */
export const CLOSED_MARK = 1 << 31;
/** Bit 30 of a stamp: its position is one of a run of several, and runEnd says where it ends (ring.ts). */
export const RUN_MARK = 1 << 30;
/** Positions use the low 30 bits (of TAIL, HEAD and stamps), and wrap at 2^30. */
export const POSITION_MASK = 0x3fffffff;

/** The numbers that fix a buffer's memory, recorded in its first words. */
export interface Layout {
  readonly capacity: number;
  readonly slotBytes: number;
  readonly codecName: CodecName | 'custom';
  /** One producer and one consumer (lane.ts) instead of any number (ring.ts). */
  readonly lane: boolean;
  /** The power of two above capacity: a position is lap * oneLap + index. */
  readonly oneLap: number;
  /** Bytes of one slot in the data area. */
  readonly stride: number;
  readonly dataOffset: number;
  readonly bytes: number;
}

export function layoutOf(
  capacity: number,
  codecName: CodecName | 'custom',
  slotBytes: number,
  lane = false,
): Layout {
  const fixed = fixedSlotBytes(codecName);
  const stride = fixed ?? (4 + slotBytes + 7) & ~7; // length word + payload, 8-aligned
  const dataOffset = ((runEndsAt(capacity) + capacity) * 4 + 63) & ~63;
  let oneLap = 1;
  while (oneLap <= capacity) oneLap *= 2;
  return {
    capacity,
    slotBytes: fixed ?? slotBytes,
    codecName,
    lane,
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
  const { capacity, codec, slotBytes, producers, consumers } = options as {
    capacity?: unknown;
    codec?: unknown;
    slotBytes?: unknown;
    producers?: unknown;
    consumers?: unknown;
  };
  const checkedCapacity = checkInteger('capacity', capacity, 1, MAX_CAPACITY);
  const { name, custom } = checkCodec<T>(codec);
  const checkedSlotBytes =
    slotBytes === undefined ? DEFAULT_SLOT_BYTES : checkInteger('slotBytes', slotBytes, 1, MAX_SLOT_BYTES);
  const lane = checkLane(producers, consumers);
  return { layout: layoutOf(checkedCapacity, name, checkedSlotBytes, lane), custom };
}

/**
 * `producers` and `consumers`: both 1 for a lane, both left out for any number. One without the
 * other is refused, rather than guessed: a lane needs both sides to be one.
 */
function checkLane(producers: unknown, consumers: unknown): boolean {
  for (const [name, value] of [
    ['producers', producers],
    ['consumers', consumers],
  ] as const) {
    if (value !== undefined && value !== 1) {
      throw new RangeError(
        `${name} must be 1 (with the other also 1: a one-producer, one-consumer lane) or left out (any number), got ${describe(value)}`,
      );
    }
  }
  if ((producers === 1) !== (consumers === 1)) {
    const [given, missing] = producers === 1 ? ['producers', 'consumers'] : ['consumers', 'producers'];
    throw new RangeError(
      `${given}: 1 needs ${missing}: 1 too: a lane is one producer and one consumer (leave both out for any number)`,
    );
  }
  return producers === 1;
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
  i32[LANE] = layout.lane ? 1 : 0;
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
  const lane = Atomics.load(i32, LANE);
  if (
    codecName === undefined ||
    (lane !== 0 && lane !== 1) ||
    capacity < 1 ||
    capacity > MAX_CAPACITY ||
    slotBytes < 1 ||
    slotBytes > MAX_SLOT_BYTES
  ) {
    throw new TypeError(
      "BoundedBuffer.from(): the handle's memory is corrupted (bad capacity, codec, slot size or lane word)",
    );
  }
  const layout = layoutOf(capacity, codecName, slotBytes, lane === 1);
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
