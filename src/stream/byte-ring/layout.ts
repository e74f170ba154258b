// ByteRing's shared memory: where each word lives, the stream's states, and the checks that let
// `ByteRing.from(handle)` open only memory that a ByteRing laid out. Each index sits on a 64-byte
// line of its own (WRITE, READ, the reader's sleeping words, the writer's), then the data area.
import { describe } from '../../internal/validate.js';
import { HEADER_WORDS, MAGIC } from '../../sync/shared-header.js';
import type { ByteRingHandle } from '../byte-ring.js';

/**
 * The kind number in a ByteRing's header word 1 (kinds 1–3 are in src/sync/shared-header.ts;
 * this one belongs there once that file is open for edits).
 */
const KIND_BYTE_RING = 4;
/** The ByteRing layout's own version, in the low byte of header word 1. */
const RING_LAYOUT_VERSION = 1;

export const MAX_RING_CAPACITY = 2 ** 30;
export const DEFAULT_CAPACITY = 2 ** 20;

// Word offsets. Written once, before the memory is shared: the header and CAPACITY.
export const CAPACITY = HEADER_WORDS;
/** threadId + 1 of the writer; CAS from 0 by the view that becomes the writer, never cleared. */
export const WRITER_OWNER = HEADER_WORDS + 1;
/** threadId + 1 of the reader; CAS from 0 by the view that becomes the reader, never cleared. */
export const READER_OWNER = HEADER_WORDS + 2;
/** OPEN, then ENDED or ABORTED (CAS by the writer) or CANCELLED (CAS by the reader), once. */
export const STATE = HEADER_WORDS + 3;
/** Bytes published so far (mod 2^32); written (store) only by the writer. */
export const WRITE = 16;
/** Bytes read so far (mod 2^32); written (store) only by the reader. */
export const READ = 32;
/** 1 while the reader sleeps or is about to; written only by the reader. */
export const READER_WAITING = 48;
/** What the reader sleeps on; bumped (add) by the writer, or by whoever changes STATE. */
export const READER_SIGNAL = 49;
/** 1 while the writer sleeps or is about to; written only by the writer. */
export const WRITER_WAITING = 64;
/** What the writer sleeps on; bumped (add) by the reader, or by whoever changes STATE. */
export const WRITER_SIGNAL = 65;
/** The data area starts on the line after the writer's (a byte offset). */
export const DATA_AT = 80 * 4;

// The values of STATE.
export const OPEN = 0;
export const ENDED = 1;
export const ABORTED = 2;
export const CANCELLED = 3;
export const STATE_NAMES = ['open', 'ended', 'aborted', 'cancelled'] as const;

/** Fresh memory for a ring of `rounded` bytes (a power of two), header and CAPACITY written. */
export function createRingMemory(rounded: number): SharedArrayBuffer {
  const memory = new SharedArrayBuffer(DATA_AT + rounded);
  const header = new Int32Array(memory, 0, DATA_AT / 4);
  header[0] = MAGIC;
  header[1] = (KIND_BYTE_RING << 8) | RING_LAYOUT_VERSION;
  header[CAPACITY] = rounded;
  return memory;
}

/** The memory of a ByteRing's handle, or a TypeError saying why `handle` is not one. */
export function checkHandle(handle: unknown): SharedArrayBuffer {
  if (handle === null || typeof handle !== 'object') {
    throw new TypeError(`ByteRing.from() needs the .handle of a ByteRing, got ${describe(handle)}`);
  }
  const { kind, memory } = handle as Partial<ByteRingHandle>;
  if (kind !== 'ByteRing' || !(memory instanceof SharedArrayBuffer) || memory.byteLength <= DATA_AT) {
    throw new TypeError(`ByteRing.from() needs the .handle of a ByteRing, got ${describe(handle)}`);
  }
  const i32 = new Int32Array(memory, 0, DATA_AT / 4);
  const capacity = Atomics.load(i32, CAPACITY);
  if (
    Atomics.load(i32, 0) !== MAGIC ||
    Atomics.load(i32, 1) !== ((KIND_BYTE_RING << 8) | RING_LAYOUT_VERSION) ||
    capacity <= 0 ||
    (capacity & (capacity - 1)) !== 0 ||
    memory.byteLength !== DATA_AT + capacity
  ) {
    throw new TypeError("ByteRing.from(): the handle's memory is not a ByteRing (bad header)");
  }
  return memory;
}
