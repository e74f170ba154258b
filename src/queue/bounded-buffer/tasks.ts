// BoundedBuffer's task count: `taskDone()` marks a got item done and `join()` waits until every
// item put has been marked done (Python's queue.Queue.task_done/join).
//
// One word, DONE: taskDone() calls (and items discarded by close or recover) so far, modulo the
// period, advanced by CAS. Puts need no counter of their own: TAIL says how many were claimed.
// Invariant: unfinished === puts claimed − DONE, counted modulo the period, and never negative
// (taskDone refuses to pass TAIL). The CAS that brings it to zero notifies DONE's sleepers.

import { TaskDoneError } from '../../errors.js';
import { Deadline, type WaitOptions } from '../../sync/wait/deadline.js';
import { waitWordAsync } from '../../sync/wait/word.js';
import { DONE, POSITION_MASK, TAIL } from './layout.js';
import type { Ring } from './ring.js';

/** Items put and not yet marked done, given DONE's value `done` (a snapshot). */
export function unfinished(ring: Ring, done = Atomics.load(ring.i32, DONE)): number {
  return ring.distance(done, ring.sequence(Atomics.load(ring.i32, TAIL) & POSITION_MASK));
}

export function taskDone(ring: Ring): void {
  const i32 = ring.i32;
  for (;;) {
    const done = Atomics.load(i32, DONE);
    const left = unfinished(ring, done);
    if (left === 0) throw new TaskDoneError();
    if (Atomics.compareExchange(i32, DONE, done, (done + 1) % ring.period) === done) {
      if (left === 1) Atomics.notify(i32, DONE); // wake join()ers at zero
      return;
    }
  }
}

/** Counts n discarded items as done. */
export function finishTasks(ring: Ring, n: number): void {
  const i32 = ring.i32;
  for (;;) {
    const done = Atomics.load(i32, DONE);
    if (Atomics.compareExchange(i32, DONE, done, (done + n) % ring.period) === done) break;
  }
  if (unfinished(ring) === 0) Atomics.notify(i32, DONE);
}

/**
 * One look at the count for a joiner: -1 when every item is done, else DONE's value to sleep on
 * (DONE changes on every taskDone, and the one reaching zero notifies: sleeping on it is safe).
 * Throws the TimeoutError once the deadline has passed.
 */
function look(ring: Ring, deadline: Deadline, what: string): number {
  const done = Atomics.load(ring.i32, DONE);
  if (unfinished(ring, done) === 0) return -1;
  if (deadline.remaining() <= 0) throw deadline.timeoutError(what);
  return done;
}

export function joinSync(ring: Ring, options: WaitOptions | undefined): void {
  const deadline = new Deadline(options);
  deadline.throwIfAborted();
  for (let done = look(ring, deadline, 'BoundedBuffer.joinSync'); done !== -1; ) {
    Atomics.wait(ring.i32, DONE, done, deadline.remaining());
    done = look(ring, deadline, 'BoundedBuffer.joinSync');
  }
}

export async function join(ring: Ring, options: WaitOptions | undefined): Promise<void> {
  const deadline = new Deadline(options);
  deadline.throwIfAborted();
  for (let done = look(ring, deadline, 'BoundedBuffer.join'); done !== -1; ) {
    await waitWordAsync(ring.i32, DONE, done, deadline.remaining(), deadline);
    deadline.throwIfAborted();
    done = look(ring, deadline, 'BoundedBuffer.join');
  }
}
