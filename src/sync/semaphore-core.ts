// The counting semaphore under Semaphore and Mutex, laid out in shared memory so that any number
// of threads (and async tasks within them) acquire and release it at once.
//
// Implementation notes
// --------------------
// Permits live in one word (COUNT) taken by compare-and-swap and given back by an atomic add, so
// an uncontended acquire or release costs one or two atomic operations and no system call.
//
// Fairness. A thread that finds too few permits joins a FIFO line by taking a ticket
// (NEXT_TICKET); only the ticket at the head of the line (SERVING) may take permits, and a
// newcomer may barge past the line only while the line is empty. So a waiter cannot starve: once
// it holds a ticket, every later arrival queues behind it, and a waiter asking for many permits
// is not overtaken by a stream of small requests. A waiter that times out or aborts marks its
// ticket cancelled on the BOARD; whoever advances SERVING skips cancelled tickets, and whoever
// moves SERVING past a ticket wipes its mark, so that no mark survives to the ticket's next lap
// (tickets are int32 and wrap after 2^32: a stale mark would make a live ticket look cancelled).
//
// Sleeping goes through an event count (wait/event-count.ts): every change a sleeper could be waiting
// for (permits released, the line advanced, a cancellation) is followed by a wake, so a wake-up is
// never lost. A semaphore cannot be closed: a waiter ends with its permits, its timeout or its signal.
//
// Memory effect: actions of a thread before `release()` happen-before the actions of a thread
// after the `acquire()` that takes those permits (the CAS on COUNT reads the value the add wrote).
//
// Dead threads. A thread that dies while it holds a ticket would stop the line for good when
// SERVING reaches it. So each thread (each view) keeps an entry in the intents table (intents.ts)
// saying which ticket it is taking:
// written right before the CAS on NEXT_TICKET, cleared when that CAS fails, left stale after
// (a stale ticket is behind SERVING). `recoverThread(id)`, once that thread has exited, cancels
// its ticket if it is still in line, as a timed-out waiter would. Permits carry no owner, so a
// dead thread's permits are not given back, except for a Mutex: its owner word (`ownerAt`) is
// stored in the same stretch as the permit is taken and cleared in the same stretch as it is given
// back (no function entry or loop back-edge in between, where worker.terminate() could land).
//
// Invariants (lock free):
//   0 <= COUNT <= 2^31-1
//   SERVING <= NEXT_TICKET <= SERVING + LINE_SLOTS            (as int32 differences)
//   only the holder of ticket SERVING, or a barger while SERVING === NEXT_TICKET, takes permits
//   BOARD[t & (LINE_SLOTS-1)] === t  ⇒  ticket t was cancelled; the mark is wiped (to a word whose
//   low bits are not its slot's, so it matches no ticket) by whoever moves SERVING past t

import { AT, DEAD, ENTRY_WORDS, INTENT, INTENTS_WORDS, IntentsTable, OWNER } from './intents.js';
import { ME } from './recovery.js';
import type { Deadline } from './wait/deadline.js';
import { EventCount } from './wait/event-count.js';
import { NOT_YET, TIMED_OUT } from './wait/outcomes.js';

/** Word offsets from the semaphore's base index. */
/** Available permits; taken by CAS in `tryTake`, given back by Atomics.add in `release`. */
const COUNT = 0;
/** Words 1..2: the event count (EPOCH, SLEEPERS) that waiters sleep on; see wait/event-count.ts. */
const EVENTS = 1;
/** Next ticket to hand out; advanced by CAS in `enterLine`. */
const NEXT_TICKET = 3;
/** Ticket at the head of the line; advanced by CAS in `advance`, only past served or cancelled tickets. */
const SERVING = 4;
/**
 * First word of the cancellation board. Word t & (LINE_SLOTS-1) is set to t by ticket t's canceller
 * (in `leave`) and wiped by CAS to t + 1 by whoever moves SERVING past t (in `advance`).
 */
const BOARD = 8;

/** Tickets outstanding at most; further waiters wait to enter the line. A power of two. */
export const LINE_SLOTS = 128;
/**
 * The intents table (intents.ts), from the first 64-byte line after the board: an entry says which
 * ticket its owner is taking (INTENT 1 while it takes or holds ticket AT, 0 after a failed CAS).
 */
const INTENTS_AFTER = BOARD + LINE_SLOTS;
/** Words of room for aligning the table to a 64-byte line (16 words), whatever the base. */
const ALIGN_ROOM = ENTRY_WORDS - 1;
/** Int32 words one semaphore occupies. */
export const SEMAPHORE_WORDS = INTENTS_AFTER + ALIGN_ROOM + INTENTS_WORDS;

/** The largest permit count. */
export const MAX_PERMITS = 0x7fffffff;

/** Writes a fresh semaphore's words. Call before the memory is shared. */
export function initSemaphore(i32: Int32Array, base: number, permits: number): void {
  i32[base + COUNT] = permits;
  i32[base + EVENTS] = 0;
  i32[base + EVENTS + 1] = 0;
  i32[base + NEXT_TICKET] = 0;
  i32[base + SERVING] = 0;
  // Each board word starts wiped: its low bits are not its slot's, so it matches no ticket.
  for (let i = 0; i < LINE_SLOTS; i++) i32[base + BOARD + i] = wiped(i);
}

/** A waiter's place: whether it has joined the line, and its ticket there. */
export interface Place {
  inLine: boolean;
  ticket: number;
  /** Permits taken by the last successful attempt. */
  taken: number;
}

/**
 * One counting semaphore at `base` in `i32`. This object is a view: it holds no state of its own,
 * so any number of views in any threads may share the words.
 */
export class SemaphoreCore {
  readonly i32: Int32Array;
  readonly base: number;
  /** A Mutex's owner word: set to ME when a permit is taken, cleared when it is given back; 0 if none. */
  readonly ownerAt: number;
  readonly #events: EventCount;
  readonly #intents: IntentsTable;
  /** Word index of this view's intents entry; 0 until its first ticket, UNTRACKED (< 0) if the table was full. */
  #entry = 0;

  constructor(i32: Int32Array, base: number, kind: string, options: { ownerAt?: number } = {}) {
    this.i32 = i32;
    this.base = base;
    this.ownerAt = options.ownerAt ?? 0;
    this.#events = new EventCount(i32, base + EVENTS);
    this.#intents = new IntentsTable(i32, intentsAt(base), kind);
  }

  get value(): number {
    return Atomics.load(this.i32, this.base + COUNT);
  }

  /** Takes n permits if they are there, whatever the line; true on success. */
  private tryTake(n: number): boolean {
    const i32 = this.i32;
    const at = this.base + COUNT;
    let count = Atomics.load(i32, at);
    while (count >= n) {
      const seen = Atomics.compareExchange(i32, at, count, count - n);
      if (seen === count) {
        if (this.ownerAt !== 0) Atomics.store(i32, this.ownerAt, ME); // in the same stretch as the take
        return true;
      }
      count = seen;
    }
    return false;
  }

  /**
   * Takes up to `max` permits (at least 1) if any are there, whatever the line; returns how many
   * (0 if none). Queues use it for tryPut/tryGet, which succeed whenever there is room or an item.
   */
  tryTakeUpTo(max: number): number {
    const i32 = this.i32;
    const at = this.base + COUNT;
    let count = Atomics.load(i32, at);
    while (count > 0) {
      const take = Math.min(count, max);
      const seen = Atomics.compareExchange(i32, at, count, count - take);
      if (seen === count) {
        if (this.ownerAt !== 0) Atomics.store(i32, this.ownerAt, ME); // in the same stretch as the take
        return take;
      }
      count = seen;
    }
    return 0;
  }

  /** The never-waiting acquire: succeeds only if nobody is in line (no barging past waiters). */
  tryAcquire(n: number): boolean {
    const i32 = this.i32;
    const b = this.base;
    if (Atomics.load(i32, b + NEXT_TICKET) !== Atomics.load(i32, b + SERVING)) return false;
    return this.tryTake(n);
  }

  /** Like tryAcquire, but takes whatever is there up to `max`; returns the count taken. */
  tryAcquireUpTo(max: number): number {
    const i32 = this.i32;
    const b = this.base;
    if (Atomics.load(i32, b + NEXT_TICKET) !== Atomics.load(i32, b + SERVING)) return 0;
    return this.tryTakeUpTo(max);
  }

  /** Gives back n permits and wakes sleepers. The caller has checked n. */
  release(n: number): void {
    if (this.ownerAt !== 0) Atomics.store(this.i32, this.ownerAt, 0); // cleared before the permit is given back
    Atomics.add(this.i32, this.base + COUNT, n);
    this.wake();
  }

  /** Gives back n permits unless COUNT would pass `max`; returns false (nothing done) if it would. */
  releaseBounded(n: number, max: number): boolean {
    const i32 = this.i32;
    const at = this.base + COUNT;
    let count = Atomics.load(i32, at);
    for (;;) {
      if (count > max - n) return false;
      const seen = Atomics.compareExchange(i32, at, count, count + n);
      if (seen === count) break;
      count = seen;
    }
    this.wake();
    return true;
  }

  /** Wakes the sleepers, if any is registered. */
  wake(): void {
    this.#events.wake();
  }

  /** Settles this thread's async waiters through this view now, so they re-check. */
  pokeLocal(): void {
    this.#events.pokeLocal();
  }

  /**
   * One step of a waiting acquire of n permits (or of 1..n when `upTo`): true when it took them
   * (`place.taken` says how many), false when it must wait (in line, or waiting to join it). The
   * ticket stays in `place`, never in the answer: tickets take every int32 value as they wrap.
   */
  private attempt(place: Place, n: number, upTo: boolean): boolean {
    const i32 = this.i32;
    const b = this.base;
    if (!place.inLine) {
      if (Atomics.load(i32, b + NEXT_TICKET) === Atomics.load(i32, b + SERVING)) {
        const got = upTo ? this.tryTakeUpTo(n) : this.tryTake(n) ? n : 0;
        if (got > 0) {
          place.taken = got;
          return true;
        }
      }
      if (!this.enterLine(place)) return false; // the line is full: wait for it to move
    }
    const ticket = place.ticket;
    if (Atomics.load(i32, b + SERVING) === ticket) {
      const got = upTo ? this.tryTakeUpTo(n) : this.tryTake(n) ? n : 0;
      if (got > 0) {
        place.inLine = false;
        place.taken = got;
        this.advance(ticket);
        return true;
      }
    }
    return false;
  }

  /** Takes a ticket into `place`; false when LINE_SLOTS tickets are outstanding. */
  private enterLine(place: Place): boolean {
    const i32 = this.i32;
    const b = this.base;
    let entry = this.#entry;
    if (entry === 0) {
      entry = this.#intents.enter(this);
      this.#entry = entry;
    }
    for (;;) {
      const next = Atomics.load(i32, b + NEXT_TICKET);
      if (((next - Atomics.load(i32, b + SERVING)) | 0) >= LINE_SLOTS) return false;
      if (entry > 0) {
        // Plain stores: the CAS that follows (a full barrier) publishes them.
        i32[entry + AT] = next;
        i32[entry + INTENT] = 1;
      }
      if (Atomics.compareExchange(i32, b + NEXT_TICKET, next, (next + 1) | 0) === next) {
        place.inLine = true;
        place.ticket = next;
        return true;
      }
      if (entry > 0) i32[entry + INTENT] = 0; // no ticket: in the same stretch as the failed CAS
    }
  }

  /**
   * Takes thread `id` (which has exited) out of the line: cancels the ticket it held, if it is
   * still in line, and frees its entries. Returns the number of tickets cancelled.
   */
  recoverThread(id: number): number {
    const i32 = this.i32;
    const b = this.base;
    const intents = this.#intents;
    let cancelled = 0;
    for (let entry = intents.first; entry < intents.end; entry += ENTRY_WORDS) {
      if (Atomics.compareExchange(i32, entry + OWNER, id + 1, DEAD) !== id + 1) continue;
      const ticket = Atomics.load(i32, entry + AT);
      // Its INTENT is 1 only if its CAS went through (a failed one clears it in the same stretch).
      if (
        Atomics.load(i32, entry + INTENT) === 1 &&
        ((ticket - Atomics.load(i32, b + SERVING)) | 0) >= 0 &&
        ((Atomics.load(i32, b + NEXT_TICKET) - ticket) | 0) > 0
      ) {
        // Issued and not yet passed: leave the line as a timed-out waiter would (it may have been
        // cancelled, or served, and died before moving SERVING on: advance is safe either way).
        Atomics.store(i32, b + BOARD + (ticket & (LINE_SLOTS - 1)), ticket);
        this.advance(ticket);
        cancelled++;
      }
      intents.free(entry);
    }
    this.wake();
    return cancelled;
  }

  /** Moves the head of the line past `from` (if it is there) and past any cancelled tickets. */
  private advance(from: number): void {
    const i32 = this.i32;
    const b = this.base;
    if (Atomics.compareExchange(i32, b + SERVING, from, (from + 1) | 0) !== from) return;
    this.wipeMark(from);
    let head = (from + 1) | 0;
    while (
      head !== Atomics.load(i32, b + NEXT_TICKET) &&
      Atomics.load(i32, b + BOARD + (head & (LINE_SLOTS - 1))) === head
    ) {
      if (Atomics.compareExchange(i32, b + SERVING, head, (head + 1) | 0) !== head) break;
      this.wipeMark(head);
      head = (head + 1) | 0;
    }
    this.wake();
  }

  /**
   * Wipes ticket t's cancellation mark, if it is there, once SERVING has moved past t. By CAS, not
   * a store: ticket t + LINE_SLOTS may already have been issued and cancelled, and its mark stays.
   */
  private wipeMark(t: number): void {
    Atomics.compareExchange(this.i32, this.base + BOARD + (t & (LINE_SLOTS - 1)), t, wiped(t));
  }

  /** Gives up a place in line (timeout or abort) and leaves no trace. */
  leave(place: Place): void {
    if (!place.inLine) return;
    place.inLine = false;
    const ticket = place.ticket;
    // Mark first, then try to advance: if we are at the head now, nobody else will move past us;
    // if we are not, whoever reaches our ticket later reads the mark (written before their CAS).
    Atomics.store(this.i32, this.base + BOARD + (ticket & (LINE_SLOTS - 1)), ticket);
    this.advance(ticket);
    // Someone may have been waiting on permits we could have taken; let them re-check.
    this.wake();
  }

  /**
   * Blocks the calling thread until n permits (1..n when `upTo`) are taken; returns the number
   * taken, or 0 when the deadline passed (nothing taken).
   */
  acquireSync(n: number, upTo: boolean, deadline: Deadline): number {
    const place = newPlace();
    const result = this.#events.waitSync(() => this.#check(place, n, upTo), deadline);
    if (result !== TIMED_OUT) return result;
    this.leave(place);
    return 0;
  }

  /** The async form of `acquireSync`; rejects with signal.reason on abort, leaving the line. */
  async acquireAsync(n: number, upTo: boolean, deadline: Deadline): Promise<number> {
    const place = newPlace();
    const result = await this.#events.waitAsync(
      () => this.#check(place, n, upTo),
      deadline,
      () => this.leave(place),
    );
    if (result !== TIMED_OUT) return result;
    this.leave(place);
    return 0;
  }

  #check(place: Place, n: number, upTo: boolean): number | typeof NOT_YET {
    return this.attempt(place, n, upTo) ? place.taken : NOT_YET;
  }
}

/** Word index of the intents table of the semaphore at `base`: the first 64-byte line after its board. */
function intentsAt(base: number): number {
  return (base + INTENTS_AFTER + ALIGN_ROOM) & ~ALIGN_ROOM;
}

/** A board word for slot t & (LINE_SLOTS-1) that equals no ticket: its low bits are the next slot's. */
function wiped(t: number): number {
  return (t + 1) | 0;
}

function newPlace(): Place {
  return { inLine: false, ticket: 0, taken: 0 };
}
