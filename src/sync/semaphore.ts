// A counting semaphore in shared memory: usable from every thread that has its handle.
//
// Invariants: see semaphore-core.ts; this file only adds argument checks and the public face.
// Layout: words 0..1 header (written once before sharing), then the semaphore's words.

import { checkInteger } from '../internal/validate.js';
import { checkWaitOptions, Deadline, type WaitOptions } from './deadline.js';
import { initSemaphore, MAX_PERMITS, SEMAPHORE_WORDS, SemaphoreCore } from './semaphore-core.js';
import { HEADER_WORDS, KIND_SEMAPHORE, openHandle, type SharedHandle, writeHeader } from './shared-header.js';

export interface AcquireOptions extends WaitOptions {
  /** Permits to take at once (default 1). */
  permits?: number;
}

export interface SemaphoreHandle extends SharedHandle {
  readonly kind: 'Semaphore';
}

/** Async acquirers of this thread waiting behind the one that waits in shared memory. */
interface LocalWaiter {
  readonly permits: number;
  readonly deadline: Deadline;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  settled: boolean;
  /** Clears the waiter's timer and abort listener. */
  forget: () => void;
  /** Set while the pump waits in shared memory for this waiter: cancelling it ends that wait. */
  stop: Deadline | undefined;
  /** Why it gave up (timeout error or abort reason), once it has. */
  reason?: unknown;
}

const RESOLVED: Promise<void> = Promise.resolve();
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
  /**
   * This thread's async acquirers, first come first served. Only the first waits in shared memory
   * (one ticket in the line, one waitAsync), so a hundred tasks contending in one thread cost one
   * sleeper, not a hundred woken on every release.
   */
  readonly #waiting: LocalWaiter[] = [];
  #pumping = false;

  /** Set only while `from` runs the constructor on existing memory. */
  static #opening: Int32Array | undefined;

  constructor(permits: number) {
    let i32 = Semaphore.#opening;
    if (i32 === undefined) {
      checkInteger('permits', permits, 0, MAX_PERMITS);
      i32 = new Int32Array(new SharedArrayBuffer(BYTES));
      initSemaphore(i32, BASE, permits);
      writeHeader(i32, KIND_SEMAPHORE); // written before the memory is shared
    }
    this.#memory = i32.buffer as SharedArrayBuffer;
    this.#core = new SemaphoreCore(i32, BASE);
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
    if (this.#waiting.length === 0 && this.#core.tryAcquire(permits)) return RESOLVED;
    return new Promise<void>((resolve, reject) => {
      const waiter: LocalWaiter = {
        permits,
        deadline: new Deadline(options),
        resolve,
        reject,
        settled: false,
        forget: noop,
        stop: undefined,
      };
      this.#watch(waiter);
      this.#waiting.push(waiter);
      if (!this.#pumping) void this.#pump();
    });
  }

  /** Settles a waiter on its own timeout or abort, even while others are ahead of it. */
  #watch(waiter: LocalWaiter): void {
    const { deadline } = waiter;
    const giveUp = (reason: unknown) => {
      if (waiter.settled || waiter.reason !== undefined) return;
      waiter.reason = reason;
      if (waiter.stop !== undefined) {
        waiter.stop.cancel(reason); // the pump leaves the shared line, then settles it
        this.#core.pokeLocal();
        return;
      }
      waiter.settled = true;
      waiter.forget();
      this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
      waiter.reject(reason);
    };
    const timer = Number.isFinite(deadline.timeout)
      ? setTimeout(() => giveUp(deadline.timeoutError('Semaphore.acquire')), deadline.timeout)
      : undefined;
    const onAbort = () => giveUp(deadline.signal!.reason);
    deadline.signal?.addEventListener('abort', onAbort, { once: true });
    waiter.forget = () => {
      clearTimeout(timer);
      deadline.signal?.removeEventListener('abort', onAbort);
    };
  }

  /** Serves this thread's waiters one at a time through the shared-memory line. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    while (this.#waiting.length > 0) {
      const waiter = this.#waiting[0];
      const stop = new Deadline(undefined);
      waiter.stop = stop;
      let got = 0;
      let failure: unknown;
      try {
        // The waiter's own timer and signal end this wait through `stop` (see #watch).
        got = await this.#core.acquireAsync(waiter.permits, false, stop);
      } catch (error) {
        failure = error;
      }
      this.#waiting.shift();
      waiter.settled = true;
      waiter.forget();
      if (waiter.reason !== undefined) {
        if (got > 0) this.#core.release(got); // it gave up just as permits came: hand them on
        waiter.reject(waiter.reason);
      } else if (failure !== undefined) waiter.reject(failure);
      else waiter.resolve();
    }
    this.#pumping = false;
  }

  /** Blocks the calling thread until permits are free; throws TimeoutError or `signal.reason`. */
  acquireSync(options?: AcquireOptions): void {
    const permits = permitsOption(options);
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    const got = this.#core.acquireSync(permits, false, deadline);
    if (got === 0) throw deadline.timeoutError('Semaphore.acquireSync');
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

function noop(): void {}

function permitsOption(options: AcquireOptions | undefined): number {
  const permits = options?.permits;
  if (permits === undefined) return 1;
  return checkInteger('permits', permits, 1, MAX_PERMITS);
}
