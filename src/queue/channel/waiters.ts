// The Channel's waiting calls: a waiter (one put, get, putMany batch, getMany or join that could
// not finish at once), the FIFO lines they wait in, and `waitIn`, which queues a waiter until it is
// served, times out or is aborted. One thread only (the Channel's): no atomics, no locks.
//
// Invariants:
//   a waiter is in at most one line (`w.line`), and is settled exactly once: by whoever removes
//   it from its line (served, timed out, aborted, or rejected by close), in the same synchronous
//   step; removing it also clears its timer and abort listener, so nothing fires after.
import type { Deadline } from '../../sync/wait/deadline.js';

/** A waiting call: linked into exactly one line until it settles. */
export class Waiter<T> {
  prev: Waiter<T> | null = null;
  next: Waiter<T> | null = null;
  line: Line<T> | null = null;
  resolve!: (value: never) => void;
  reject!: (reason: unknown) => void;
  /** Put: the item; putMany: unused. */
  item: T | undefined = undefined;
  /** putMany: the whole list and the batch [from, from + n) this waiter puts. */
  list: readonly T[] | undefined = undefined;
  from = 0;
  /** Items this waiter puts (putters) or may take (getters; 0 means a single get). */
  n = 0;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
}

/** A FIFO line of waiters, doubly linked so that any one leaves in O(1). */
export class Line<T> {
  first: Waiter<T> | null = null;
  last: Waiter<T> | null = null;
  length = 0;

  push(w: Waiter<T>): void {
    w.line = this;
    w.prev = this.last;
    if (this.last === null) this.first = w;
    else this.last.next = w;
    this.last = w;
    this.length++;
  }

  /** Unlinks `w` (which must be in this line) and clears its timer and abort listener. */
  remove(w: Waiter<T>): void {
    if (w.prev === null) this.first = w.next;
    else w.prev.next = w.next;
    if (w.next === null) this.last = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = null;
    w.line = null;
    this.length--;
    if (w.timer !== undefined) clearTimeout(w.timer);
    if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort);
  }

  /** Removes and returns the first waiter. Call only when length > 0. */
  shift(): Waiter<T> {
    const w = this.first!;
    this.remove(w);
    return w;
  }
}

/**
 * Queues `w` on `line` until it is served, times out or is aborted; a wait that cannot start
 * (timeout 0 or already passed) rejects at once without queueing. `left(line)` runs after a waiter
 * left the line unserved (timeout or abort), so that the one behind it may go ahead.
 *
 * Keep-alive: a pending wait never holds the process open, since only this thread's own code can
 * end it (sync/wait/keep-alive.ts); its timeout timer does, unless the call says `ref: false`.
 */
export function waitIn<T, R>(
  line: Line<T>,
  w: Waiter<T>,
  deadline: Deadline | undefined,
  what: string,
  left: (line: Line<T>) => void,
): Promise<R> {
  if (deadline !== undefined) {
    const remaining = deadline.remaining();
    if (remaining <= 0) return Promise.reject(deadline.timeoutError(what));
  }
  const promise = new Promise<R>((resolve, reject) => {
    w.resolve = resolve as (value: never) => void;
    w.reject = reject;
  });
  line.push(w);
  if (deadline !== undefined) {
    const remaining = deadline.remaining();
    if (remaining !== Number.POSITIVE_INFINITY) {
      w.timer = setTimeout(() => {
        w.timer = undefined;
        if (w.line === null) return;
        w.line.remove(w);
        w.reject(deadline.timeoutError(what));
        left(line);
      }, remaining);
      if (!deadline.ref) w.timer.unref?.(); // { ref: false }: not even its timeout holds the process
    }
    const signal = deadline.signal;
    if (signal !== undefined) {
      w.signal = signal;
      w.onAbort = () => {
        if (w.line === null) return;
        w.line.remove(w);
        w.reject(signal.reason);
        left(line);
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
    }
  }
  return promise;
}
