// The WorkerPool's shared memory besides its two BoundedBuffers: one state word and one outcome
// word per ticket, each worker's counters, and the payload slots the tasks and results travel in.
//
// A ticket is one task in flight: an index in [0, tickets). Its payload slot holds the encoded
// task, then the encoded result. Only ticket numbers travel through the buffers (int32 codec, in
// batches), so a queue operation costs a few atomics whatever the task's size.
//
// Who owns a ticket (and may touch its payload slot) follows its state word:
//   FREE        the main thread: not in the tasks buffer, no worker holds it
//   QUEUED      main wrote the task, then put the ticket in the tasks buffer (the put publishes
//               the slot); a worker that takes it CASes QUEUED → CLAIMED(w)
//   CLAIMED(w)  taken by worker w, not started; w CASes CLAIMED(w) → RUNNING(w) to start it
//   RUNNING(w)  worker w runs it; it writes the result (or error) in the slot, its OUTCOME word,
//               then puts the ticket in the results buffer (which publishes both)
//   CANCELLED   main gave up on it (abort, or lost with a dead worker) while QUEUED or CLAIMED:
//               CAS from either, so exactly one of main and the worker wins. A worker reaching a
//               CANCELLED ticket does not run it: it stores CLAIMED(w) again (main never touches a
//               cancelled ticket's state), writes OUTCOME = SKIPPED and returns it
// Main sets FREE once it has read a returned ticket (from the results buffer, or from a dead
// worker's leftovers). Invariants:
//   - each ticket is in the tasks buffer at most once, and only while QUEUED or CANCELLED;
//   - each ticket that enters the tasks buffer comes back exactly once: through the results
//     buffer, through recover() of a dead worker, or through close({ immediate: true });
//   - a task runs at most once: only the CLAIMED(w) → RUNNING(w) CAS starts it, and a CANCELLED
//     ticket never becomes CLAIMED again.

/** State words: written by main (FREE, QUEUED, CANCELLED, by store or CAS) and workers (CAS). */
export const FREE = 0;
export const QUEUED = 1;
export const CANCELLED = 2;
const FIRST_WORKER_STATE = 4;
export const claimedBy = (slot: number): number => FIRST_WORKER_STATE + 2 * slot;
export const runningBy = (slot: number): number => FIRST_WORKER_STATE + 2 * slot + 1;
/** The worker slot a CLAIMED/RUNNING state names, or -1. */
export const slotOf = (state: number): number =>
  state >= FIRST_WORKER_STATE ? (state - FIRST_WORKER_STATE) >> 1 : -1;
export const isRunning = (state: number): boolean =>
  state >= FIRST_WORKER_STATE && (state - FIRST_WORKER_STATE) % 2 === 1;

/** OUTCOME words: written by the worker (plain store) before it returns the ticket. */
export const OK = 1;
export const ERROR = 2;
export const SKIPPED = 3;

/** Per worker slot: counters written by that worker only (Atomics.store), read by stats. */
export const SLOT_WORDS = 4;
/** Tasks this worker finished (ran to a result or an error). */
export const SLOT_TASKS = 0;
/** 1 while it runs a task (or a batch of them), else 0. */
export const SLOT_BUSY = 1;
/** Whole milliseconds spent running tasks, and the microseconds beyond (two words, no tearing worth minding). */
export const SLOT_BUSY_MS = 2;
export const SLOT_BUSY_US = 3;

/** Where each table starts in the control words, for `tickets` tickets and `slots` workers. */
export function controlLayout(tickets: number, slots: number) {
  const states = 0;
  const outcomes = tickets;
  const counters = 2 * tickets;
  return { states, outcomes, counters, words: counters + slots * SLOT_WORDS };
}

/** Bytes of one payload slot: a length word, then slotBytes, 8-aligned (as BoundedBuffer's variable slots). */
export const slotStride = (slotBytes: number): number => (4 + slotBytes + 7) & ~7;

/**
 * Every wait of the pool (main's wait for room in the queue, an idle worker's wait for tasks)
 * ends after this long and starts again: a wake-up that never comes costs at most this much,
 * never a stuck pool.
 */
export const RECHECK_MS = 50;

/** The most tasks a worker takes from the queue at once (fewer when they are slow: see worker.ts). */
export const MAX_BATCH = 64;

/** Tickets for a pool: the queue, what each worker may hold, and one aborted task per worker still finishing. */
export const ticketCount = (queue: number, threads: number): number => queue + threads * (MAX_BATCH + 1);

/** What the main thread sends a worker at start (workerData). */
export interface WorkerConfig {
  module: string;
  codec: 'json' | 'structured';
  slotBytes: number;
  tickets: number;
  slots: number;
  slot: number;
  control: SharedArrayBuffer;
  payloads: SharedArrayBuffer;
  tasks: import('./buffer.js').BoundedBufferHandle;
  results: import('./buffer.js').BoundedBufferHandle;
}

/** The one message a worker posts unasked: it is ready, or its task module could not be used. */
export type StartupMessage = { ready: true } | { ready: false; error: unknown };

/** The one message main posts a worker: abort the task on this ticket if it still runs it. */
export interface AbortMessage {
  abort: number;
}
