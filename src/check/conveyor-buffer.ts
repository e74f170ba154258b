// A model of conveyor's own BoundedBuffer (src/queue/bounded-buffer.ts as of commit 141fe19; the
// modelled paths last changed in 4e94463), written to follow the real code step for step: every
// shared-memory access those paths make (an Atomics.load, compareExchange, exchange, wait or
// notify, or the codec's write or take of a slot) is one step here, except the intents entry
// (below), and the comment beside each step quotes the line it stands for, with its line number as
// of 141fe19 (the quoted code is what to match).
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
// Dead threads are not modelled (recover(), watch(), tombstones): every thread here runs to its
// end. With no dead thread no entry is ever DEAD or TOMBSTONE, and TOMBSTONES stays 0, so the one
// dead-thread check on the modelled paths (#claimGet, line 504) is its load of TOMBSTONES, a step
// here that always reads 0, after which the && stops (#skipDeadPut is never called). The intents
// entry is left out: #intend (before each claiming CAS, lines 445 and 481; on a thread's first
// claim #enter takes an entry by a CAS on its OWNER word) and #forget (after a failed CAS, lines 451
// and 488) write only the thread's own entry, with plain stores, and nothing on the modelled paths
// reads an entry (only recover(), #skipDeadPut and other threads' #enter do, and #enter only to
// pick a free entry), so those writes change nothing any modelled step sees or does.
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
const WAITING = 1 << 31; // const WAITING = 1 << 31 (133)
const POSITION_MASK = 0x7fffffff; // const POSITION_MASK = 0x7fffffff (134)
const NONE = -1; // const NONE = -1 (136)
/** A check found nothing yet (NOT_YET there, from src/sync/event-count.ts). */
const NOT_YET = -3;
/** #register's answer when the stamp changed under it: check again (RETRY there, line 143). */
const RETRY = -4;

/** A thread's BoundedBuffer object: the per-instance fields the real code keeps. */
interface Instance {
  tailGuess: number; // #tailGuess = 0 (236)
  headGuess: number; // #headGuess = 0 (237)
  blockAt: number; // #blockAt = 0 (243; a slot index here, STAMPS + slot there)
  blockSeen: number; // #blockSeen = 0 (244)
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
  let oneLap = 1; // layout(): let oneLap = 1 (204)
  while (oneLap <= capacity) oneLap *= 2; // while (oneLap <= capacity) oneLap *= 2 (205)
  const mask = oneLap - 1;
  // this.#period = ((POSITION_MASK + 1) / shape.oneLap) * shape.capacity (297)
  const period = ((POSITION_MASK + 1) / oneLap) * capacity;

  // #advance(position, 1): bounded-buffer.ts:386-391
  const advance = (position: number): number => {
    const index = (position & mask) + 1; // const index = (position & (oneLap - 1)) + n (388)
    if (index < capacity) return position + 1; // if (index < this.#capacity) return position + n (389)
    // return ((position & ~(oneLap - 1)) + oneLap + index - this.#capacity) & POSITION_MASK (390)
    return ((position & ~mask) + oneLap + index - capacity) & POSITION_MASK;
  };
  // #sequence(position): bounded-buffer.ts:368-370
  const sequence = (position: number): number => Math.floor(position / oneLap) * capacity + (position & mask);
  // #distance(from, to): bounded-buffer.ts:373-376
  const distance = (from: number, to: number): number => (((to - from) % period) + period) % period;

  // #checkPosition(position, word, raw): bounded-buffer.ts:525-527 (reads nothing)
  function* checkPosition(
    t: ThreadContext,
    position: number,
    word: string,
    raw: number,
  ): Generator<Step, void, number> {
    // if ((position & (this.#oneLap - 1)) >= this.#capacity) throw corrupted(word, raw) (526)
    if ((position & mask) >= capacity) yield* corrupted(t, word, raw);
  }

  // #claimedByGet(position): bounded-buffer.ts:518-522
  function* claimedByGet(t: ThreadContext, position: number): Generator<Step, boolean, number> {
    const head = yield t.read('HEAD'); // const head = Atomics.load(this.#i32, HEAD) (519)
    const passed = distance(sequence(position), sequence(head)); // this.#distance(this.#sequence(position), this.#sequence(head)) (520)
    return passed > 0 && passed <= capacity; // return passed > 0 && passed <= this.#capacity (521)
  }

  // #claimPut(1, patience = 0): bounded-buffer.ts:403-454
  function* claimPut(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const here = `${caller}/claimPut`;
    let tail = me.tailGuess; // let tail = this.#tailGuess (406)
    // let waitingSince = 0 (407): read only when patience > 0
    for (;;) {
      yield declare(t, here, [tail], me); // live: the caller, tail, the instance
      // if ((tail & CLOSED_MARK) !== 0) return CLOSED (409): never, close() is not modelled
      let position = tail; // let position = tail (410)
      let k = 0; // let k = 0 (411); for (; k < n; k++) (412) with n = 1
      const at = position & mask; // const at = STAMPS + (position & mask) (413)
      const stamp = yield t.read(['stamp', at]); // const stamp = Atomics.load(i32, at) (414)
      const value = stamp & POSITION_MASK; // const value = stamp & POSITION_MASK (415)
      if (value === position) {
        // if (value === position) { (416)
        position = advance(position); // position = this.#advance(position, 1) (417); continue (418)
        k++;
      } else if (tail === (yield t.read('TAIL'))) {
        // (else) if (tail !== Atomics.load(i32, TAIL)) break (420): TAIL moved on, look again
        // Legal here: last lap's item (filled, or still being written by a slow put).
        const lastLap = (position - oneLap) & POSITION_MASK; // const lastLap = (position - this.#oneLap) & POSITION_MASK (422)
        const filled = value === ((lastLap + 1) & POSITION_MASK); // const filled = value === ((lastLap + 1) & POSITION_MASK) (423)
        // if (!filled && value !== lastLap) throw corrupted(`slot ${position & mask}`, stamp) (424)
        if (!filled && value !== lastLap) yield* corrupted(t, `slot ${at}`, stamp);
        // if (filled && this.#claimedByGet(lastLap)) { (425)
        if (filled && (yield* claimedByGet(t, lastLap))) {
          // A get is reading last lap's item (426): a blocking call sleeps on the slot.
          // if (patience === 0 || (waitingSince !== 0 && ...)) { (427): patience is 0
          me.blockAt = at; // this.#blockAt = at (428)
          me.blockSeen = stamp; // this.#blockSeen = stamp (429)
          return NONE; // return NONE (430)
        } // (432-434, waitingSince and #awaitChange: try calls only)
        me.blockAt = at; // this.#blockAt = at (436)
        me.blockSeen = stamp; // this.#blockSeen = stamp (437)
        return NONE; // return NONE (438)
      }
      if (k < 1) {
        // if (k < n) { (440)
        tail = yield t.read('TAIL'); // tail = Atomics.load(i32, TAIL) (441)
        yield* checkPosition(t, tail & POSITION_MASK, 'TAIL', tail); // this.#checkPosition(tail & POSITION_MASK, 'TAIL', tail) (442)
        continue; // continue (443)
      }
      // this.#intend(n, tail) (445): the intents entry, left out (see the top of this file)
      const seen = yield t.cas('TAIL', tail, position); // const seen = Atomics.compareExchange(i32, TAIL, tail, position) (446)
      if (seen === tail) {
        // if (seen === tail) { (447)
        me.tailGuess = position; // this.#tailGuess = position (448)
        return tail; // return tail (449)
      }
      // this.#forget() (451): the intents entry, left out
      tail = seen; // tail = seen (452)
    }
  }

  // #claimGet(1, patience = 0): bounded-buffer.ts:465-515
  function* claimGet(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const here = `${caller}/claimGet`;
    let head = me.headGuess; // let head = this.#headGuess (468)
    // let waitingSince = 0 (469): read only when patience > 0
    for (;;) {
      yield declare(t, here, [head], me); // live: the caller, head, the instance
      let position = head; // let position = head (471)
      let n = 0; // let n = 0 (472)
      // let stamp = 0 (473); while (n < max) (474) with max = 1: one stamp
      const stamp = yield t.read(['stamp', position & mask]); // stamp = Atomics.load(i32, STAMPS + (position & mask)) (475)
      if ((stamp & POSITION_MASK) === position + 1) {
        // (not) if ((stamp & POSITION_MASK) !== position + 1) break (476)
        n++; // n++ (477)
        position = advance(position); // position = this.#advance(position, 1) (478)
      }
      if (n > 0) {
        // if (n > 0) { (480)
        // this.#intend(-n, head) (481): the intents entry, left out (see the top of this file)
        const seen = yield t.cas('HEAD', head, position); // const seen = Atomics.compareExchange(i32, HEAD, head, position) (482)
        if (seen === head) {
          // if (seen === head) { (483)
          me.headGuess = position; // this.#headGuess = position (484), this.#claimed = n (485)
          return head; // return head (486)
        }
        // this.#forget() (488): the intents entry, left out
        head = seen; // head = seen (489)
        continue; // continue (490)
      }
      if (head !== (yield t.read('HEAD'))) {
        // if (head !== Atomics.load(i32, HEAD)) { (492)
        head = yield t.read('HEAD'); // head = Atomics.load(i32, HEAD) (493)
        yield* checkPosition(t, head, 'HEAD', head); // this.#checkPosition(head, 'HEAD', head) (494)
        continue; // continue (495)
      }
      const at = head & mask; // const at = STAMPS + (head & mask) (497)
      const value = stamp & POSITION_MASK; // const value = stamp & POSITION_MASK (498)
      // Free for the put at `head`, or last lap's item still being read by a get: empty either way.
      // if (value !== head && value !== ((head - mask) & POSITION_MASK)) (500)
      //   throw corrupted(`slot ${head & mask}`, stamp) (501)
      if (value !== head && value !== ((head - mask) & POSITION_MASK))
        yield* corrupted(t, `slot ${at}`, stamp);
      // if (value === head && (Atomics.load(i32, TAIL) & POSITION_MASK) !== head) { (502)
      if (value === head && ((yield t.read('TAIL')) & POSITION_MASK) !== head) {
        // A put has claimed this slot and is writing it (503).
        // if (Atomics.load(i32, TOMBSTONES) !== 0 && this.#skipDeadPut(head)) continue (504): with
        // no dead thread TOMBSTONES holds 0, so the && stops there
        yield t.read('TOMBSTONES');
        // if (patience !== 0 && ...) { ... this.#awaitChange(at, stamp); continue } (505-509):
        // patience is 0, so a blocking call sleeps on the slot like any waiter
      }
      me.blockAt = at; // this.#blockAt = at (511)
      me.blockSeen = stamp; // this.#blockSeen = stamp (512)
      return NONE; // return NONE (513)
    }
  }

  /** A check that #waitSync repeats (#putOne or #getOne of the call), with the caller's label. */
  type Check = (caller: string) => Generator<Step, number, number>;

  // #setStamp(at, value): bounded-buffer.ts:641-643
  function* setStamp(t: ThreadContext, slot: number, value: number): Generator<Step, void, number> {
    // if ((Atomics.exchange(this.#i32, at, value) & WAITING) !== 0) Atomics.notify(this.#i32, at) (642)
    const old = yield t.exchange(['stamp', slot], value | 0);
    if ((old & WAITING) !== 0) yield t.notify(['stamp', slot]);
  }

  // #register(check): bounded-buffer.ts:676-684. `label` names the wait it registers for.
  function* register(
    t: ThreadContext,
    me: Instance,
    check: Check,
    label: string,
  ): Generator<Step, number, number> {
    const at = me.blockAt; // const at = this.#blockAt (677)
    const seen = me.blockSeen; // const seen = this.#blockSeen (678)
    if (variant === 'conveyor-buffer-no-mark') {
      // Broken: no WAITING mark; re-check, then sleep on the value seen.
      const again = yield* check(`${label}/recheck@${at}`);
      if (again !== NOT_YET) return again;
      return me.blockAt === at && me.blockSeen === seen ? NOT_YET : RETRY;
    }
    const marked = seen | WAITING; // const marked = seen | WAITING (679)
    // if (marked !== seen && Atomics.compareExchange(this.#i32, at, seen, marked) !== seen) return RETRY (680)
    if (marked !== seen && (yield t.cas(['stamp', at], seen, marked)) !== seen) return RETRY;
    // The re-check's declarations hold #blockSeen, still `seen` until the check fails (it is set
    // only right before a claim returns NONE), so `marked` stays known through it.
    const again = yield* check(`${label}/recheck@${at}`); // const again = check() (681)
    if (again !== NOT_YET) return again; // if (again !== NOT_YET) return again (682)
    // return this.#blockAt === at && this.#blockSeen === marked ? NOT_YET : RETRY (683)
    return me.blockAt === at && me.blockSeen === marked ? NOT_YET : RETRY;
  }

  // #waitSync(check, deadline) with no deadline (remaining is Infinity): bounded-buffer.ts:649-668.
  // `call` names the put or get (and its item) that waits.
  function* waitSync(
    t: ThreadContext,
    me: Instance,
    check: Check,
    call: string,
  ): Generator<Step, number, number> {
    const label = `${call}/wait`;
    // const budget = this.#spinBudget (651); for (let spins = 0; ; spins++) (652): the budget is 0
    // here (see the top of this file)
    for (;;) {
      // Live here: which call waits (the label), and the instance's fields.
      yield declare(t, label, [], me);
      const result = yield* check(`${label}/check`); // const result = check() (653)
      if (result !== NOT_YET) return result; // if (result !== NOT_YET) { ... return result (654-657)
      // if (spins < budget) continue (659): never, with a budget of 0
      // const remaining = deadline.remaining() (661); if (remaining <= 0) return TIMED_OUT (662):
      // never, remaining is Infinity
      const registered = yield* register(t, me, check, label); // const registered = this.#register(check) (663)
      if (registered === RETRY) continue; // if (registered === RETRY) continue (664)
      if (registered !== NOT_YET) return registered; // if (registered !== NOT_YET) return registered (665)
      // Atomics.wait(i32, this.#blockAt, this.#blockSeen, remaining) (666)
      yield* t.wait(['stamp', me.blockAt], me.blockSeen);
    }
  }

  // #publishOne(position, prepared): bounded-buffer.ts:820-824
  function* publishOne(t: ThreadContext, position: number, item: number): Generator<Step, void, number> {
    const slot = position & mask; // const slot = position & (this.#oneLap - 1) (821)
    if (variant === 'conveyor-buffer-publish-first') {
      yield* setStamp(t, slot, position + 1); // broken: publish first
      yield t.put('buffer', slot, item);
      return;
    }
    yield t.put('buffer', slot, item); // this.#codec.write(slot, prepared) (822)
    yield* setStamp(t, slot, position + 1); // this.#setStamp(STAMPS + slot, position + 1) (823)
  }

  // #putOne(prepared, patience = 0): bounded-buffer.ts:752-757
  function* putOne(
    t: ThreadContext,
    me: Instance,
    item: number,
    caller: string,
  ): Generator<Step, number, number> {
    const position = yield* claimPut(t, me, caller); // const position = this.#claimPut(1, patience) (753)
    if (position === NONE) return NOT_YET; // if (position === NONE) return NOT_YET (754)
    // if (position !== CLOSED) this.#publishOne(position, prepared) (755): never CLOSED here
    yield* publishOne(t, position, item);
    return position; // return position (756)
  }

  // #checkGet(1, patience = 0): bounded-buffer.ts:859-867
  function* checkGet(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const position = yield* claimGet(t, me, caller); // const position = this.#claimGet(max, patience) (861)
    if (position !== NONE) return position; // if (position !== NONE) return position (862)
    // const tail = Atomics.load(i32, TAIL) (864); the CLOSED mark is never set, so the && (865)
    // stops there
    yield t.read('TAIL');
    return NOT_YET; // return NOT_YET (866)
  }

  // #getOne(patience = 0): bounded-buffer.ts:913-920
  function* getOne(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const position = yield* checkGet(t, me, caller); // const position = this.#checkGet(1, patience) (914)
    // if (position === NOT_YET || position === CLOSED) return position (915): never CLOSED here
    if (position === NOT_YET) return position;
    const slot = position & mask; // const slot = position & (this.#oneLap - 1) (916)
    yield t.take('buffer', slot); // this.#taken = this.#codec.take(slot) (917)
    // this.#setStamp(STAMPS + slot, (position + this.#oneLap) & POSITION_MASK) (918)
    yield* setStamp(t, slot, (position + oneLap) & POSITION_MASK);
    return position; // return position (919)
  }

  // putSync(item): bounded-buffer.ts:721-732
  function* putSync(t: ThreadContext, me: Instance, item: number, k: number): Generator<Step, void, number> {
    // const prepared = this.#codec.prepare(item) (722): thread-local
    const call = `put#${k}`;
    const check: Check = (caller) => putOne(t, me, item, caller); // () => this.#putOne(prepared) (727)
    const position = yield* check(call); // let position = this.#putOne(prepared) (724)
    // if (position === NOT_YET) { ... const result = this.#waitSync(() => this.#putOne(prepared), deadline) (725-727)
    if (position === NOT_YET) yield* waitSync(t, me, check, call);
    // if (position === CLOSED) throw closedForPut(item) (731): never
  }

  // getSync(): bounded-buffer.ts:876-887
  function* getSync(t: ThreadContext, me: Instance, k: number): Generator<Step, void, number> {
    const call = `get#${k}`;
    const check: Check = (caller) => getOne(t, me, caller); // () => this.#getOne() (881)
    const position = yield* check(call); // let position = this.#getOne() (878)
    // if (position === NOT_YET) { ... const result = this.#waitSync(() => this.#getOne(), deadline) (879-881)
    if (position === NOT_YET) yield* waitSync(t, me, check, call);
    // if (position === CLOSED) throw closedForGet() (885): never
    // return this.#codec.decode(this.#taken) (886): thread-local, after the slot is freed
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
      // for (let i = 0; i < capacity; i++) i32[STAMPS + i] = i (281): slot i is free for position i.
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
