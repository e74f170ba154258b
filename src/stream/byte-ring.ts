// ByteRing: a stream of bytes in shared memory from one writer thread to one reader thread.
//
// Design
// ------
// A single-producer single-consumer ring of bytes, as in ringbuf.js: the writer copies a chunk
// into the data area with one memcpy (two at the wrap; internal/copy-bytes.ts) and publishes it
// with one atomic store of WRITE; the reader copies bytes out the same way and frees them with
// one atomic store of READ. Each index is written by one side only, so no compare-and-swap is needed, and each
// sits on a 64-byte line of its own. Unlike ringbuf.js it blocks (the Sync forms with
// Atomics.wait, for workers; the Promise forms with Atomics.waitAsync), ends (close), fails
// (abort, cancel), and takes { timeout, signal }.
//
// WRITE and READ count bytes since the start, modulo 2^32 (Int32 words, wrapping subtraction).
// The byte at count c lives at data[c & (capacity - 1)], with capacity a power of two up to 2^30,
// so `(WRITE - READ) | 0` is the number of published, unread bytes.
//
// Its parts: byte-ring/layout.ts (the words, the states, the handle checks), byte-ring/sleep.ts
// (how each side sleeps and is woken: one sleeper per side, a WAITING flag and a SIGNAL word),
// byte-ring/failures.ts (the errors once stopped). This file is the class: roles, writing, reading.
//
// Invariants:
//   0 <= WRITE - READ <= capacity                       (wrapping arithmetic)
//   bytes [READ, WRITE) are published and unread; bytes [WRITE, READ + capacity) are free
//   STATE leaves OPEN once (CAS): to ENDED or ABORTED by the writer, to CANCELLED by the reader
//   STATE === ENDED ⇒ WRITE never changes again (the writer stores WRITE before it ends)
//   WRITER_OWNER and READER_OWNER are set once (CAS from 0) and never cleared
//   WAITING === 1 ⇐ that side's thread sleeps on its SIGNAL, or is about to (byte-ring/sleep.ts)
// Memory: the copy into the data area happens-before the store of WRITE that publishes it, which
// happens-before the reader's load of WRITE and its copy out; the reader's copy out
// happens-before its store of READ, which happens-before the writer reuses those bytes.
//
// A writer or reader thread that dies stops the stream once recover(threadId) (or watch(worker))
// runs for it: byte-ring/roles.ts.

import type { Worker } from 'node:worker_threads';
import { copyBytes } from '../internal/copy-bytes.js';
import { checkInteger, checkOptions, describe } from '../internal/validate.js';
import { checkRecoverable, watchWorker } from '../sync/recovery.js';
import { checkWaitOptions, Deadline, type WaitOptions } from '../sync/wait/deadline.js';
import { NOT_YET } from '../sync/wait/outcomes.js';
import { stoppedForRead, stoppedForWrite, writeTimeout } from './byte-ring/failures.js';
import {
  ABORTED,
  CANCELLED,
  CAPACITY,
  checkHandle,
  createRingMemory,
  DATA_AT,
  DEFAULT_CAPACITY,
  ENDED,
  MAX_RING_CAPACITY,
  OPEN,
  READ,
  STATE,
  STATE_NAMES,
  WRITE,
} from './byte-ring/layout.js';
import { claimRole, type RingRecoveryReport, recoverRing } from './byte-ring/roles.js';
import { READER, RingSleep, WRITER } from './byte-ring/sleep.js';
import { RingBusyError } from './errors.js';
import {
  type NodeReadableOptions,
  type NodeWritableOptions,
  nodeReadable,
  nodeWritable,
} from './node-streams.js';
import { type WebStreamOptions, webReadableStream, webWritableStream } from './web-streams.js';

export { MAX_RING_CAPACITY } from './byte-ring/layout.js';

/** #readSome's answer at the end of the stream (besides a byte count, or NOT_YET). */
const END = -1;

export interface ByteRingOptions {
  /** Bytes in the ring, rounded up to a power of two: 1 to 2^30 (default 1 MiB). */
  capacity?: number;
}

export interface ByteRingHandle {
  readonly kind: 'ByteRing';
  readonly memory: SharedArrayBuffer;
}

export type ByteRingState = (typeof STATE_NAMES)[number];

/**
 * A byte stream from one writer thread to one reader thread through shared memory. Create it in
 * one thread, pass `ring.handle` to the other (postMessage or workerData) and open it there with
 * `ByteRing.from(handle)`. The first write-side call (write, close, writable()…) makes the calling
 * view the writer, the first read-side call the reader; a second writer or reader gets a
 * RingRoleError.
 *
 * A write of at most `capacity` bytes is all or nothing: it waits until all of it fits, then
 * publishes it at once, so a timeout or abort leaves none of it behind. A longer write goes in
 * pieces; if it fails midway, the error's `written` says how many bytes went.
 */
export class ByteRing {
  readonly #memory: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;
  readonly #capacity: number;
  /** The smallest piece a write longer than the capacity waits for (a quarter of the ring). */
  readonly #piece: number;
  /** Roles this view holds (set once claimed). */
  #writer = false;
  #reader = false;
  /** An async write or read of this view is in progress. */
  #writing = false;
  #reading = false;
  /** This view's sleeping and waking (byte-ring/sleep.ts). */
  readonly #sleep: RingSleep;

  /** Set by from() for the constructor call it makes: the memory to open instead of a new one. */
  static #opening: SharedArrayBuffer | undefined;

  constructor(options: ByteRingOptions = {}) {
    let memory = ByteRing.#opening;
    ByteRing.#opening = undefined;
    if (memory === undefined) {
      const { capacity = DEFAULT_CAPACITY } = checkOptions(options);
      checkInteger('capacity', capacity, 1, MAX_RING_CAPACITY);
      memory = createRingMemory(2 ** Math.ceil(Math.log2(capacity)));
    }
    this.#memory = memory;
    this.#i32 = new Int32Array(memory, 0, DATA_AT / 4);
    this.#capacity = this.#i32[CAPACITY];
    this.#u8 = new Uint8Array(memory, DATA_AT, this.#capacity);
    this.#piece = Math.max(1, this.#capacity >> 2);
    this.#sleep = new RingSleep(this.#i32);
  }

  /** Opens, in this thread, the ring whose `.handle` another thread passed here. */
  static from(handle: ByteRingHandle): ByteRing {
    ByteRing.#opening = checkHandle(handle);
    return new ByteRing();
  }

  /** Plain data to pass to another thread, where `ByteRing.from(handle)` opens it. */
  get handle(): ByteRingHandle {
    return { kind: 'ByteRing', memory: this.#memory };
  }

  /** Bytes the ring holds (a power of two). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes published and not yet read (a snapshot: the other side may change it at once). */
  get available(): number {
    return (Atomics.load(this.#i32, WRITE) - Atomics.load(this.#i32, READ)) | 0;
  }

  /** 'open', or how the stream stopped. */
  get state(): ByteRingState {
    return STATE_NAMES[Atomics.load(this.#i32, STATE)];
  }

  /** True once the writer has ended the stream and every byte has been read. */
  get ended(): boolean {
    return Atomics.load(this.#i32, STATE) === ENDED && this.available === 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /** Writes all of `bytes` now if they fit (at most `capacity`), else writes nothing: true if written. */
  tryWrite(bytes: Uint8Array): boolean {
    this.#startWrite(bytes, 'tryWrite');
    if (bytes.length > this.#capacity) return false;
    return this.#writeSome(bytes, 0) === bytes.length;
  }

  /** Writes all of `bytes`, blocking the calling thread while the ring is full (for workers). */
  writeSync(bytes: Uint8Array, options?: WaitOptions): void {
    this.#startWrite(bytes, 'writeSync');
    checkWaitOptions(options);
    let from = this.#writeSome(bytes, 0);
    if (from === bytes.length) return;
    const deadline = new Deadline(options);
    for (;;) {
      const want = this.#wantFree(bytes.length - from, false);
      if (!this.#sleep.waitSync(WRITER, this.#canWrite(want), deadline, want)) {
        throw writeTimeout(deadline, 'ByteRing.writeSync', from);
      }
      from = this.#writeSome(bytes, from);
      if (from === bytes.length) return;
    }
  }

  /** Writes all of `bytes`, waiting (Atomics.waitAsync) while the ring is full. One write at a time. */
  async write(bytes: Uint8Array, options?: WaitOptions): Promise<void> {
    this.#startWrite(bytes, 'write');
    checkWaitOptions(options);
    let from = this.#writeSome(bytes, 0);
    if (from === bytes.length) return;
    const deadline = new Deadline(options);
    this.#writing = true;
    try {
      for (;;) {
        const want = this.#wantFree(bytes.length - from, true);
        if (!(await this.#sleep.waitAsync(WRITER, this.#canWrite(want), deadline, want))) {
          // It waited for more room than it needs: a rest that fits now still goes.
          from = this.#writeSome(bytes, from);
          if (from === bytes.length) return;
          throw writeTimeout(deadline, 'ByteRing.write', from);
        }
        from = this.#writeSome(bytes, from);
        if (from === bytes.length) return;
      }
    } finally {
      this.#writing = false;
    }
  }

  /** Ends the stream: the reader gets the bytes written so far, then the end. Idempotent. */
  close(): void {
    this.#claim('writer');
    this.#stop(ENDED);
  }

  /** Ends the stream in failure: the reader's next read throws RingClosedError ('aborted'). */
  abort(): void {
    this.#claim('writer');
    this.#stop(ABORTED);
  }

  /** A Node Writable into this ring (this view becomes the writer); ends the ring on end(). */
  writable(options?: NodeWritableOptions): import('node:stream').Writable {
    this.#claim('writer');
    return nodeWritable(this, options);
  }

  /** A web WritableStream into this ring (this view becomes the writer); ends the ring on close(). */
  writableStream(options?: WebStreamOptions): WritableStream<Uint8Array> {
    this.#claim('writer');
    return webWritableStream(this, options);
  }

  #startWrite(bytes: Uint8Array, what: string): void {
    this.#claim('writer');
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`ByteRing.${what}() needs a Uint8Array (or Buffer), got ${describe(bytes)}`);
    }
    if (this.#writing) {
      throw new RingBusyError(`ByteRing.${what}(): the previous write() has not finished (await it first)`);
    }
  }

  /**
   * The free bytes a writer waits for, with `left` bytes to write: all of them if they fit, else a
   * piece (a quarter of the ring). An async writer waits for at least a piece even for a short
   * write: each of its wake-ups costs an event-loop turn (and, on a busy machine, up to
   * milliseconds before its thread runs), so it lets the reader free a quarter of the ring
   * before it is woken, then writes what it has queued in one go, rather than waking on every read.
   */
  #wantFree(left: number, async: boolean): number {
    const piece = this.#piece;
    if (left > this.#capacity) return piece;
    return async && left < piece ? piece : left;
  }

  /** The writer's wait condition: `need` bytes free (at most the capacity), or STATE changed. */
  #canWrite(need: number): () => boolean {
    const i32 = this.#i32;
    const capacity = this.#capacity;
    return () =>
      Atomics.load(i32, STATE) !== OPEN ||
      capacity - ((Atomics.load(i32, WRITE) - Atomics.load(i32, READ)) | 0) >= need;
  }

  /**
   * Copies in and publishes what it can of bytes[from..]: all of the rest if it fits in one go
   * (when the rest is at most the capacity), else as much as is free once a quarter of the ring
   * is. Returns the new `from` (unchanged when there is no room yet); throws once stopped.
   */
  #writeSome(bytes: Uint8Array, from: number): number {
    const i32 = this.#i32;
    const state = Atomics.load(i32, STATE);
    if (state !== OPEN) throw stoppedForWrite(state, from);
    const left = bytes.length - from;
    if (left === 0) return from;
    const capacity = this.#capacity;
    const written = Atomics.load(i32, WRITE);
    const free = capacity - ((written - Atomics.load(i32, READ)) | 0);
    let n = left;
    if (left > capacity) {
      if (free < this.#piece) return from;
      n = Math.min(free, left);
    } else if (free < left) {
      return from;
    }
    const at = written & (capacity - 1);
    const first = Math.min(n, capacity - at);
    const u8 = this.#u8;
    copyBytes(u8, at, from === 0 && first === bytes.length ? bytes : bytes.subarray(from, from + first));
    if (first < n) copyBytes(u8, 0, bytes.subarray(from + first, from + n));
    Atomics.store(i32, WRITE, (written + n) | 0); // publish bytes [written, written + n) to the reader
    this.#sleep.wake(READER);
    return from + n;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * Copies into `into` what is there now, up to its length, without waiting: the number of bytes
   * (0 when there are none; see `ended` for the end). Throws once the writer aborted.
   */
  tryRead(into: Uint8Array): number {
    this.#startRead(into, 'tryRead');
    const n = this.#readSome(into);
    return n === END || n === NOT_YET ? 0 : n;
  }

  /**
   * Blocks the calling thread until there are bytes (for workers), then copies up to
   * `into.length` of them: the number copied, or 0 at the end of the stream.
   */
  readSync(into: Uint8Array, options?: WaitOptions): number {
    this.#startRead(into, 'readSync');
    checkWaitOptions(options);
    for (let deadline: Deadline | undefined; ; ) {
      const n = this.#readSome(into);
      if (n !== NOT_YET) return n === END ? 0 : n;
      deadline ??= new Deadline(options);
      if (!this.#sleep.waitSync(READER, this.#canRead(), deadline, 1)) {
        throw deadline.timeoutError('ByteRing.readSync');
      }
    }
  }

  /** Waits (Atomics.waitAsync) until there are bytes, then copies up to `into.length`: the count, 0 at the end. */
  async read(into: Uint8Array, options?: WaitOptions): Promise<number> {
    this.#startRead(into, 'read');
    checkWaitOptions(options);
    const n = this.#readSome(into);
    if (n !== NOT_YET) return n === END ? 0 : n;
    const deadline = new Deadline(options);
    this.#reading = true;
    try {
      for (;;) {
        if (!(await this.#sleep.waitAsync(READER, this.#canRead(), deadline, 1))) {
          throw deadline.timeoutError('ByteRing.read');
        }
        const again = this.#readSome(into);
        if (again !== NOT_YET) return again === END ? 0 : again;
      }
    } finally {
      this.#reading = false;
    }
  }

  /**
   * As readSync, into a new buffer of up to `max` bytes (default 64 KiB): null at the end. It
   * waits for bytes before it allocates, so the buffer is as long as what it holds.
   */
  readChunkSync(max = 65536, options?: WaitOptions): Uint8Array | null {
    this.#startReadChunk(max, options, 'readChunkSync');
    if (this.available === 0) {
      const deadline = new Deadline(options);
      if (!this.#sleep.waitSync(READER, this.#canRead(), deadline, 1)) {
        throw deadline.timeoutError('ByteRing.readChunkSync');
      }
    }
    const into = this.#chunkFor(max);
    const n = this.readSync(into, options); // does not wait: there are bytes, or the stream stopped
    return n === 0 ? null : into;
  }

  /**
   * As read, into a new buffer of up to `max` bytes (default 64 KiB): null at the end. It waits
   * for bytes before it allocates, so the buffer is as long as what it holds.
   */
  async readChunk(max = 65536, options?: WaitOptions): Promise<Uint8Array | null> {
    this.#startReadChunk(max, options, 'readChunk');
    if (this.available === 0) {
      const deadline = new Deadline(options);
      this.#reading = true;
      try {
        if (!(await this.#sleep.waitAsync(READER, this.#canRead(), deadline, 1))) {
          throw deadline.timeoutError('ByteRing.readChunk');
        }
      } finally {
        this.#reading = false;
      }
    }
    const into = this.#chunkFor(max);
    const n = await this.read(into, options); // does not wait: there are bytes, or the stream stopped
    return n === 0 ? null : into;
  }

  /** The reader gives up: the writer's next write throws RingClosedError ('cancelled'). */
  cancel(): void {
    this.#claim('reader');
    this.#stop(CANCELLED);
  }

  /** A Node Readable from this ring (this view becomes the reader); ends with the ring. */
  readable(options?: NodeReadableOptions): import('node:stream').Readable {
    this.#claim('reader');
    return nodeReadable(this, options);
  }

  /** A web ReadableStream from this ring (this view becomes the reader); closes with the ring. */
  readableStream(options?: WebStreamOptions): ReadableStream<Uint8Array> {
    this.#claim('reader');
    return webReadableStream(this, options);
  }

  #startRead(into: Uint8Array, what: string): void {
    this.#claim('reader');
    if (!(into instanceof Uint8Array) || into.length === 0) {
      throw new TypeError(
        `ByteRing.${what}() needs a non-empty Uint8Array to read into, got ${describe(into)}`,
      );
    }
    if (this.#reading) {
      throw new RingBusyError(`ByteRing.${what}(): the previous read() has not finished (await it first)`);
    }
  }

  #startReadChunk(max: number, options: WaitOptions | undefined, what: string): void {
    checkInteger('max', max, 1, MAX_RING_CAPACITY);
    checkWaitOptions(options);
    this.#claim('reader');
    if (this.#reading) {
      throw new RingBusyError(`ByteRing.${what}(): the previous read() has not finished (await it first)`);
    }
  }

  /** A buffer for what is there now, at most `max` bytes (1 byte when there is nothing: the end). */
  #chunkFor(max: number): Uint8Array {
    return Buffer.allocUnsafe(Math.max(1, Math.min(this.available, max)));
  }

  #canRead(): () => boolean {
    const i32 = this.#i32;
    return () => Atomics.load(i32, STATE) !== OPEN || Atomics.load(i32, WRITE) !== Atomics.load(i32, READ);
  }

  /**
   * Copies out and frees up to `into.length` published bytes: the count, END once the writer has
   * ended and all is read, NOT_YET when there is nothing yet. Throws once aborted or cancelled.
   */
  #readSome(into: Uint8Array): number | typeof NOT_YET {
    const i32 = this.#i32;
    const state = Atomics.load(i32, STATE);
    if (state === ABORTED || state === CANCELLED) throw stoppedForRead(state);
    const read = Atomics.load(i32, READ);
    // Loaded after STATE: once STATE is ENDED, this is the writer's last WRITE.
    const available = (Atomics.load(i32, WRITE) - read) | 0;
    if (available === 0) return state === ENDED ? END : NOT_YET;
    const capacity = this.#capacity;
    const n = Math.min(available, into.length);
    const at = read & (capacity - 1);
    const first = Math.min(n, capacity - at);
    const u8 = this.#u8;
    copyBytes(into, 0, u8.subarray(at, at + first));
    if (first < n) copyBytes(into, first, u8.subarray(0, n - first));
    Atomics.store(i32, READ, (read + n) | 0); // free bytes [read, read + n) for the writer
    // The writer's free bytes now: it does not move WRITE while it sleeps.
    this.#sleep.wake(WRITER, capacity - ((Atomics.load(i32, WRITE) - read - n) | 0));
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Roles and stopping (sleeping: byte-ring/sleep.ts)

  /**
   * Once thread `threadId` has died, from any other thread (or by watch(worker)): its open stream
   * is aborted if it was the writer, cancelled if the reader, so the other side fails at once
   * (RingClosedError) instead of waiting. For a live thread it stops the stream under it.
   */
  recover(threadId: number): RingRecoveryReport {
    checkRecoverable(threadId);
    return recoverRing(this.#i32, this.#sleep, threadId);
  }

  /** Calls recover(worker.threadId) on the worker's 'exit' event, and passes the report on. */
  watch(worker: Worker, onRecovered?: (report: RingRecoveryReport) => void): void {
    watchWorker(worker, onRecovered, (id) => this.recover(id));
  }

  /** Makes this view the ring's writer (or reader), or throws RingRoleError if another is. */
  #claim(role: 'writer' | 'reader'): void {
    if (role === 'writer' ? this.#writer : this.#reader) return;
    claimRole(this.#i32, role);
    if (role === 'writer') this.#writer = true;
    else this.#reader = true;
  }

  /** Moves STATE from OPEN to `to` (no-op once stopped) and wakes both sides to see it. */
  #stop(to: number): void {
    if (Atomics.compareExchange(this.#i32, STATE, OPEN, to) !== OPEN) return;
    this.#sleep.wake(READER);
    this.#sleep.wake(WRITER);
  }
}
