// The header every conveyor object writes at the start of its SharedArrayBuffer, so that
// `X.from(handle)` can tell a real handle of the right kind from anything else.
import { describe } from '../internal/validate.js';

/** 'CNVY' in ASCII: the first word of every conveyor shared memory block. */
export const MAGIC = 0x434e5659;
/**
 * Layout version; bumped when a layout changes (2: the entries tables for dead-thread recovery;
 * 3: Semaphore and Mutex use the one intents table, a 64-byte line per entry; 4: BoundedBuffer's
 * lane words: LANE, and each side's sleep and owner words next to TAIL and HEAD).
 */
export const LAYOUT_VERSION = 4;

export const KIND_SEMAPHORE = 1;
export const KIND_MUTEX = 2;
export const KIND_BOUNDED_BUFFER = 3;

const KIND_NAMES: Record<number, string> = {
  [KIND_SEMAPHORE]: 'Semaphore',
  [KIND_MUTEX]: 'Mutex',
  [KIND_BOUNDED_BUFFER]: 'BoundedBuffer',
};

/** Words 0..1 of every block: MAGIC, then KIND << 8 | LAYOUT_VERSION. Written once before sharing. */
export const HEADER_WORDS = 2;

export function writeHeader(i32: Int32Array, kind: number): void {
  i32[0] = MAGIC;
  i32[1] = (kind << 8) | LAYOUT_VERSION;
}

/** What `.handle` returns: plain data that postMessage and workerData carry. */
export interface SharedHandle {
  readonly kind: string;
  readonly memory: SharedArrayBuffer;
}

/** An object (or its structured clone) that is a conveyor object rather than its handle. */
function looksLikeTheObjectItself(value: object, name: string): boolean {
  if (value.constructor?.name === name) return true; // the object itself, in the same thread
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && Object.keys(value).length === 0;
}

/** Checks that `handle` is a handle of `kind` and returns its memory as Int32 words. */
export function openHandle(handle: unknown, kind: number, minBytes: number): Int32Array {
  const name = KIND_NAMES[kind];
  if (handle === null || typeof handle !== 'object') {
    throw new TypeError(`${name}.from() needs the .handle of a ${name}, got ${describe(handle)}`);
  }
  const { kind: kindName, memory } = handle as Partial<SharedHandle>;
  if (memory === undefined && looksLikeTheObjectItself(handle, name)) {
    // postMessage and workerData copy only own plain data, and a BoundedBuffer, Semaphore or
    // Mutex keeps its memory in private fields: what arrives is an empty object.
    const variable = name === 'BoundedBuffer' ? 'buffer' : name.toLowerCase();
    throw new TypeError(
      `${name}.from() was given a copy of the ${name} itself, which carries no memory: ` +
        `pass ${variable}.handle (to postMessage or workerData) and open that`,
    );
  }
  if (!(memory instanceof SharedArrayBuffer)) {
    throw new TypeError(
      `${name}.from() needs a handle whose memory is a SharedArrayBuffer, got ${describe(memory)}`,
    );
  }
  if (memory.byteLength < HEADER_WORDS * 4 || memory.byteLength % 4 !== 0) {
    throw new TypeError(`${name}.from(): the handle's memory (${memory.byteLength} bytes) is not a ${name}`);
  }
  const i32 = new Int32Array(memory);
  const magic = Atomics.load(i32, 0);
  const word = Atomics.load(i32, 1);
  const actual = KIND_NAMES[word >> 8];
  if (magic !== MAGIC || actual === undefined) {
    throw new TypeError(`${name}.from(): the handle's memory is not a conveyor object (bad header)`);
  }
  if (word >> 8 !== kind || kindName !== name) {
    throw new TypeError(`${name}.from() was given the handle of a ${actual}`);
  }
  if ((word & 0xff) !== LAYOUT_VERSION) {
    throw new TypeError(
      `${name}.from(): layout version ${word & 0xff} is not supported (expected ${LAYOUT_VERSION}): ` +
        'the handle was made by another version of conveyor; open it with the version that made it',
    );
  }
  if (memory.byteLength < minBytes) {
    throw new TypeError(
      `${name}.from(): the handle's memory (${memory.byteLength} bytes) is too small for a ${name}`,
    );
  }
  return i32;
}
