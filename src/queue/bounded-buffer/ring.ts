// BoundedBuffer's ring: claiming positions, publishing and freeing slots, and position arithmetic.
//
// Design
// ------
// The producer–consumer problem's textbook answer guards a ring with three semaphores: `empty`
// (free slots), `full` (filled slots) and one `mutex` around the ring. Two counters and a lock
// shared by every thread would bounce the same three cache lines between cores on every put and
// get, so this ring uses none of them. Every slot carries its own stamp that says "free for the
// put at position p" or "holds the item of position p", and positions are claimed with a
// compare-and-swap (the bounded MPMC queue of Dmitry Vyukov, as in crossbeam's array channel):
//
//   put:  p = TAIL; stamp[p] === p (free)?        → CAS TAIL p→p+1 (claim) → write → stamp = p + 1 (publish)
//   get:  h = HEAD; stamp[h] === h + 1 (filled)?  → CAS HEAD h→h+1 (claim) → read  → stamp = h + ONE_LAP (free)
//
// A put finding its slot still filled from the last lap sees the buffer full; a get finding its
// slot not yet filled sees it empty. Either sleeps on that very stamp (sleep.ts): it sets the
// stamp's WAITING bit, re-checks, then waits on the marked value. Whoever changes a stamp that may
// have a sleeper does so with `Atomics.exchange`, and notifies only when the old value carried the
// bit, so the common path never pays for a notify.
//
// Batches pay per batch, not per item. A batch claims k consecutive positions in one CAS; the
// positions one claim took are a *run*. It publishes (or frees) its run with one exchange: it
// writes every stamp but the first with a plain store, then exchanges the first. A run's first
// stamp is the only one of its stamps anyone can sleep on while the run is being published or
// freed (a getter sleeps only at HEAD, which cannot pass an unpublished first; a putter sleeps on
// the first stamp in its window that is not free, and a run being freed is freed first-last, so a
// putter scanning from TAIL meets its first before any of the rest), so the plain stores lose no
// wake-up; the explorer catches either order reversed (test/check/conveyor-buffer.test.ts). And
// the claims skip a run's stamps: a run of several marks each of its stamps with the RUN mark and
// writes beside each a plain word, runEnd, that says where the run ends. A claim that finds
// position p filled (or free) with the mark reads runEnd there and counts the whole rest of the
// run without loading its stamps: one Atomics.load per run, not per item. (Single puts and gets
// write no mark and no runEnd, so they pay nothing for this; a runEnd is read only under its
// stamp's mark, so it is never a stale one from an earlier lap.) In JavaScript every Atomics
// call on these paths is a call into a V8 builtin (on Node 20 as on 24), a third of a
// transfer's time, so this is where batches gain.
//
// A position packs a lap and an index: position = lap * ONE_LAP + index, with ONE_LAP the power
// of two above capacity. Positions live in 30 bits and wrap at 2^30, which ONE_LAP divides, so
// every test is an equality and wrap-around is harmless. Bit 31 of TAIL is the CLOSED mark; bit
// 31 of a stamp is its WAITING bit, bit 30 its RUN mark.
//
// Fairness: none between a batch and single calls. A putMany of n items claims its n positions in
// one CAS once all n slots are free; single puts claim one free slot at a time, so a stream of
// single puts that keeps the buffer nearly full can keep a waiting batch waiting for ever (the
// same holds for getMany, which takes what is there, so it never waits behind singles). Among
// calls of one size, the first to find its slot free wins; there is no line.
//
// Invariants (lock free):
//   HEAD <= TAIL <= HEAD + capacity                    (in sequence order)
//   positions in [HEAD, TAIL) are claimed by puts; each is got exactly once, in position order
//   stamp[i] === p           ⇔ slot i is free for the put at position p      (ignoring WAITING, RUN)
//   stamp[i] === p + 1       ⇔ slot i holds the item put at position p, not yet claimed or read
//   WAITING set on stamp[i]  ⇐ some thread sleeps (or is about to) on stamp[i]
//   stamp[i] filled (free) for p with the RUN mark ⇒ runEnd[i] is the end of the run of filled
//                            (free) positions that p was published (freed) in: every position
//                            from p to it is filled (free) too, or claimed since by a later claim
//   a run's first stamp is written last, with an exchange; its other stamps before, plainly
//   TAIL has the CLOSED mark ⇒ no put claims a position any more (claims CAS against the mark)
//   a get reports "closed and drained" only when TAIL is marked and HEAD === TAIL without the mark
// Memory: writing an item, its stamp and its runEnd happen-before the exchange of its run's first
// stamp, which happens-before the get that loads that stamp (Atomics both). A get that claims a
// position inside a run whose first it did not load is ordered after that first by HEAD: the get
// that claimed the first loaded it, then moved HEAD with a CAS, and every later claimer reads HEAD
// (a load or a CAS) before it reads the stamps past it. The same holds for frees, puts and TAIL.
// A claim that reads stamps or run ends from a stale guess of HEAD (TAIL) may read old values;
// its CAS from that guess then fails, and it discards what it read.
//
// Each claiming CAS is preceded by a record in this thread's intents entry (sync/intents.ts), so
// that recover() can tell whether a dead thread's claim went through (dead-threads.ts).

import type { IntentsTable } from '../../sync/intents.js';
import * as intentWords from '../../sync/intents.js';
import * as wordWait from '../../sync/wait/word.js';
import { type Attempt, awaitChange } from '../../sync/wait/word.js';
import { skipDeadPut } from './dead-threads.js';
import { corrupted } from './failures.js';
import type { Layout } from './layout.js';
import * as layoutWords from './layout.js';

// Module-local copies of the constants that every claim, publish and free reads. V8 reads an
// imported binding through its module cell, with a temporal-dead-zone check, at each use, and
// cannot fold it; a local const is one load. On the one-at-a-time path of putSync/getSync the
// imported form cost about 11% of a put+get pair's instructions (valgrind, in the note of issue
// 10's stop 11). Each constant is still defined once, where its file says; the hot modules copy it.
const { AT, INTENT, UNTRACKED } = intentWords;
const { WAITING } = wordWait;
const { CLOSED_MARK, HEAD, POSITION_MASK, RUN_MARK, STAMPS, TAIL, TOMBSTONES } = layoutWords;

/** A claim's answer besides a position (positions are never negative): nothing claimed now. */
export const NONE = -1;
/** A claim's answer: the buffer is closed (puts), so nothing was claimed. */
export const CLOSED = -2;

/** The ring's shared words in one buffer's memory, seen from one thread (one view). */
export class Ring {
  readonly i32: Int32Array;
  readonly capacity: number;
  readonly oneLap: number;
  /** Positions in one period of 2^30: laps × capacity. Sequence numbers count modulo it. */
  readonly period: number;
  readonly intents: IntentsTable;
  /** Word index of runEnd[0]. */
  readonly #runEnds: number;
  // This thread's guesses: the first CAS tries them without a load.
  #tailGuess = 0;
  #headGuess = 0;
  /** Word index of this view's intents entry; 0 until its first claim, UNTRACKED if the table was full. */
  #entry = 0;
  /** The INTENT word this view last wrote to its entry (to skip rewriting the same size). */
  #intent = 0;

  /** This view's guesses of TAIL and HEAD: its only state that outlives a call (the explorer declares it). */
  get guesses(): string {
    return `${this.#tailGuess},${this.#headGuess}`;
  }

  constructor(i32: Int32Array, layout: Layout, intents: IntentsTable) {
    this.i32 = i32;
    this.capacity = layout.capacity;
    this.oneLap = layout.oneLap;
    this.period = ((POSITION_MASK + 1) / layout.oneLap) * layout.capacity;
    this.intents = intents;
    this.#runEnds = layoutWords.runEndsAt(layout.capacity);
  }

  // ---------------------------------------------------------------------------------------------
  // Positions

  /** The position n after `position` (n <= capacity). */
  advance(position: number, n: number): number {
    const oneLap = this.oneLap;
    const index = (position & (oneLap - 1)) + n;
    if (index < this.capacity) return position + n;
    return ((position & ~(oneLap - 1)) + oneLap + index - this.capacity) & POSITION_MASK;
  }

  /** Items put before `position`, modulo the period. */
  sequence(position: number): number {
    return Math.floor(position / this.oneLap) * this.capacity + (position & (this.oneLap - 1));
  }

  /** How far sequence number `to` is past `from`, modulo the period. */
  distance(from: number, to: number): number {
    const period = this.period;
    return (((to - from) % period) + period) % period;
  }

  /**
   * How many positions from `position`, whose stamp (free or filled for it) is `stamp`, a claim
   * counts at once, up to `most`: the rest of its run if the stamp has the RUN mark and its run end
   * lies ahead, else 1 (a run end that does not was read from a stale guess: the claim's CAS fails).
   */
  #run(position: number, stamp: number, most: number): number {
    if ((stamp & RUN_MARK) === 0 || most === 1) return 1;
    const end = this.i32[this.#runEnds + (position & (this.oneLap - 1))];
    const ahead = this.distance(this.sequence(position), this.sequence(end));
    if (ahead < 1 || ahead > this.capacity) return 1;
    return Math.min(ahead, most);
  }

  /** Items put (or being put) and not yet got: a snapshot. */
  size(): number {
    // HEAD first: TAIL read later is at or past it, so the distance never goes negative (it would
    // wrap to about 2^30); gets and puts between the two loads can only make it too large.
    const head = Atomics.load(this.i32, HEAD);
    const tail = Atomics.load(this.i32, TAIL) & POSITION_MASK;
    return Math.min(this.distance(this.sequence(head), this.sequence(tail)), this.capacity);
  }

  closed(): boolean {
    return (Atomics.load(this.i32, TAIL) & CLOSED_MARK) !== 0;
  }

  /** Whether TAIL is marked closed and every claimed position has been got. */
  drained(): boolean {
    const tail = Atomics.load(this.i32, TAIL);
    return (tail & CLOSED_MARK) !== 0 && (tail & POSITION_MASK) === Atomics.load(this.i32, HEAD);
  }

  /** Whether every claimed position has been got (TAIL === HEAD, ignoring the mark). */
  emptied(): boolean {
    return (Atomics.load(this.i32, TAIL) & POSITION_MASK) === Atomics.load(this.i32, HEAD);
  }

  /** Whether the slot of `position` holds its item (published, not yet freed). */
  filled(position: number): boolean {
    return (Atomics.load(this.i32, STAMPS + (position & (this.oneLap - 1))) & POSITION_MASK) === position + 1;
  }

  // ---------------------------------------------------------------------------------------------
  // Claims

  /**
   * Claims n consecutive free slots at TAIL: returns the first position, CLOSED, or NONE when they
   * are not all free (the buffer is too full; `attempt`, if given, says where to sleep).
   *
   * A slot still holding last lap's item is "full" only if no get has claimed that item yet; if
   * one has, the get is in the middle of reading it. A try call (`patience` > 0) waits for it to
   * free the slot, as a lock-based queue would wait for the lock, so that `tryPut` reports full
   * only when it is; but for `patience` ms at most, since that get's thread may have died. A
   * blocking call (`patience` 0) sleeps on that slot like any waiter.
   */
  claimPut(n: number, patience: number, attempt: Attempt | undefined): number {
    const i32 = this.i32;
    const mask = this.oneLap - 1;
    let tail = this.#tailGuess;
    let waitingSince = 0;
    for (;;) {
      if ((tail & CLOSED_MARK) !== 0) return CLOSED;
      let position = tail;
      let k = 0;
      while (k < n) {
        const at = STAMPS + (position & mask);
        const stamp = Atomics.load(i32, at);
        const value = stamp & POSITION_MASK;
        if (value === position) {
          const run = this.#run(position, stamp, n - k); // free, and the rest of its run
          k += run;
          position = this.advance(position, run);
          continue;
        }
        if (tail !== Atomics.load(i32, TAIL)) break; // TAIL moved on (or our guess was stale): look again
        // Legal here: last lap's item (filled, or still being written by a slow put).
        const lastLap = (position - this.oneLap) & POSITION_MASK;
        const filled = value === ((lastLap + 1) & POSITION_MASK);
        if (!filled && value !== lastLap) throw corrupted(`slot ${position & mask}`, stamp);
        if (this.claimedByGet(lastLap)) {
          // A get is reading last lap's item, or a getter skipped last lap's dropped put (see
          // skipDeadPut): either frees the slot soon.
          if (patience === 0 || (waitingSince !== 0 && performance.now() - waitingSince >= patience)) {
            if (attempt !== undefined) attempt.blockedAt(at, stamp);
            return NONE;
          }
          if (waitingSince === 0) waitingSince = performance.now();
          awaitChange(i32, at, stamp);
          break;
        }
        // Last lap's put, unpublished: in progress (the buffer is full), unless it died and
        // recover() made it a tombstone: then skip it, as a getter would, and look again.
        if (!filled && Atomics.load(i32, TOMBSTONES) !== 0 && skipDeadPut(this, lastLap)) break;
        if (attempt !== undefined) attempt.blockedAt(at, stamp);
        return NONE;
      }
      if (k < n) {
        tail = Atomics.load(i32, TAIL);
        this.checkPosition(tail & POSITION_MASK, 'TAIL', tail);
        continue;
      }
      this.#intend(n, tail);
      const seen = Atomics.compareExchange(i32, TAIL, tail, position);
      if (seen === tail) {
        this.#tailGuess = position;
        return tail;
      }
      this.#forget();
      tail = seen;
    }
  }

  /**
   * Claims up to `max` consecutive filled slots at HEAD: returns the first position (and, for
   * `max` > 1, sets `attempt.claimed`), or NONE when the first is not filled (`attempt`, if given,
   * says where to sleep).
   *
   * A slot at HEAD that a put has claimed but not yet filled is not "empty": the put is in the
   * middle of writing. A try call (`patience` > 0) waits for it to publish, so that `tryGet`
   * reports empty only when it is; but for `patience` ms at most, since that put's thread may have
   * died. A blocking call (`patience` 0) sleeps on that slot like any waiter.
   */
  claimGet(max: number, patience: number, attempt: Attempt | undefined): number {
    const i32 = this.i32;
    const mask = this.oneLap - 1;
    let head = this.#headGuess;
    let waitingSince = 0;
    for (;;) {
      let position = head;
      let n = 0;
      let stamp = 0;
      while (n < max) {
        stamp = Atomics.load(i32, STAMPS + (position & mask));
        if ((stamp & POSITION_MASK) !== position + 1) break;
        const run = this.#run(position, stamp, max - n); // filled, and the rest of its run
        n += run;
        position = this.advance(position, run);
      }
      if (n > 0) {
        this.#intend(-n, head);
        const seen = Atomics.compareExchange(i32, HEAD, head, position);
        if (seen === head) {
          this.#headGuess = position;
          if (attempt !== undefined) attempt.claimed = n;
          return head;
        }
        this.#forget();
        head = seen;
        continue;
      }
      if (head !== Atomics.load(i32, HEAD)) {
        head = Atomics.load(i32, HEAD); // moved on (or our guess was stale): look again
        this.checkPosition(head, 'HEAD', head);
        continue;
      }
      const at = STAMPS + (head & mask);
      const value = stamp & POSITION_MASK;
      // Free for the put at `head`; or last lap's item still being read by a get; or last lap's
      // dropped put, being freed by the thread that skipped it (skipDeadPut). In the last two no
      // put can have claimed `head` yet (its slot is not free): empty.
      const lastLap = (head - this.oneLap) & POSITION_MASK;
      if (value !== head && value !== ((lastLap + 1) & POSITION_MASK) && value !== lastLap)
        throw corrupted(`slot ${head & mask}`, stamp);
      if (value === lastLap && (Atomics.load(i32, TAIL) & POSITION_MASK) !== head)
        throw corrupted('HEAD', head); // only a skipper moves HEAD past an unpublished put, and TAIL is there
      const putInProgress = value === head && (Atomics.load(i32, TAIL) & POSITION_MASK) !== head;
      // A put has claimed this slot and is writing it, unless it died: then skip its claim.
      if (putInProgress && Atomics.load(i32, TOMBSTONES) !== 0 && skipDeadPut(this, head)) continue;
      if (
        putInProgress &&
        patience !== 0 &&
        (waitingSince === 0 || performance.now() - waitingSince < patience)
      ) {
        if (waitingSince === 0) waitingSince = performance.now();
        awaitChange(i32, at, stamp);
        continue;
      }
      if (attempt !== undefined) attempt.blockedAt(at, stamp);
      return NONE;
    }
  }

  /** Whether a get has claimed the item put at `position` (HEAD has passed it). */
  claimedByGet(position: number): boolean {
    const head = Atomics.load(this.i32, HEAD);
    const passed = this.distance(this.sequence(position), this.sequence(head));
    return passed > 0 && passed <= this.capacity;
  }

  /** Throws if a position read from shared memory is not one this buffer can have. */
  checkPosition(position: number, word: string, raw: number): void {
    if ((position & (this.oneLap - 1)) >= this.capacity) throw corrupted(word, raw);
  }

  // ---------------------------------------------------------------------------------------------
  // Stamps

  /** Sets a stamp to `value` and wakes its sleepers, if the old value says there are any. */
  setStamp(at: number, value: number): void {
    if ((Atomics.exchange(this.i32, at, value) & WAITING) !== 0) Atomics.notify(this.i32, at);
  }

  /** Publishes the item written at `position` to getters. */
  publishAt(position: number): void {
    this.setStamp(STAMPS + (position & (this.oneLap - 1)), position + 1); // publish the item to getters
  }

  /** Frees the slot of `position`, whose item was taken, for the put one lap later. */
  freeAt(position: number): void {
    // publish: free for the next lap
    this.setStamp(STAMPS + (position & (this.oneLap - 1)), (position + this.oneLap) & POSITION_MASK);
  }

  /**
   * Publishes the n written positions from `first`, one claim's run, with one exchange: their run
   * ends and every stamp but the first with plain stores, then the first stamp (see the top).
   */
  publishRun(first: number, n: number): void {
    if (n === 1) {
      this.publishAt(first); // a run of one: no RUN mark, no run end
    } else {
      this.#writeRun(first, n, 1); // publish the run to getters
    }
  }

  /**
   * Frees the n taken positions from `first`, one claim's run, for the puts one lap later, with
   * one exchange: as publishRun, the first stamp last.
   */
  freeRun(first: number, n: number): void {
    if (n === 1) {
      this.freeAt(first); // a run of one: no RUN mark, no run end
    } else {
      this.#writeRun((first + this.oneLap) & POSITION_MASK, n, 0); // publish: free for the next lap
    }
  }

  /**
   * Writes the run of n >= 2 positions from `start`: each stamp `position + filled` (1: filled, 0:
   * free) with the RUN mark, and each run end. All but the first stamp with plain stores, then the
   * first with an exchange, which publishes them all.
   */
  #writeRun(start: number, n: number, filled: number): void {
    const i32 = this.i32;
    const mask = this.oneLap - 1;
    const end = this.advance(start, n);
    const runEnds = this.#runEnds;
    const capacity = this.capacity;
    let p = start;
    for (let k = 0; k < n; k++) {
      const slot = p & mask;
      i32[runEnds + slot] = end;
      if (k > 0) i32[STAMPS + slot] = (p + filled) | RUN_MARK; // published by the exchange below
      p = slot + 1 < capacity ? p + 1 : ((p & ~mask) + mask + 1) & POSITION_MASK;
    }
    this.setStamp(STAMPS + (start & mask), (start + filled) | RUN_MARK); // publish the run
  }

  /** Marks TAIL closed: no put claims a position after this. */
  close(): void {
    Atomics.or(this.i32, TAIL, CLOSED_MARK); // publish the close
  }

  /** Wakes every sleeper: clears each WAITING bit (so a sleeper about to wait sees a change) and notifies. */
  wakeAllSleepers(): void {
    const i32 = this.i32;
    for (let at = STAMPS; at < STAMPS + this.capacity; at++) {
      const stamp = Atomics.load(i32, at);
      if ((stamp & WAITING) === 0) continue;
      Atomics.compareExchange(i32, at, stamp, stamp & ~WAITING); // if it changed, the changer notified
      Atomics.notify(i32, at);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Intents (see dead-threads.ts)

  /** Records the claim this thread is about to make with a CAS: +n puts or -n gets at `position`. */
  #intend(claim: number, position: number): void {
    let entry = this.#entry;
    if (entry <= 0) {
      if (entry === UNTRACKED) return;
      entry = this.intents.enter(this);
      this.#entry = entry;
      this.#intent = 0;
      if (entry === UNTRACKED) return;
    }
    const i32 = this.i32;
    // Plain stores: the claiming CAS that follows (a full barrier) publishes them.
    if (this.#intent !== claim) {
      i32[entry + INTENT] = claim;
      this.#intent = claim;
    }
    i32[entry + AT] = position;
  }

  /** The claim's CAS failed: this thread claims nothing now. */
  #forget(): void {
    const entry = this.#entry;
    if (entry <= 0) return;
    this.i32[entry + INTENT] = 0;
    this.#intent = 0;
  }
}
