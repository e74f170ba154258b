// The intents table: which thread is about to do what, so that recover(threadId) can repair what a
// thread left half-done when it died. One layout and one way to claim, free and mark entries for
// every shared-memory object that recovers dead threads (Semaphore, Mutex, BoundedBuffer).
//
// ENTRIES entries of ENTRY_WORDS words each, one 64-byte cache line per entry: every claim writes
// its thread's entry, and entries sharing a line would bounce it between cores (+25% on
// BoundedBuffer transfers, measured at c4820ca).
//
//   OWNER    0 free | threadId + 1 (live) | DEAD (being recovered) | TOMBSTONE (BoundedBuffer only)
//            taken by CAS (0 → ME) on a view's first claim; set to DEAD by markDead (recover());
//            freed (0) by recover(), by a normally exiting thread, or when its view is collected
//   INTENT   what the owner is about to do, 0 for nothing; the object says what other values mean
//            (BoundedBuffer: +n puts / -n gets; Semaphore: 1 while it takes or holds a ticket)
//   AT       where (BoundedBuffer: the claim's first position; Semaphore: the ticket)
// INTENT and AT are written with plain stores, only by the owner, right before the CAS that makes
// the claim: that CAS (a full barrier) publishes them. recover() reads them once the owner is dead.
//
// Invariant: an entry whose OWNER is ME names this thread's one unfinished claim, if it has one
// (a claim and its completion run in one synchronous stretch, with no await in between).

import { emitWarning } from '../platform/thread.js';
import { holdEntry, ME } from './recovery.js';

export const ENTRIES = 128;
export const ENTRY_WORDS = 16;
/** Words the table occupies. */
export const INTENTS_WORDS = ENTRIES * ENTRY_WORDS;

/** Word offsets within an entry. */
export const OWNER = 0;
export const INTENT = 1;
export const AT = 2;

/** OWNER values besides 0 (free) and threadId + 1. */
export const DEAD = -1;
export const TOMBSTONE = -2;

/** A view's entry when the table was full: its claims are not recorded. */
export const UNTRACKED = -1;

const warned = new Set<string>();

/** One object's intents table, from word `first` of `i32`. Holds no state: any number of views share it. */
export class IntentsTable {
  readonly i32: Int32Array;
  /** Word index of the first entry's OWNER word. */
  readonly first: number;
  /** Word index just past the table. */
  readonly end: number;
  /** The object's name, for the warning when the table is full. */
  readonly #kind: string;

  constructor(i32: Int32Array, first: number, kind: string) {
    this.i32 = i32;
    this.first = first;
    this.end = first + INTENTS_WORDS;
    this.#kind = kind;
  }

  /**
   * Takes a free entry for `view` (its first claim): returns the word index of its OWNER word, or
   * UNTRACKED when all are taken (the view then works unrecorded, and the process is warned once).
   */
  enter(view: object): number {
    const i32 = this.i32;
    for (let entry = this.first; entry < this.end; entry += ENTRY_WORDS) {
      if (Atomics.load(i32, entry + OWNER) !== 0) continue;
      if (Atomics.compareExchange(i32, entry + OWNER, 0, ME) !== 0) continue;
      i32[entry + INTENT] = 0; // a freed entry may still hold its last owner's intent
      holdEntry(view, i32, entry + OWNER);
      return entry;
    }
    if (!warned.has(this.#kind)) {
      warned.add(this.#kind);
      emitWarning(
        `a ${this.#kind} is used by more than ${ENTRIES} live threads (or views); the rest work, but ` +
          'recover() cannot repair what they leave if they die mid-call. Let exited threads be ' +
          'recovered (watch(worker)) to free their entries.',
        'CONVEYOR_UNTRACKED_THREAD',
      );
    }
    return UNTRACKED;
  }

  /** Marks every entry of thread `threadId` (which has exited) DEAD; returns how many. */
  markDead(threadId: number): number {
    const i32 = this.i32;
    let marked = 0;
    for (let entry = this.first; entry < this.end; entry += ENTRY_WORDS) {
      if (Atomics.compareExchange(i32, entry + OWNER, threadId + 1, DEAD) === threadId + 1) marked++;
    }
    return marked;
  }

  /** Frees an entry that recover() (or a tombstone's skipper) is done with. */
  free(entry: number): void {
    Atomics.store(this.i32, entry + INTENT, 0);
    Atomics.store(this.i32, entry + OWNER, 0); // free the entry, after clearing its intent
  }
}
