// One thread's async acquirers of a shared-memory semaphore, served first come first served.
//
// Only the first of them waits in shared memory (one ticket in the semaphore's line, one
// Atomics.waitAsync); the others wait in a plain array behind it. So a hundred tasks contending in
// one thread cost one sleeper, not a hundred woken on every release, and a release from this same
// thread reaches the first waiter with a microtask (EventCount pokes it) rather than a round trip
// through Atomics.notify. Fairness across threads is the semaphore line's: this thread's waiters
// hold one place in it at a time.
//
// Invariants (thread-local, no locks): #waiting[#head] is the waiter the pump serves while #pumping;
// a waiter is settled exactly once, by its own timer/abort while it is not being served, else by
// the pump; permits the pump obtains for a waiter that gave up meanwhile are released at once.

import type { SemaphoreCore } from './semaphore-core.js';
import { Deadline, type WaitOptions } from './wait/deadline.js';
import { holdOpenIf } from './wait/keep-alive.js';

/** Async acquirers of this thread waiting behind the one that waits in shared memory. */
interface LocalWaiter {
  readonly permits: number;
  /** The call, for its timeout message. */
  readonly what: string;
  readonly deadline: Deadline;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  settled: boolean;
  /** Clears the waiter's timer and abort listener, and stops holding the thread open for it. */
  forget: () => void;
  /** Set while the pump waits in shared memory for this waiter: cancelling it ends that wait. */
  stop: Deadline | undefined;
  /** Why it gave up (timeout error or abort reason), once it has. */
  reason?: unknown;
}

const RESOLVED: Promise<void> = Promise.resolve();

export class LocalLine {
  readonly #core: SemaphoreCore;
  /** Waiters from #head on, first come first served (a head index: shift() would copy them all). */
  #waiting: (LocalWaiter | undefined)[] = [];
  #head = 0;
  #pumping = false;

  constructor(core: SemaphoreCore) {
    this.#core = core;
  }

  /**
   * Takes `permits` (options already checked), waiting behind this thread's earlier acquirers;
   * rejects with TimeoutError (naming `what`) or `signal.reason`.
   */
  acquire(permits: number, options: WaitOptions | undefined, what: string): Promise<void> {
    if (this.#head === this.#waiting.length && this.#core.tryAcquire(permits)) return RESOLVED;
    return new Promise<void>((resolve, reject) => {
      const waiter: LocalWaiter = {
        permits,
        what,
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
      this.#waiting.splice(this.#waiting.indexOf(waiter, this.#head), 1);
      waiter.reject(reason);
    };
    const timer = Number.isFinite(deadline.timeout)
      ? setTimeout(() => giveUp(deadline.timeoutError(waiter.what)), deadline.timeout)
      : undefined;
    if (!deadline.ref) timer?.unref?.();
    // Another thread's release ends this wait: hold the thread open until it settles (unless
    // `ref: false`), since Atomics.waitAsync does not (wait/keep-alive.ts).
    const release = holdOpenIf(deadline.ref);
    const onAbort = () => giveUp(deadline.signal!.reason);
    deadline.signal?.addEventListener('abort', onAbort, { once: true });
    waiter.forget = () => {
      clearTimeout(timer);
      deadline.signal?.removeEventListener('abort', onAbort);
      release();
    };
  }

  /** Takes the served waiter off the front; compacts the array once the served part dominates. */
  #dropHead(): void {
    this.#waiting[this.#head++] = undefined;
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Serves this thread's waiters one at a time through the shared-memory line. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    while (this.#head < this.#waiting.length) {
      const waiter = this.#waiting[this.#head]!;
      if (this.#core.tryAcquire(waiter.permits)) {
        // Free permits and nobody in the shared line: no need to queue there (nor to await).
        this.#dropHead();
        waiter.settled = true;
        waiter.forget();
        waiter.resolve();
        continue;
      }
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
      this.#dropHead();
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
}

function noop(): void {}
