// A counting semaphore in shared memory: usable from every thread that has its handle.
//
// Invariants: see semaphore-core.ts; this file only adds argument checks and the public face.
// Layout: words 0..1 header (written once before sharing), then the semaphore's words.

import type { Worker } from 'node:worker_threads';
import { checkInteger } from '../internal/validate.js';
import { checkCanBlock, sharedMemory } from '../platform/thread.js';
import { LocalLine } from './local-line.js';
import { checkRecoverable, watchWorker } from './recovery.js';
import { initSemaphore, MAX_PERMITS, SEMAPHORE_WORDS, SemaphoreCore } from './semaphore-core.js';
import { HEADER_WORDS, KIND_SEMAPHORE, openHandle, type SharedHandle, writeHeader } from './shared-header.js';
import { checkWaitOptions, Deadline, type WaitOptions } from './wait/deadline.js';

export interface AcquireOptions extends WaitOptions {
  /** Permits to take at once (default 1). */
  permits?: number;
}

export interface SemaphoreHandle extends SharedHandle {
  readonly kind: 'Semaphore';
}

/** What `Semaphore.recover(threadId)` did for a thread that exited. */
export interface SemaphoreRecoveryReport {
  readonly threadId: number;
  /** It was waiting in line for permits: its place was given up, so the line moves on. */
  readonly leftLine: boolean;
}

const BASE = HEADER_WORDS;
const BYTES = (HEADER_WORDS + SEMAPHORE_WORDS) * 4;

/**
 * A counting semaphore: a number of permits that `acquire` takes (waiting while there are too
 * few) and `release` gives back. It lives in a SharedArrayBuffer: pass `semaphore.handle` to a
 * worker and open it there with `Semaphore.from(handle)`.
 *
 * Fairness: waiters are served first come, first served, and a new caller does not barge past
 * waiting ones; a waiter asking for several permits is not starved by a stream of single
 * acquires. `tryAcquire` fails while anyone is waiting, even if permits are free.
 *
 * Memory: what a thread did before `release()` is visible to the thread whose `acquire` takes
 * those permits.
 *
 * `acquireSync` blocks the calling thread with `Atomics.wait`; on the main thread that freezes
 * the event loop, so prefer `acquire` there.
 */
export class Semaphore {
  readonly #core: SemaphoreCore;
  readonly #memory: SharedArrayBuffer;
  /** This thread's async acquirers (see local-line.ts). */
  readonly #line: LocalLine;

  /** Set only while `from` runs the constructor on existing memory. */
  static #opening: Int32Array | undefined;

  constructor(permits: number) {
    let i32 = Semaphore.#opening;
    if (i32 === undefined) {
      checkInteger('permits', permits, 0, MAX_PERMITS);
      i32 = new Int32Array(sharedMemory(BYTES));
      initSemaphore(i32, BASE, permits);
      writeHeader(i32, KIND_SEMAPHORE); // written before the memory is shared
    }
    this.#memory = i32.buffer as SharedArrayBuffer;
    this.#core = new SemaphoreCore(i32, BASE, 'Semaphore');
    this.#line = new LocalLine(this.#core);
  }

  /** Opens, in this thread, the semaphore whose `.handle` was passed here. */
  static from(handle: SemaphoreHandle): Semaphore {
    Semaphore.#opening = openHandle(handle, KIND_SEMAPHORE, BYTES);
    try {
      return new Semaphore(0);
    } finally {
      Semaphore.#opening = undefined;
    }
  }

  /** Plain data to send to another thread: `Semaphore.from(handle)` opens it there. */
  get handle(): SemaphoreHandle {
    return { kind: 'Semaphore', memory: this.#memory };
  }

  /** Permits available now (a snapshot: other threads may change it at once). */
  get value(): number {
    return this.#core.value;
  }

  /** Takes permits if they are free and nobody is waiting; never waits. */
  tryAcquire(permits = 1): boolean {
    checkInteger('permits', permits, 1, MAX_PERMITS);
    return this.#core.tryAcquire(permits);
  }

  /** Waits (asynchronously) for permits; rejects with TimeoutError or `signal.reason`. */
  acquire(options?: AcquireOptions): Promise<void> {
    let permits: number;
    try {
      permits = permitsOption(options);
      checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#line.acquire(permits, options, 'Semaphore.acquire');
  }

  /** Blocks the calling thread until permits are free; throws TimeoutError or `signal.reason`. */
  acquireSync(options?: AcquireOptions): void {
    checkCanBlock('Semaphore.acquireSync');
    const permits = permitsOption(options);
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    const got = this.#core.acquireSync(permits, false, deadline);
    if (got === 0) throw deadline.timeoutError('Semaphore.acquireSync');
  }

  /**
   * Takes thread `threadId`, which has exited, out of the line of waiters: a thread killed while
   * it waited would otherwise stop the line for good when its turn came. Permits have no owner, so
   * permits the thread held are not given back (a Mutex's are). Call it once the thread has exited,
   * or let `watch(worker)` call it.
   */
  recover(threadId: number): SemaphoreRecoveryReport {
    checkRecoverable(threadId);
    return { threadId, leftLine: this.#core.recoverThread(threadId) > 0 };
  }

  /** Recovers `worker`'s thread when it exits (its 'exit' event); passes the report on. */
  watch(worker: Worker, onRecovered?: (report: SemaphoreRecoveryReport) => void): void {
    watchWorker(worker, onRecovered, (id) => this.recover(id));
  }

  /** Gives back permits, waking waiters. */
  release(permits = 1): void {
    checkInteger('permits', permits, 1, MAX_PERMITS);
    if (!this.#core.releaseBounded(permits, MAX_PERMITS)) {
      throw new RangeError(
        `release(${permits}) would raise the semaphore past ${MAX_PERMITS} permits (it has ${this.#core.value})`,
      );
    }
  }
}

function permitsOption(options: AcquireOptions | undefined): number {
  const permits = options?.permits;
  if (permits === undefined) return 1;
  return checkInteger('permits', permits, 1, MAX_PERMITS);
}
