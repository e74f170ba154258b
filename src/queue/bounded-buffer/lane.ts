// A one-producer, one-consumer lane: BoundedBuffer's ring when the user declares
// `{ producers: 1, consumers: 1 }`. Claims, publishes and frees by whole batches; the copies in
// and out are lane-transfer.ts's.
//
// Design
// ------
// With one producer and one consumer nobody races for a position, so the slots need no stamps
// and the claims no compare-and-swap loop (ring.ts's design, for any number of each). As in
// ringbuf.js, each side owns one index and only reads the other's:
//
//   put:  room for n (HEAD, re-read only when the room this view knows of runs out)
//         → write the n slots from TAIL (TypedArray.set for a typed batch)
//         → TAIL: t → t + n, ONE compareExchange (publish)          → wake the consumer if it sleeps
//   get:  items ready (TAIL, re-read only when the items this view knows of run out)
//         → copy up to max out → HEAD: h → h + n, ONE store (free)   → wake the producer if it sleeps
//
// The publish is a compare-and-swap from the producer's own TAIL, never retried: TAIL's only
// other writer is close(), which sets the CLOSED mark (bit 31, as in ring.ts), so the swap fails
// exactly when the buffer was closed first, and the batch is then refused whole, never seen. A
// plain store would erase the mark, and an unconditional add or exchange would publish a batch
// after close() (after a getter was told "closed and drained"); the swap costs what a store does
// (V8 emits a locked instruction for Atomics.store too) and there is nobody to race with.
//
// Positions are ring.ts's (lap * ONE_LAP + index, in 30 bits), so size, closed, drained and the
// task count (tasks.ts) read a lane's TAIL and HEAD exactly as a ring's.
//
// Sleeping (sync/wait/word.ts's Sleeper, futex style): a side that must wait sleeps on its own
// sleep word, CONSUMER_SLEEPS (on TAIL's line) or PRODUCER_SLEEPS (on HEAD's line), after setting
// its WAITING bit with a CAS and looking again. The other side, after its publishing store, loads
// that word and only if the bit is set clears it and notifies: a notify is paid only when the other
// side sleeps. All of these are sequentially consistent: either the waker's load follows the
// sleeper's CAS (it clears the bit and notifies; the sleeper's wait returns at once or is woken),
// or the sleeper's second look follows the publishing store (it sees the change, and does not
// sleep). close() sets the mark, then wakes both sides the same way.
//
// Sides: PRODUCER_OWNER and CONSUMER_OWNER hold threadId + 1 of the thread whose view holds that
// side, taken by CAS from 0 on the view's first put (get). Another view, in any thread, that puts
// (gets) is refused with LaneRoleError before it touches anything. A side is freed when its view
// is garbage-collected or its worker exits normally (sync/recovery.ts), or by recover(threadId)
// once that thread has died; then another view may take it over. close({ immediate: true }) from
// a view without the consumer side borrows it while it is free, marked -(threadId + 1): a get that
// meets the mark answers "closed and drained", which it is once the discard is done.
//
// Dead threads: each side's work becomes visible in one atomic step, so a thread killed at any
// point leaves nothing half-done. A producer killed mid-batch has published whole batches or
// none of the one it was writing (its slots past TAIL are not the consumer's to read); a consumer
// killed mid-batch had freed nothing of the batch it was copying, which is still there for the
// next consumer. recover() only frees the dead thread's side.
//
// Invariants:
//   HEAD <= TAIL <= HEAD + capacity                                  (in sequence order)
//   TAIL's position is written only by the holder of PRODUCER_OWNER (CAS from its own value)
//   HEAD is written only by the holder of CONSUMER_OWNER (store)
//   slots of positions [HEAD, TAIL) hold published items, each got exactly once, in order
//   TAIL has the CLOSED mark ⇒ TAIL never moves again
//   a sleep word's WAITING bit is set ⇐ that side sleeps on it, or is about to
// Memory: the writes into a batch's slots happen-before the swap of TAIL that publishes them,
// which happens-before the consumer's load of TAIL and its copy out; the copy out happens-before
// the store of HEAD, which happens-before the producer reuses those slots.
//
// Every shared access here is an Atomics call or an element of the buffer's Int32Array (the
// model checker runs this code against a recorded memory), and nothing here waits.

import { LaneRoleError } from '../../errors.js';
import { threadId } from '../../platform/thread.js';
import { holdEntry, ME } from '../../sync/recovery.js';
import { type Attempt, WAITING } from '../../sync/wait/word.js';
import type { RecoveryReport } from './dead-threads.js';
import { corrupted } from './failures.js';
import {
  CLOSED_MARK,
  CONSUMER_OWNER,
  CONSUMER_SLEEPS,
  HEAD,
  POSITION_MASK,
  PRODUCER_OWNER,
  PRODUCER_SLEEPS,
  TAIL,
} from './layout.js';
import { CLOSED, NONE, Ring } from './ring.js';

/** A lane's shared words, seen from one view: its side(s), and what it knows of the other's index. */
export class Lane extends Ring {
  /** Whether this view holds the producer (consumer) side. */
  #producer = false;
  #consumer = false;
  /** Producer: TAIL's position as this view last published it, and free slots it knows of from there. */
  #tail = 0;
  #room = 0;
  /** Consumer: HEAD's position (this view writes it), and published items it knows of from there. */
  #head = 0;
  #ready = 0;
  /** Items the last successful ready() found (at most its `max`). */
  claimed = 0;

  /** This view's state that outlives a call (the explorer declares it): the ring's, and its sides and indices. */
  override get guesses(): string {
    const sides = `${this.#producer ? 'p' : ''}${this.#consumer ? 'c' : ''}`;
    return `${super.guesses} ${sides} ${this.#tail},${this.#room} ${this.#head},${this.#ready},${this.claimed}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Producer

  /**
   * Room for n items at TAIL: the first position, CLOSED, or NONE when fewer than n slots are
   * free (`attempt`, if given, says where to sleep). Claims nothing: only this view moves TAIL.
   */
  room(n: number, attempt: Attempt | undefined): number {
    if (!this.#producer) this.#attach(PRODUCER_OWNER, 'producer');
    const tail = this.#tail;
    if (this.#room < n) {
      const head = Atomics.load(this.i32, HEAD);
      this.checkPosition(head, 'HEAD', head);
      this.#room = this.capacity - this.distance(this.sequence(head), this.sequence(tail));
      if (this.#room < 0) throw corrupted('HEAD', head); // past TAIL: no consumer wrote that
      if (this.#room < n) {
        if ((Atomics.load(this.i32, TAIL) & CLOSED_MARK) !== 0) return CLOSED;
        if (attempt !== undefined)
          attempt.blockedAt(PRODUCER_SLEEPS, Atomics.load(this.i32, PRODUCER_SLEEPS));
        return NONE;
      }
    }
    return tail;
  }

  /**
   * Publishes the n items written from `position` (room's answer): `position`, or CLOSED if
   * close() came first (then nothing was published).
   */
  publish(position: number, n: number): number {
    const i32 = this.i32;
    const next = this.advance(position, n);
    // publish the batch to the consumer: fails only if close() marked TAIL first
    if (Atomics.compareExchange(i32, TAIL, position, next) !== position) return CLOSED;
    this.#tail = next;
    this.#room -= n;
    if (Atomics.load(i32, CONSUMER_SLEEPS) !== 0) this.#wake(CONSUMER_SLEEPS);
    return position;
  }

  // ---------------------------------------------------------------------------------------------
  // Consumer

  /**
   * Up to `max` published items at HEAD: the first position (how many in `claimed`), CLOSED when
   * the buffer is closed and drained, or NONE when it is empty (`attempt`, if given, says where to
   * sleep). Takes nothing: only this view moves HEAD.
   */
  ready(max: number, attempt: Attempt | undefined): number {
    if (!this.#consumer && !this.#attach(CONSUMER_OWNER, 'consumer')) return CLOSED;
    const head = this.#head;
    if (this.#ready < max) {
      const tail = Atomics.load(this.i32, TAIL);
      this.checkPosition(tail & POSITION_MASK, 'TAIL', tail);
      this.#ready = this.distance(this.sequence(head), this.sequence(tail & POSITION_MASK));
      if (this.#ready > this.capacity) throw corrupted('TAIL', tail); // more than a lap ahead
      if (this.#ready === 0) {
        if ((tail & CLOSED_MARK) !== 0) return CLOSED;
        if (attempt !== undefined)
          attempt.blockedAt(CONSUMER_SLEEPS, Atomics.load(this.i32, CONSUMER_SLEEPS));
        return NONE;
      }
    }
    this.claimed = Math.min(max, this.#ready);
    return head;
  }

  /** Frees the n slots from `position` (ready's answer), whose items were copied out. */
  free(position: number, n: number): void {
    const i32 = this.i32;
    const next = this.advance(position, n);
    this.#head = next;
    this.#ready -= n;
    Atomics.store(i32, HEAD, next); // publish: the batch's slots are free for the producer
    if (Atomics.load(i32, PRODUCER_SLEEPS) !== 0) this.#wake(PRODUCER_SLEEPS);
  }

  /**
   * For close({ immediate: true }): makes this view the consumer for the discard. 'mine' if it
   * holds the side already; 'borrowed' if the side was free and this view took it only now (give
   * it back with `giveBackConsumer`); 'elsewhere' (taking nothing) if another view holds it.
   */
  borrowConsumer(): 'mine' | 'borrowed' | 'elsewhere' {
    if (this.#consumer) return 'mine';
    // Marked -ME, not ME: a get that meets the mark knows the buffer is closed and being emptied.
    if (Atomics.compareExchange(this.i32, CONSUMER_OWNER, 0, -ME) !== 0) return 'elsewhere';
    this.#consumer = true;
    this.#head = Atomics.load(this.i32, HEAD);
    this.#ready = 0;
    return 'borrowed';
  }

  giveBackConsumer(): void {
    this.#consumer = false;
    Atomics.store(this.i32, CONSUMER_OWNER, 0); // free the consumer side again
  }

  // ---------------------------------------------------------------------------------------------
  // Sides, waking, dead threads

  /**
   * Takes a side for this view (its first put or get): true, or false if close({ immediate })
   * holds the consumer side to empty the buffer (it is closed, and drained once that is done).
   * Throws LaneRoleError if another view holds the side.
   */
  #attach(owner: number, role: 'producer' | 'consumer'): boolean {
    const i32 = this.i32;
    const previous = Atomics.compareExchange(i32, owner, 0, ME);
    if (previous < 0) return false;
    if (previous !== 0) {
      const holder = previous - 1;
      const who = previous === ME ? `another view of it in this thread (${threadId})` : `thread ${holder}`;
      const freed =
        previous === ME
          ? 'a view holds its side while it lives'
          : `once that thread has exited, recover(${holder}) (or watch(worker)) frees the side`;
      throw new LaneRoleError(
        role,
        holder,
        `this BoundedBuffer is a lane ({ producers: 1, consumers: 1 }) and its ${role} is ${who}; ` +
          `this thread (${threadId}) cannot ${role === 'producer' ? 'put' : 'get'} as a second ${role} (${freed})`,
      );
    }
    holdEntry(this, i32, owner); // freed if this view is collected or its worker exits normally
    if (role === 'producer') {
      this.#producer = true;
      this.#tail = Atomics.load(i32, TAIL) & POSITION_MASK;
      this.#room = 0;
    } else {
      this.#consumer = true;
      this.#head = Atomics.load(i32, HEAD);
      this.#ready = 0;
    }
    return true;
  }

  /** Clears a sleep word's WAITING bit and wakes its sleeper. */
  #wake(at: number): void {
    Atomics.store(this.i32, at, 0); // publish: the change this side just made is there to see
    Atomics.notify(this.i32, at);
  }

  /** After close() marked TAIL: wakes both sides, if asleep, to see it. */
  override wakeAllSleepers(): void {
    const i32 = this.i32;
    if ((Atomics.load(i32, CONSUMER_SLEEPS) & WAITING) !== 0) this.#wake(CONSUMER_SLEEPS);
    if ((Atomics.load(i32, PRODUCER_SLEEPS) & WAITING) !== 0) this.#wake(PRODUCER_SLEEPS);
  }

  /**
   * Frees the sides that thread `threadId` (exited) held, so that another view can take them
   * over. Nothing else to repair: a batch is published (freed) whole by one atomic step or not at
   * all, so a dead producer's unpublished batch was never in the buffer, and a dead consumer's
   * unfreed batch still is.
   */
  recover<T>(threadId: number): RecoveryReport<T> {
    Atomics.compareExchange(this.i32, PRODUCER_OWNER, threadId + 1, 0); // free the producer side
    Atomics.compareExchange(this.i32, CONSUMER_OWNER, threadId + 1, 0); // free the consumer side
    Atomics.compareExchange(this.i32, CONSUMER_OWNER, -(threadId + 1), 0); // or its close's hold on it
    return { threadId, droppedPuts: 0, returned: [], undecided: 0 };
  }
}
