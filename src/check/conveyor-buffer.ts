// A model of conveyor's own BoundedBuffer ring, written to follow the real code step for step. Its
// quotes and line numbers are of src/queue/bounded-buffer.ts as of commit c4820ca (the modelled
// paths last changed in 9a0f62d, and before that in 4e94463). That file has since been split into
// parts with the same steps: #claimPut/#claimGet/#claimedByGet/#advance/#setStamp are Ring's
// claimPut/claimGet/claimedByGet/advance/setStamp (bounded-buffer/ring.ts), #putOne/#getOne are
// Transfer's putOne/getOne (bounded-buffer/transfer.ts), #waitSync/#register are Sleeper's
// waitSync/#register (sync/wait/word.ts), and #blockAt/#blockSeen are the call's Attempt.at/seen.
// mirrors.ts fingerprints each of those pieces, and test/check/mirrors.test.ts fails when one
// changes, so that this model is re-read against the new code before it may pass again. The
// model was
// written to follow the real code step for step: every shared-memory access those paths make (an
// Atomics.load, compareExchange, exchange, wait or notify, or the codec's write or take of a slot)
// is one step here, except the intents entry (below), and the comment beside each step quotes the
// line it stands for, with its line number as of c4820ca (the quoted code is what to match).
//
// What is modelled: putSync and getSync of one item each, with no deadline, by any number of
// producers and consumers, each thread with its own BoundedBuffer object (so its own #tailGuess,
// #headGuess, #blockAt and #blockSeen, as after BoundedBuffer.from(handle) in a worker). A put is
// #putOne (claim, write, publish) and a get #getOne (claim, take, free), each in one synchronous
// stretch, called first on its own and then as the check that #waitSync repeats.
// What is not: close() (no CLOSED mark is ever set, so the CLOSED branches are never taken),
// batches (putMany/getMany), taskDone/join (DONE is touched by neither put nor get), the async
// forms (the same checks and the same #register; they differ only in how they sleep), the try
// calls (tryPut/tryGet: patience 1000 ms, the only callers of #awaitChange), and the codec's
// encoding and decoding (thread-local: prepare before the claim, decode after the slot is freed).
//
// Dead threads are not modelled (recover(), watch(), tombstones, #rollBack): every thread here
// runs to its end. With no dead thread no entry is ever DEAD or TOMBSTONE, and TOMBSTONES stays 0,
// so the two dead-thread checks on the modelled paths (#claimPut, line 440, for last lap's
// unpublished put; #claimGet, line 514, for a put in progress at HEAD) are each their load of
// TOMBSTONES, a step here that always reads 0, after which the && stops (#skipDeadPut is never
// called). What 9a0f62d added for a dropped put that a getter skipped is modelled as the real code
// runs it, though no dead thread here makes one:
// - #claimPut (line 426) asks #claimedByGet (a load of HEAD) whether or not last lap's item is
//   filled. Without a skipper HEAD passes a position only after its put has published it, but the
//   stamp was read before HEAD, so the answer can still be yes for a slot seen unpublished: its put
//   published and a get claimed it in between (2 producers, 1 consumer, capacity 1: p2 reads stamp
//   0 for position 2, p1 publishes position 0, p2 reads TAIL 2, c1 claims position 0, p2 reads
//   HEAD 2). Either way the claim returns NONE with the same #blockAt/#blockSeen (the stale stamp,
//   so #register's CAS fails and the wait retries); the only difference is that the yes branch
//   skips the TOMBSTONES load.
// - #claimGet (lines 507-511) takes a stamp still holding last lap's position (a slot a skipper
//   has not freed yet) as empty, after a load of TAIL that must find TAIL at `head`. Without a
//   skipper no get reads such a stamp: its `head` is a position HEAD had reached when the stamp was
//   read, so last lap's put in that slot had published (and been claimed) before. The model runs
//   that branch as the real code does (reaching it and finding TAIL elsewhere would be a
//   violation); on the sets in test/check/conveyor-buffer.test.ts no run reaches it.
// The intents entry is left out: #intend (before each claiming CAS, lines 450 and 486; on a
// thread's first claim #enter takes an entry by a CAS on its OWNER word) and #forget (after a
// failed CAS, lines 456 and 493) write only the thread's own entry, with plain stores, and nothing
// on the modelled paths reads an entry (only recover(), #skipDeadPut and other threads' #enter do,
// and #enter only to pick a free entry), so those writes change nothing any modelled step sees or
// does.
//
// A `throw corrupted(...)` (BufferCorruptedError) is a failed assert here: the real code throws it
// out of an ordinary put or get only if it reads a stamp that no legal schedule produces, so the
// model reaching one is a violation, reported with its trace.
//
// Spinning is modelled as 0 checks: #waitSync checks #spinBudget times (20 at first, adapted per
// thread between 20 and 2000) before it registers. In a blocking call a check that fails writes no
// shared memory (no claiming CAS of it succeeded, a failed CAS writes nothing, and it never calls
// #awaitChange: a slot busy with another thread's put or get makes a blocking claim return NONE)
// and leaves only #blockAt/#blockSeen, which the next check overwrites (#tailGuess and #headGuess
// change only when a claim succeeds). So every failed check but the last one before #register only
// reads, and a real run is a model run with those checks dropped: the model's one check stands for
// the last failed one (or the one that succeeded).
//
// Atomics.wait/notify are modelled exactly: a sleeper enqueues itself only if the word still
// holds the value it passes, and then sleeps until some notify on that word (not merely until
// the word changes), so a missing notify is a deadlock here as it is in a worker. #waitSync
// passes no timeout (no deadline: remaining is Infinity), and it is the only wait on the modelled
// paths: a put that finds its slot still holding last lap's item, already claimed by a get that is
// still taking it, or a get that finds the slot at HEAD claimed by a put that has not published it,
// returns NONE and sleeps on that stamp through #register like any waiter (before 4e94463 it
// waited in #awaitChange, in 10 ms polls).
//
// Broken variants, to show the checker finds what this design guards against:
//   conveyor-buffer-no-mark        a sleeper in #waitSync does not set the WAITING bit (#register
//                                  skips its CAS): the publisher sees no sleeper, never notifies
//   conveyor-buffer-publish-first  #publishOne publishes the stamp before it writes the item

import {
  itemOf,
  type Model,
  type ModelParams,
  type Step,
  type ThreadContext,
  type ThreadSpec,
} from './model.js';
import { consumerShare } from './seed-models.js';

export type ConveyorBufferVariant =
  | 'conveyor-buffer'
  | 'conveyor-buffer-no-mark'
  | 'conveyor-buffer-publish-first';

export const CONVEYOR_BUFFER_VARIANTS: Readonly<Record<ConveyorBufferVariant, string>> = {
  'conveyor-buffer':
    "conveyor's BoundedBuffer: Vyukov stamps, CAS claims, futex sleep on a WAITING bit (holds)",
  'conveyor-buffer-no-mark': 'BoundedBuffer whose sleepers skip the WAITING bit: a wake-up is lost',
  'conveyor-buffer-publish-first': 'BoundedBuffer that publishes the stamp before writing the item',
};

// Constants of bounded-buffer.ts.
const WAITING = 1 << 31; // const WAITING = 1 << 31 (134)
const POSITION_MASK = 0x7fffffff; // const POSITION_MASK = 0x7fffffff (135)
const NONE = -1; // const NONE = -1 (137)
/** A check found nothing yet (NOT_YET there, from src/sync/event-count.ts). */
const NOT_YET = -3;
/** #register's answer when the stamp changed under it: check again (RETRY there, line 144). */
const RETRY = -4;

/** A thread's BoundedBuffer object: the per-instance fields the real code keeps. */
interface Instance {
  tailGuess: number; // #tailGuess = 0 (237)
  headGuess: number; // #headGuess = 0 (238)
  blockAt: number; // #blockAt = 0 (244; a slot index here, STAMPS + slot there)
  blockSeen: number; // #blockSeen = 0 (245)
}

/**
 * Declares a thread's live state: where it is (the label names the call chain, the item number
 * and, in a re-check, the slot it is about), the live locals, and the
 * instance's fields. Every other local of the code below is set from these (or from shared
 * memory) before it is used. #blockAt and #blockSeen are live only inside #register's re-check
 * (which compares them with `at` and `marked` after it): everywhere else the next claim that
 * fails sets both before anything reads them, and one that succeeds leaves them unread.
 */
function declare(t: ThreadContext, label: string, locals: readonly number[], me: Instance): Step {
  const block = label.includes('/recheck@') ? [me.blockAt, me.blockSeen] : [];
  return t.state(label, ...locals, me.tailGuess, me.headGuess, ...block);
}

/** `throw corrupted(word, value)`: a BufferCorruptedError out of a put or get is a violation. */
function* corrupted(t: ThreadContext, word: string, value: number): Generator<Step, never, number> {
  yield t.assert(
    false,
    `no BufferCorruptedError (${word} holds ${value}, which no thread could have written)`,
  );
  throw new Error('unreachable: the explorer stops at a failed assert');
}

export function conveyorBufferModel(variant: ConveyorBufferVariant, params: ModelParams): Model {
  const { producers, consumers, capacity, items } = params;
  let oneLap = 1; // layout(): let oneLap = 1 (205)
  while (oneLap <= capacity) oneLap *= 2; // while (oneLap <= capacity) oneLap *= 2 (206)
  const mask = oneLap - 1;
  // this.#period = ((POSITION_MASK + 1) / shape.oneLap) * shape.capacity (298)
  const period = ((POSITION_MASK + 1) / oneLap) * capacity;

  // #advance(position, 1): bounded-buffer.ts:387-392
  const advance = (position: number): number => {
    const index = (position & mask) + 1; // const index = (position & (oneLap - 1)) + n (389)
    if (index < capacity) return position + 1; // if (index < this.#capacity) return position + n (390)
    // return ((position & ~(oneLap - 1)) + oneLap + index - this.#capacity) & POSITION_MASK (391)
    return ((position & ~mask) + oneLap + index - capacity) & POSITION_MASK;
  };
  // #sequence(position): bounded-buffer.ts:369-371
  const sequence = (position: number): number => Math.floor(position / oneLap) * capacity + (position & mask);
  // #distance(from, to): bounded-buffer.ts:374-377
  const distance = (from: number, to: number): number => (((to - from) % period) + period) % period;

  // #checkPosition(position, word, raw): bounded-buffer.ts:538-540 (reads nothing)
  function* checkPosition(
    t: ThreadContext,
    position: number,
    word: string,
    raw: number,
  ): Generator<Step, void, number> {
    // if ((position & (this.#oneLap - 1)) >= this.#capacity) throw corrupted(word, raw) (539)
    if ((position & mask) >= capacity) yield* corrupted(t, word, raw);
  }

  // #claimedByGet(position): bounded-buffer.ts:531-535
  function* claimedByGet(t: ThreadContext, position: number): Generator<Step, boolean, number> {
    const head = yield t.read('HEAD'); // const head = Atomics.load(this.#i32, HEAD) (532)
    const passed = distance(sequence(position), sequence(head)); // this.#distance(this.#sequence(position), this.#sequence(head)) (533)
    return passed > 0 && passed <= capacity; // return passed > 0 && passed <= this.#capacity (534)
  }

  // #claimPut(1, patience = 0): bounded-buffer.ts:404-459
  function* claimPut(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const here = `${caller}/claimPut`;
    let tail = me.tailGuess; // let tail = this.#tailGuess (407)
    // let waitingSince = 0 (408): read only when patience > 0
    for (;;) {
      yield declare(t, here, [tail], me); // live: the caller, tail, the instance
      // if ((tail & CLOSED_MARK) !== 0) return CLOSED (410): never, close() is not modelled
      let position = tail; // let position = tail (411)
      let k = 0; // let k = 0 (412); for (; k < n; k++) (413) with n = 1
      const at = position & mask; // const at = STAMPS + (position & mask) (414)
      const stamp = yield t.read(['stamp', at]); // const stamp = Atomics.load(i32, at) (415)
      const value = stamp & POSITION_MASK; // const value = stamp & POSITION_MASK (416)
      if (value === position) {
        // if (value === position) { (417)
        position = advance(position); // position = this.#advance(position, 1) (418); continue (419)
        k++;
      } else if (tail === (yield t.read('TAIL'))) {
        // (else) if (tail !== Atomics.load(i32, TAIL)) break (421): TAIL moved on, look again
        // Legal here: last lap's item (filled, or still being written by a slow put) (422).
        const lastLap = (position - oneLap) & POSITION_MASK; // const lastLap = (position - this.#oneLap) & POSITION_MASK (423)
        const filled = value === ((lastLap + 1) & POSITION_MASK); // const filled = value === ((lastLap + 1) & POSITION_MASK) (424)
        // if (!filled && value !== lastLap) throw corrupted(`slot ${position & mask}`, stamp) (425)
        if (!filled && value !== lastLap) yield* corrupted(t, `slot ${at}`, stamp);
        // if (this.#claimedByGet(lastLap)) { (426): a load of HEAD, filled or not (since 9a0f62d;
        // before, `filled &&` skipped it for an unpublished slot). See the top of this file for
        // why it can be true here for a slot seen unpublished, and why that changes nothing.
        if (yield* claimedByGet(t, lastLap)) {
          // A get is reading last lap's item (427-428): a blocking call sleeps on the slot.
          // if (patience === 0 || (waitingSince !== 0 && ...)) { (429): patience is 0
          me.blockAt = at; // this.#blockAt = at (430)
          me.blockSeen = stamp; // this.#blockSeen = stamp (431)
          return NONE; // return NONE (432)
        } // (434-436, waitingSince and #awaitChange: try calls only)
        // Last lap's put, unpublished: in progress (438-439).
        // if (!filled && Atomics.load(i32, TOMBSTONES) !== 0 && this.#skipDeadPut(lastLap)) break
        // (440): with no dead thread TOMBSTONES holds 0, so the && stops there
        if (!filled) yield t.read('TOMBSTONES');
        me.blockAt = at; // this.#blockAt = at (441)
        me.blockSeen = stamp; // this.#blockSeen = stamp (442)
        return NONE; // return NONE (443)
      }
      if (k < 1) {
        // if (k < n) { (445)
        tail = yield t.read('TAIL'); // tail = Atomics.load(i32, TAIL) (446)
        yield* checkPosition(t, tail & POSITION_MASK, 'TAIL', tail); // this.#checkPosition(tail & POSITION_MASK, 'TAIL', tail) (447)
        continue; // continue (448)
      }
      // this.#intend(n, tail) (450): the intents entry, left out (see the top of this file)
      const seen = yield t.cas('TAIL', tail, position); // const seen = Atomics.compareExchange(i32, TAIL, tail, position) (451)
      if (seen === tail) {
        // if (seen === tail) { (452)
        me.tailGuess = position; // this.#tailGuess = position (453)
        return tail; // return tail (454)
      }
      // this.#forget() (456): the intents entry, left out
      tail = seen; // tail = seen (457)
    }
  }

  // #claimGet(1, patience = 0): bounded-buffer.ts:470-528
  function* claimGet(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const here = `${caller}/claimGet`;
    let head = me.headGuess; // let head = this.#headGuess (473)
    // let waitingSince = 0 (474): read only when patience > 0
    for (;;) {
      yield declare(t, here, [head], me); // live: the caller, head, the instance
      let position = head; // let position = head (476)
      let n = 0; // let n = 0 (477)
      // let stamp = 0 (478); while (n < max) (479) with max = 1: one stamp
      const stamp = yield t.read(['stamp', position & mask]); // stamp = Atomics.load(i32, STAMPS + (position & mask)) (480)
      if ((stamp & POSITION_MASK) === position + 1) {
        // (not) if ((stamp & POSITION_MASK) !== position + 1) break (481)
        n++; // n++ (482)
        position = advance(position); // position = this.#advance(position, 1) (483)
      }
      if (n > 0) {
        // if (n > 0) { (485)
        // this.#intend(-n, head) (486): the intents entry, left out (see the top of this file)
        const seen = yield t.cas('HEAD', head, position); // const seen = Atomics.compareExchange(i32, HEAD, head, position) (487)
        if (seen === head) {
          // if (seen === head) { (488)
          me.headGuess = position; // this.#headGuess = position (489), this.#claimed = n (490)
          return head; // return head (491)
        }
        // this.#forget() (493): the intents entry, left out
        head = seen; // head = seen (494)
        continue; // continue (495)
      }
      if (head !== (yield t.read('HEAD'))) {
        // if (head !== Atomics.load(i32, HEAD)) { (497)
        head = yield t.read('HEAD'); // head = Atomics.load(i32, HEAD) (498)
        yield* checkPosition(t, head, 'HEAD', head); // this.#checkPosition(head, 'HEAD', head) (499)
        continue; // continue (500)
      }
      const at = head & mask; // const at = STAMPS + (head & mask) (502)
      const value = stamp & POSITION_MASK; // const value = stamp & POSITION_MASK (503)
      // Free for the put at `head`; or last lap's item still being read by a get; or last lap's
      // dropped put, being freed by the thread that skipped it (504-506).
      const lastLap = (head - oneLap) & POSITION_MASK; // const lastLap = (head - this.#oneLap) & POSITION_MASK (507)
      // if (value !== head && value !== ((lastLap + 1) & POSITION_MASK) && value !== lastLap) (508)
      //   throw corrupted(`slot ${head & mask}`, stamp) (509)
      if (value !== head && value !== ((lastLap + 1) & POSITION_MASK) && value !== lastLap)
        yield* corrupted(t, `slot ${at}`, stamp);
      // if (value === lastLap && (Atomics.load(i32, TAIL) & POSITION_MASK) !== head) (510)
      //   throw corrupted('HEAD', head) (511)
      if (value === lastLap && ((yield t.read('TAIL')) & POSITION_MASK) !== head)
        yield* corrupted(t, 'HEAD', head);
      // const putInProgress = value === head && (Atomics.load(i32, TAIL) & POSITION_MASK) !== head (512)
      const putInProgress = value === head && ((yield t.read('TAIL')) & POSITION_MASK) !== head;
      // A put has claimed this slot and is writing it (513).
      // if (putInProgress && Atomics.load(i32, TOMBSTONES) !== 0 && this.#skipDeadPut(head)) continue
      // (514): with no dead thread TOMBSTONES holds 0, so the && stops there
      if (putInProgress) yield t.read('TOMBSTONES');
      // if (putInProgress && patience !== 0 && ...) { ... this.#awaitChange(at, stamp); continue }
      // (515-523): patience is 0, so a blocking call sleeps on the slot like any waiter
      me.blockAt = at; // this.#blockAt = at (524)
      me.blockSeen = stamp; // this.#blockSeen = stamp (525)
      return NONE; // return NONE (526)
    }
  }

  /** A check that #waitSync repeats (#putOne or #getOne of the call), with the caller's label. */
  type Check = (caller: string) => Generator<Step, number, number>;

  // #setStamp(at, value): bounded-buffer.ts:654-656
  function* setStamp(t: ThreadContext, slot: number, value: number): Generator<Step, void, number> {
    // if ((Atomics.exchange(this.#i32, at, value) & WAITING) !== 0) Atomics.notify(this.#i32, at) (655)
    const old = yield t.exchange(['stamp', slot], value | 0);
    if ((old & WAITING) !== 0) yield t.notify(['stamp', slot]);
  }

  // #register(check): bounded-buffer.ts:689-697. `label` names the wait it registers for.
  function* register(
    t: ThreadContext,
    me: Instance,
    check: Check,
    label: string,
  ): Generator<Step, number, number> {
    const at = me.blockAt; // const at = this.#blockAt (690)
    const seen = me.blockSeen; // const seen = this.#blockSeen (691)
    if (variant === 'conveyor-buffer-no-mark') {
      // Broken: no WAITING mark; re-check, then sleep on the value seen.
      const again = yield* check(`${label}/recheck@${at}`);
      if (again !== NOT_YET) return again;
      return me.blockAt === at && me.blockSeen === seen ? NOT_YET : RETRY;
    }
    const marked = seen | WAITING; // const marked = seen | WAITING (692)
    // if (marked !== seen && Atomics.compareExchange(this.#i32, at, seen, marked) !== seen) return RETRY (693)
    if (marked !== seen && (yield t.cas(['stamp', at], seen, marked)) !== seen) return RETRY;
    // The re-check's declarations hold #blockSeen, still `seen` until the check fails (it is set
    // only right before a claim returns NONE), so `marked` stays known through it.
    const again = yield* check(`${label}/recheck@${at}`); // const again = check() (694)
    if (again !== NOT_YET) return again; // if (again !== NOT_YET) return again (695)
    // return this.#blockAt === at && this.#blockSeen === marked ? NOT_YET : RETRY (696)
    return me.blockAt === at && me.blockSeen === marked ? NOT_YET : RETRY;
  }

  // #waitSync(check, deadline) with no deadline (remaining is Infinity): bounded-buffer.ts:662-681.
  // `call` names the put or get (and its item) that waits.
  function* waitSync(
    t: ThreadContext,
    me: Instance,
    check: Check,
    call: string,
  ): Generator<Step, number, number> {
    const label = `${call}/wait`;
    // const budget = this.#spinBudget (664); for (let spins = 0; ; spins++) (665): the budget is 0
    // here (see the top of this file)
    for (;;) {
      // Live here: which call waits (the label), and the instance's fields.
      yield declare(t, label, [], me);
      const result = yield* check(`${label}/check`); // const result = check() (666)
      if (result !== NOT_YET) return result; // if (result !== NOT_YET) { ... return result (667-670)
      // if (spins < budget) continue (672): never, with a budget of 0
      // const remaining = deadline.remaining() (674); if (remaining <= 0) return TIMED_OUT (675):
      // never, remaining is Infinity
      const registered = yield* register(t, me, check, label); // const registered = this.#register(check) (676)
      if (registered === RETRY) continue; // if (registered === RETRY) continue (677)
      if (registered !== NOT_YET) return registered; // if (registered !== NOT_YET) return registered (678)
      // Atomics.wait(i32, this.#blockAt, this.#blockSeen, remaining) (679)
      yield* t.wait(['stamp', me.blockAt], me.blockSeen);
    }
  }

  // #publishOne(position, prepared): bounded-buffer.ts:833-837
  function* publishOne(t: ThreadContext, position: number, item: number): Generator<Step, void, number> {
    const slot = position & mask; // const slot = position & (this.#oneLap - 1) (834)
    if (variant === 'conveyor-buffer-publish-first') {
      yield* setStamp(t, slot, position + 1); // broken: publish first
      yield t.put('buffer', slot, item);
      return;
    }
    yield t.put('buffer', slot, item); // this.#codec.write(slot, prepared) (835)
    yield* setStamp(t, slot, position + 1); // this.#setStamp(STAMPS + slot, position + 1) (836)
  }

  // #putOne(prepared, patience = 0): bounded-buffer.ts:765-770
  function* putOne(
    t: ThreadContext,
    me: Instance,
    item: number,
    caller: string,
  ): Generator<Step, number, number> {
    const position = yield* claimPut(t, me, caller); // const position = this.#claimPut(1, patience) (766)
    if (position === NONE) return NOT_YET; // if (position === NONE) return NOT_YET (767)
    // if (position !== CLOSED) this.#publishOne(position, prepared) (768): never CLOSED here
    yield* publishOne(t, position, item);
    return position; // return position (769)
  }

  // #checkGet(1, patience = 0): bounded-buffer.ts:872-880
  function* checkGet(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const position = yield* claimGet(t, me, caller); // const position = this.#claimGet(max, patience) (874)
    if (position !== NONE) return position; // if (position !== NONE) return position (875)
    // const tail = Atomics.load(i32, TAIL) (877); the CLOSED mark is never set, so the && (878)
    // stops there
    yield t.read('TAIL');
    return NOT_YET; // return NOT_YET (879)
  }

  // #getOne(patience = 0): bounded-buffer.ts:926-933
  function* getOne(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const position = yield* checkGet(t, me, caller); // const position = this.#checkGet(1, patience) (927)
    // if (position === NOT_YET || position === CLOSED) return position (928): never CLOSED here
    if (position === NOT_YET) return position;
    const slot = position & mask; // const slot = position & (this.#oneLap - 1) (929)
    yield t.take('buffer', slot); // this.#taken = this.#codec.take(slot) (930)
    // this.#setStamp(STAMPS + slot, (position + this.#oneLap) & POSITION_MASK) (931)
    yield* setStamp(t, slot, (position + oneLap) & POSITION_MASK);
    return position; // return position (932)
  }

  // putSync(item): bounded-buffer.ts:734-745
  function* putSync(t: ThreadContext, me: Instance, item: number, k: number): Generator<Step, void, number> {
    // const prepared = this.#codec.prepare(item) (735): thread-local
    const call = `put#${k}`;
    const check: Check = (caller) => putOne(t, me, item, caller); // () => this.#putOne(prepared) (740)
    const position = yield* check(call); // let position = this.#putOne(prepared) (737)
    // if (position === NOT_YET) { ... const result = this.#waitSync(() => this.#putOne(prepared), deadline) (738-740)
    if (position === NOT_YET) yield* waitSync(t, me, check, call);
    // if (position === CLOSED) throw closedForPut(item) (744): never
  }

  // getSync(): bounded-buffer.ts:889-900
  function* getSync(t: ThreadContext, me: Instance, k: number): Generator<Step, void, number> {
    const call = `get#${k}`;
    const check: Check = (caller) => getOne(t, me, caller); // () => this.#getOne() (894)
    const position = yield* check(call); // let position = this.#getOne() (891)
    // if (position === NOT_YET) { ... const result = this.#waitSync(() => this.#getOne(), deadline) (892-894)
    if (position === NOT_YET) yield* waitSync(t, me, check, call);
    // if (position === CLOSED) throw closedForGet() (898): never
    // return this.#codec.decode(this.#taken) (899): thread-local, after the slot is freed
  }

  const fresh = (): Instance => ({ tailGuess: 0, headGuess: 0, blockAt: 0, blockSeen: 0 });
  const threads: ThreadSpec[] = [];
  for (let p = 0; p < producers; p++) {
    threads.push({
      name: `p${p + 1}`,
      *run(t) {
        const me = fresh();
        for (let k = 0; k < items; k++) yield* putSync(t, me, itemOf(p, k), k);
      },
    });
  }
  for (let c = 0; c < consumers; c++) {
    const share = consumerShare(params, c);
    threads.push({
      name: `c${c + 1}`,
      *run(t) {
        const me = fresh();
        for (let k = 0; k < share; k++) yield* getSync(t, me, k);
      },
    });
  }
  return {
    name: variant,
    summary: CONVEYOR_BUFFER_VARIANTS[variant],
    memory: {
      // for (let i = 0; i < capacity; i++) i32[STAMPS + i] = i (282): slot i is free for position i.
      // TOMBSTONES is 0 from the start, and only recover() and #skipDeadPut change it.
      words: { TAIL: 0, HEAD: 0, TOMBSTONES: 0, stamp: Array.from({ length: capacity }, (_, i) => i) },
      buffers: { buffer: capacity },
      futexes: ['stamp'],
    },
    threads,
    items: Array.from({ length: producers }, () => items),
    fifo: true,
    params: { ...params },
  };
}
