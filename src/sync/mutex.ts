// A mutual-exclusion lock in shared memory that knows which thread holds it.
//
// Invariants:
//   OWNER === 0  ⇔  the lock's one permit is free (COUNT === 1)
//   OWNER === threadId + 1 of the holder while it is held
//   OWNER_DIED === 1  ⇔  a holder died and no holder since has called markConsistent()
// The permit is a fair SemaphoreCore of one permit (see semaphore-core.ts): lockers are served
// first come, first served. OWNER is written by the SemaphoreCore for the thread that takes or
// gives back the permit, in the same stretch as the CAS or add on COUNT, so a thread that dies
// cannot leave the permit taken with no owner named (see semaphore-core.ts, "Dead threads").
// OWNER_DIED is set by recover() before it gives the dead owner's permit back, and cleared by a
// holder's markConsistent().

import type { Worker } from 'node:worker_threads';
import { LockOwnershipError } from '../errors.js';
import { checkCanBlock, sharedMemory, threadId } from '../platform/thread.js';
import { LocalLine } from './local-line.js';
import { checkRecoverable, ME, watchWorker } from './recovery.js';
import { initSemaphore, SEMAPHORE_WORDS, SemaphoreCore } from './semaphore-core.js';
import { HEADER_WORDS, KIND_MUTEX, openHandle, type SharedHandle, writeHeader } from './shared-header.js';
import { checkWaitOptions, Deadline, type WaitOptions } from './wait/deadline.js';

export interface MutexHandle extends SharedHandle {
  readonly kind: 'Mutex';
}

/** threadId + 1 of the holder, 0 when free; written with the permit (see invariants). */
const OWNER = HEADER_WORDS;
/** 1 after a holder died, until a later holder calls markConsistent(); written by recover() and holders. */
const OWNER_DIED = HEADER_WORDS + 1;
const BASE = HEADER_WORDS + 2;
const BYTES = (BASE + SEMAPHORE_WORDS) * 4;

/** Returned by `lock()`/`lockSync()`/`tryLock()`: unlock it once, by hand or with `using`. */
export interface MutexGuard extends Disposable {
  unlock(): void;
  /**
   * True when a thread died holding this mutex (POSIX's EOWNERDEAD) and no holder since has
   * called `markConsistent()`: what it guarded may be half-updated. Repair it, then mark it.
   */
  readonly ownerDied: boolean;
  /** Says the guarded state is consistent again: later holders see `ownerDied` false. */
  markConsistent(): void;
}

/** What `Mutex.recover(threadId)` did for a thread that exited. */
export interface MutexRecoveryReport {
  readonly threadId: number;
  /** It held the mutex: the lock was given to the next locker, whose guard says `ownerDied`. */
  readonly ownerDied: boolean;
  /** It was waiting in line for the lock: its place was given up. */
  readonly leftLine: boolean;
}

/**
 * A lock that one thread holds at a time, shared between worker threads through `handle` and
 * `Mutex.from(handle)`.
 *
 * Ownership is per thread: `unlock()` from a thread that does not hold it throws
 * `LockOwnershipError` (ERR_MUTEX_NOT_OWNER), and `lockSync()` by the thread that already holds
 * it throws ERR_MUTEX_RECURSIVE instead of blocking forever. The async `lock()` by the holding
 * thread waits, since another async task of that same thread may be the one to unlock it.
 */
export class Mutex {
  readonly #core: SemaphoreCore;
  /** This thread's async lockers (see local-line.ts). */
  readonly #line: LocalLine;
  readonly #i32: Int32Array;
  static #opening: Int32Array | undefined;

  constructor() {
    let i32 = Mutex.#opening;
    if (i32 === undefined) {
      i32 = new Int32Array(sharedMemory(BYTES));
      initSemaphore(i32, BASE, 1);
      writeHeader(i32, KIND_MUTEX); // written before the memory is shared
    }
    this.#i32 = i32;
    this.#core = new SemaphoreCore(i32, BASE, 'Mutex', { ownerAt: OWNER });
    this.#line = new LocalLine(this.#core);
  }

  /** Opens, in this thread, the mutex whose `.handle` was passed here. */
  static from(handle: MutexHandle): Mutex {
    Mutex.#opening = openHandle(handle, KIND_MUTEX, BYTES);
    try {
      return new Mutex();
    } finally {
      Mutex.#opening = undefined;
    }
  }

  get handle(): MutexHandle {
    return { kind: 'Mutex', memory: this.#i32.buffer as SharedArrayBuffer };
  }

  /** Whether some thread holds it now (a snapshot). */
  get locked(): boolean {
    return Atomics.load(this.#i32, OWNER) !== 0;
  }

  /** Whether the calling thread holds it. */
  get heldByCurrentThread(): boolean {
    return Atomics.load(this.#i32, OWNER) === ME;
  }

  /** Takes the lock if it is free and nobody waits; never waits. */
  tryLock(): MutexGuard | undefined {
    if (!this.#core.tryAcquire(1)) return undefined;
    return this.#own();
  }

  /** Waits (asynchronously) for the lock; rejects with TimeoutError or `signal.reason`. */
  async lock(options?: WaitOptions): Promise<MutexGuard> {
    checkWaitOptions(options);
    await this.#line.acquire(1, options, 'Mutex.lock');
    return this.#own();
  }

  /** Blocks the calling thread until it holds the lock. */
  lockSync(options?: WaitOptions): MutexGuard {
    checkCanBlock('Mutex.lockSync');
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    if (Atomics.load(this.#i32, OWNER) === ME) {
      throw new LockOwnershipError(
        'ERR_MUTEX_RECURSIVE',
        `thread ${threadId} called lockSync() on a Mutex it already holds: that would wait forever`,
      );
    }
    if (this.#core.acquireSync(1, false, deadline) === 0) throw deadline.timeoutError('Mutex.lockSync');
    return this.#own();
  }

  /** Releases the lock; only the holding thread may. */
  unlock(): void {
    const owner = Atomics.load(this.#i32, OWNER);
    if (owner !== ME) {
      throw new LockOwnershipError(
        'ERR_MUTEX_NOT_OWNER',
        owner === 0
          ? `thread ${threadId} called unlock() on a Mutex that is not locked`
          : `thread ${threadId} called unlock() on a Mutex held by thread ${owner - 1}`,
      );
    }
    this.#core.release(1); // clears OWNER, then gives the permit back
  }

  /**
   * Repairs what thread `threadId` left when it died (worker.terminate(), an uncaught error):
   * call it once that thread has exited, or let `watch(worker)` call it. If it held the mutex,
   * the next locker gets it with `guard.ownerDied` true; if it was waiting, it leaves the line.
   * Calling it for a thread that is still running breaks the mutex.
   */
  recover(threadId: number): MutexRecoveryReport {
    checkRecoverable(threadId);
    const leftLine = this.#core.recoverThread(threadId) > 0;
    const i32 = this.#i32;
    const ownerDied = Atomics.load(i32, OWNER) === threadId + 1;
    if (ownerDied) {
      Atomics.store(i32, OWNER_DIED, 1); // before the permit is given back: the next holder sees it
      this.#core.release(1);
    }
    return { threadId, ownerDied, leftLine };
  }

  /** Recovers `worker`'s thread when it exits (its 'exit' event); passes the report on. */
  watch(worker: Worker, onRecovered?: (report: MutexRecoveryReport) => void): void {
    watchWorker(worker, onRecovered, (id) => this.recover(id));
  }

  /** Runs `fn` holding the lock (it gets the guard, to check `ownerDied`), and unlocks when it settles. */
  async withLock<R>(fn: (guard: MutexGuard) => R | Promise<R>, options?: WaitOptions): Promise<R> {
    const guard = await this.lock(options);
    try {
      return await fn(guard);
    } finally {
      guard.unlock();
    }
  }

  /** Runs `fn` holding the lock (taken with lockSync), and unlocks when it returns or throws. */
  withLockSync<R>(fn: (guard: MutexGuard) => R, options?: WaitOptions): R {
    const guard = this.lockSync(options);
    try {
      return fn(guard);
    } finally {
      guard.unlock();
    }
  }

  /** The guard of a lock this thread has just taken (the take wrote OWNER). */
  #own(): MutexGuard {
    const i32 = this.#i32;
    let held = true;
    const unlock = () => {
      if (!held) return; // a guard unlocks once; a second call is a no-op
      held = false;
      this.unlock();
    };
    return {
      unlock,
      [Symbol.dispose]: unlock,
      get ownerDied() {
        return Atomics.load(i32, OWNER_DIED) === 1;
      },
      markConsistent: () => {
        if (!held || Atomics.load(i32, OWNER) !== ME) {
          throw new LockOwnershipError(
            'ERR_MUTEX_NOT_OWNER',
            `thread ${threadId} called markConsistent() without holding the Mutex`,
          );
        }
        Atomics.store(i32, OWNER_DIED, 0);
      },
    };
  }
}
