// ByteRing's roles: a thread claiming the writer's or the reader's place, and a dead one's place
// giving up the stream (recovery), so that the other side fails at once instead of waiting.
//
// A ring has one writer and one reader, each a thread named in its OWNER word (set once, never
// cleared), and nothing half-done to repair: the writer publishes with one store of WRITE, the
// reader frees with one store of READ, so a thread that dies between copying and that store has
// published (or freed) nothing. What a death leaves is a side that never comes back: a writer that
// died before close() left an incomplete stream (ABORTED, as abort() would), a reader left a
// writer with nobody to drain the ring (CANCELLED, as cancel() would). A writer that had closed the
// stream left it whole: ENDED stays.

import { threadId as ownThreadId } from 'node:worker_threads';
import { RingRoleError } from '../errors.js';
import { ABORTED, CANCELLED, OPEN, READER_OWNER, STATE, STATE_NAMES, WRITER_OWNER } from './layout.js';
import { READER, type RingSleep, WRITER } from './sleep.js';

/**
 * Makes this thread the ring's writer (or reader): a CAS of its OWNER word from 0. Throws
 * RingRoleError naming the thread that holds the role already.
 */
export function claimRole(i32: Int32Array, role: 'writer' | 'reader'): void {
  const owner = role === 'writer' ? WRITER_OWNER : READER_OWNER;
  const previous = Atomics.compareExchange(i32, owner, 0, ownThreadId + 1);
  if (previous === 0) return;
  const who =
    previous === ownThreadId + 1
      ? `another view of it in this thread (${ownThreadId})`
      : `thread ${previous - 1}`;
  throw new RingRoleError(
    role,
    `this ByteRing already has a ${role}: ${who}. A ring has one writer and one reader; ` +
      `this thread (${ownThreadId}) cannot attach as a second ${role}`,
  );
}

/** What `ByteRing.recover(threadId)` found and did. */
export interface RingRecoveryReport {
  /** The dead thread. */
  readonly threadId: number;
  /** The roles that thread held in the ring (none, if it was neither its writer nor its reader). */
  readonly roles: readonly ('writer' | 'reader')[];
  /** The ring's state afterwards: 'aborted' or 'cancelled' if the death stopped it. */
  readonly state: (typeof STATE_NAMES)[number];
}

/** Stops the stream for a dead `threadId` (exited, checked by the caller) that held a role in it. */
export function recoverRing(i32: Int32Array, sleep: RingSleep, threadId: number): RingRecoveryReport {
  const roles: ('writer' | 'reader')[] = [];
  if (Atomics.load(i32, WRITER_OWNER) === threadId + 1) roles.push('writer');
  if (Atomics.load(i32, READER_OWNER) === threadId + 1) roles.push('reader');
  if (roles.length > 0) {
    const to = roles[0] === 'writer' ? ABORTED : CANCELLED;
    if (Atomics.compareExchange(i32, STATE, OPEN, to) === OPEN) {
      sleep.wake(READER); // both sides look again, and see the stream stopped
      sleep.wake(WRITER);
    }
  }
  return { threadId, roles, state: STATE_NAMES[Atomics.load(i32, STATE)] };
}
