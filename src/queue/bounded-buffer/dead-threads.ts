// BoundedBuffer's dead-thread recovery: repairing what a thread left half-done when it died.
//
// A thread that dies (worker.terminate(), an uncaught error, running out of memory) between a
// claim and its publish leaves a slot that every other thread would wait on forever. So each
// thread keeps an entry in the intents table (sync/intents.ts): right before each claiming CAS it
// writes the claim it is about to make (INTENT: +n puts or -n gets; AT: the position p), and
// clears it when the CAS fails. It never needs to clear it after success: once the claim is
// published (or freed) the stamp shows it. A claim and its publish (or free) run in one
// synchronous stretch (transfer.ts), with no await in between, so the entry always names the
// thread's one unfinished claim, if it has one.
//
// `recover(threadId)`, called once that thread has exited, marks its entries DEAD and resolves
// each: the thread made the claim in its entry iff the claim's CAS went through (TAIL or HEAD has
// passed p), the slot at p is still unpublished (or unfreed), and no live thread's entry names the
// same claim (a live claimer keeps its entry until it has published, so reading the entries
// between the two checks decides it). A dead get's unfreed items are taken out and handed back;
// a dead put's positions become a TOMBSTONE entry that the next getter reaching p skips whole,
// freeing its slots: its producer never saw it succeed, and no getter ever sees part of it.
//
//   entry OWNER: as in sync/intents.ts, plus TOMBSTONE (a dropped put for getters to skip)
//   TOMBSTONES counts TOMBSTONE entries; a getter stuck at an unpublished slot looks for one

import { AT, DEAD, ENTRY_WORDS, INTENT, OWNER, TOMBSTONE } from '../../sync/intents.js';
import { corrupted, withItems } from './failures.js';
import { CLOSED_MARK, DONE, HEAD, POSITION_MASK, STAMPS, TAIL, TOMBSTONES } from './layout.js';
import type { Ring } from './ring.js';
import { finishTasks, unfinished } from './tasks.js';
import type { Transfer } from './transfer.js';

/** What `recover(threadId)` repaired after a thread died in the middle of a call. */
export interface RecoveryReport<T> {
  /** The dead thread. */
  readonly threadId: number;
  /** Items of puts it had claimed room for but not published: dropped whole (its put never returned). */
  readonly droppedPuts: number;
  /** Items its unfinished get had claimed but not taken out: removed, counted done, handed back here. */
  readonly returned: T[];
  /**
   * Claims that could not be told apart from a live thread's within a second (two threads died
   * racing for the same slot, and the other is not recovered yet): the next recover() resolves them.
   */
  readonly undecided: number;
}

/** A RecoveryReport being filled in, and the first decoder error met on the way. */
type Repair<T> = { -readonly [K in keyof RecoveryReport<T>]: RecoveryReport<T>[K] } & { failure?: unknown };

/** #resolveClaim's answers. */
const MINE = 1;
const NOT_MINE = 2;
const UNDECIDED = 3;

/** Repairs what thread `threadId` (exited, checked by the caller) left half-done. */
export function recover<T>(ring: Ring, transfer: Transfer<T>, threadId: number): RecoveryReport<T> {
  ring.intents.markDead(threadId); // its entries, for resolveDead
  const report: Repair<T> = { threadId, droppedPuts: 0, returned: [], undecided: 0 };
  // A claim is undecided only while a live thread names the same one: its CAS is in flight, or
  // it made the claim and publishes within microseconds. Look again for up to a second.
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let tries = 0; ; tries++) {
    report.undecided = resolveDead(ring, transfer, report);
    if (report.undecided === 0 || tries === 1000) break;
    Atomics.wait(nap, 0, 0, 1);
  }
  const { failure, ...done } = report;
  if (failure !== undefined) throw withItems(failure, done.returned, 0);
  return done;
}

/** Resolves every DEAD entry; returns how many are still undecided. */
function resolveDead<T>(ring: Ring, transfer: Transfer<T>, report: Repair<T>): number {
  const { i32, intents } = ring;
  let undecided = 0;
  for (let entry = intents.first; entry < intents.end; entry += ENTRY_WORDS) {
    if (Atomics.load(i32, entry + OWNER) !== DEAD) continue;
    const claim = Atomics.load(i32, entry + INTENT);
    const position = Atomics.load(i32, entry + AT);
    const outcome = claim === 0 ? NOT_MINE : resolveClaim(ring, claim, position);
    if (outcome === UNDECIDED) {
      undecided++;
      continue;
    }
    if (outcome === MINE && claim > 0) {
      report.droppedPuts += claim;
      if (!rollBack(ring, position, claim)) {
        // Its put stays claimed but unpublished, with later claims behind it: make the entry a
        // tombstone that the next thread to reach it skips.
        Atomics.add(i32, TOMBSTONES, 1);
        Atomics.store(i32, entry + OWNER, TOMBSTONE); // publish the tombstone to stuck getters
        Atomics.notify(i32, STAMPS + (position & (ring.oneLap - 1))); // getters asleep on its slot look again
        if (Atomics.load(i32, HEAD) === position) skipDeadPut(ring, position);
        continue;
      }
    } else if (outcome === MINE) {
      try {
        const taken = transfer.takeLeftovers(position, -claim);
        if (taken.length > 0) {
          finishTasks(ring, taken.length);
          transfer.decodeAll(taken, report.returned); // a decoder that throws loses that item, and says so
        }
      } catch (error) {
        report.failure ??= error; // a decoder threw: thrown once the repair is done
      }
    }
    intents.free(entry);
  }
  return undecided;
}

/**
 * Whether a dead thread made the claim (+n puts or -n gets at `position`) and left it unfinished:
 * MINE, NOT_MINE, or UNDECIDED while a live thread's entry names the same claim.
 */
function resolveClaim(ring: Ring, claim: number, position: number): number {
  const i32 = ring.i32;
  const mask = ring.oneLap - 1;
  if ((position & mask) >= ring.capacity) throw corrupted('an intents entry', position);
  const put = claim > 0;
  // 1. Did a CAS from `position` go through? (Only the owner of a position's claim moves past it.)
  const end = put ? Atomics.load(i32, TAIL) & POSITION_MASK : Atomics.load(i32, HEAD);
  if (end === position) return NOT_MINE;
  // 2. A live claimer keeps its entry naming the claim until it has published (or freed) it.
  if (liveIntent(ring, claim, position)) return UNDECIDED;
  // 3. Still unpublished (unfreed)? Then its claimer was not live in step 2: it is dead.
  const stamp = Atomics.load(i32, STAMPS + (position & mask)) & POSITION_MASK;
  if (stamp !== (put ? position : position + 1)) return NOT_MINE;
  if (put && findTombstone(ring, position) !== -1) return NOT_MINE; // another dead thread's, done already
  return MINE;
}

/** Whether a live thread's entry names the claim (sign of `claim`) at `position`. */
function liveIntent(ring: Ring, claim: number, position: number): boolean {
  const { i32, intents } = ring;
  for (let entry = intents.first; entry < intents.end; entry += ENTRY_WORDS) {
    if (Atomics.load(i32, entry + OWNER) <= 0) continue;
    const other = Atomics.load(i32, entry + INTENT);
    if (Math.sign(other) === Math.sign(claim) && Atomics.load(i32, entry + AT) === position) return true;
  }
  return false;
}

/** The TOMBSTONE entry for the dropped put at `position`, or -1. */
function findTombstone(ring: Ring, position: number): number {
  const { i32, intents } = ring;
  for (let entry = intents.first; entry < intents.end; entry += ENTRY_WORDS) {
    if (Atomics.load(i32, entry + OWNER) === TOMBSTONE && Atomics.load(i32, entry + AT) === position)
      return entry;
  }
  return -1;
}

/**
 * Takes back a dead put's claim of n positions from `position` if it is the last claim (TAIL is
 * just past it): its positions are free again at once, instead of holding slots until a getter
 * skips them. True if done.
 */
function rollBack(ring: Ring, position: number, n: number): boolean {
  const i32 = ring.i32;
  const mask = ring.oneLap - 1;
  const tail = Atomics.load(i32, TAIL);
  if ((tail & POSITION_MASK) !== ring.advance(position, n)) return false;
  // A batch publishes its first stamp last: unpublish what it had published of the rest (no getter
  // can reach those before `position`), so each slot is free for its position again (without the
  // RUN mark: a put looks at them one by one). Harmless if the CAS fails.
  let p = position;
  for (let k = 0; k < n; k++) {
    const at = STAMPS + (p & mask);
    if ((Atomics.load(i32, at) & POSITION_MASK) === p + 1) ring.setStamp(at, p);
    p = ring.advance(p, 1);
  }
  if (Atomics.compareExchange(i32, TAIL, tail, (tail & CLOSED_MARK) | position) !== tail) return false;
  ring.wakeAllSleepers(); // putters asleep on a full buffer: there is room now
  if (unfinished(ring) === 0) Atomics.notify(i32, DONE); // its items no longer count for join()
  return true;
}

/**
 * A thread stuck at `head`, whose put never published: if recover() made that put a tombstone,
 * moves HEAD past its positions and frees their slots. True if HEAD has moved (by us or another).
 */
export function skipDeadPut(ring: Ring, head: number): boolean {
  const { i32, intents } = ring;
  for (let entry = intents.first; entry < intents.end; entry += ENTRY_WORDS) {
    if (Atomics.load(i32, entry + OWNER) !== TOMBSTONE || Atomics.load(i32, entry + AT) !== head) continue;
    const n = Atomics.load(i32, entry + INTENT);
    if (n < 1 || n > ring.capacity) throw corrupted('a tombstone', n);
    // The entry stays a tombstone until HEAD has passed it, so it cannot be reused under us.
    if (Atomics.compareExchange(i32, HEAD, head, ring.advance(head, n)) !== head) return true;
    let p = head;
    for (let k = 0; k < n; k++) {
      ring.freeAt(p); // publish: free for the next lap
      p = ring.advance(p, 1);
    }
    finishTasks(ring, n); // its items were counted for join() when their positions were claimed
    intents.free(entry); // after its slots
    Atomics.sub(i32, TOMBSTONES, 1);
    return true;
  }
  return false;
}
