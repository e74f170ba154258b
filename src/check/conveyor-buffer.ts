// A model of conveyor's own BoundedBuffer (src/queue/bounded-buffer.ts as of commit 61cd0b7, the
// file as last changed by 0cc3dfc), written to follow the real code step for step: every
// shared-memory access there (an Atomics.load, compareExchange, exchange, wait or notify, or the
// codec's write or take of a slot) is one step here, and the comment beside each step quotes the
// line it stands for (the line numbers on each function are those of commit 61cd0b7; the quoted
// code is what to match).
//
// What is modelled: putSync and getSync of one item each, with no deadline, by any number of
// producers and consumers, each thread with its own BoundedBuffer object (so its own #tailGuess,
// #headGuess, #blockAt and #blockSeen, as after BoundedBuffer.from(handle) in a worker).
// What is not: close() (no CLOSED mark is ever set, so the CLOSED branches are never taken),
// batches (putMany/getMany), taskDone/join (DONE is touched by neither put nor get), the async
// forms (the same claims and the same #register; they differ only in how they sleep), and the
// codec's encoding and decoding (thread-local: prepare before the claim, decode after the slot
// is freed).
//
// A `throw corrupted(...)` (BufferCorruptedError) is a failed assert here: the real code throws it
// out of an ordinary put or get only if it reads a stamp that no legal schedule produces, so the
// model reaching one is a violation, reported with its trace.
//
// Spinning is modelled as 0 checks, as the brief of the model allows:
// - #awaitChange loads the stamp SPINS (20) times before it marks it, returning at once if it has
//   changed. Those loads write nothing, and the CAS that follows fails (and returns) exactly when
//   the stamp has changed, so a model that goes straight to the CAS loses no behaviour.
// - #waitSync checks #spinBudget times (20 at first, adapted per thread between 20 and 2000) before
//   it registers. A failed check leaves only #blockAt/#blockSeen, which the next check overwrites,
//   and writes no shared memory unless it awaited a change (#awaitChange: a WAITING mark and a
//   sleep until the slot changes) before it failed, which the model's own single check can do as
//   well. So a real run whose extra failed checks only read is a model run with only the last one.
//   This is an argument, not an exhaustive one: a real run in which two consecutive failed checks
//   each await a change is approximated here by a check, a WAITING mark, and a re-check.
//
// Atomics.wait/notify are modelled exactly: a sleeper enqueues itself only if the word still
// holds the value it passes, and then sleeps until some notify on that word (not merely until
// the word changes), so a missing notify is a deadlock here as it is in a worker. #waitSync
// passes no timeout (no deadline). #awaitChange passes a timeout of 10 ms and loops on it; the
// model leaves the timeout out (a sleep there ends only by a notify), so a lost notify there is a
// deadlock here, where the real code would only stall in 10 ms polls.
//
// Broken variants, to show the checker finds what this design guards against:
//   conveyor-buffer-no-mark        a sleeper in #waitSync does not set the WAITING bit (#register
//                                  skips its CAS): the publisher sees no sleeper, never notifies
//   conveyor-buffer-publish-first  the stamp is published before the item is written

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
const WAITING = 1 << 31; // const WAITING = 1 << 31 (87)
const POSITION_MASK = 0x7fffffff; // const POSITION_MASK = 0x7fffffff (88)
const NONE = -1; // const NONE = -1 (90)
/** check() found nothing yet (NOT_YET in the real code). */
const NOT_YET = -3;
/** #register's answer when the stamp changed under it: check again (RETRY there, line 93). */
const RETRY = -4;

/** A thread's BoundedBuffer object: the per-instance fields the real code keeps. */
interface Instance {
  tailGuess: number; // #tailGuess = 0
  headGuess: number; // #headGuess = 0
  blockAt: number; // #blockAt = 0 (a slot index here; STAMPS + slot there)
  blockSeen: number; // #blockSeen = 0
}

/**
 * Declares a thread's live state: where it is (the label names the call chain, the item number
 * and, in a re-check or an #awaitChange, the slot it is about), the live locals, and the
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
  let oneLap = 1; // layout(): while (oneLap <= capacity) oneLap *= 2
  while (oneLap <= capacity) oneLap *= 2;
  const mask = oneLap - 1;
  // this.#period = ((POSITION_MASK + 1) / shape.oneLap) * shape.capacity (216)
  const period = ((POSITION_MASK + 1) / oneLap) * capacity;

  // #advance(position, 1): bounded-buffer.ts:303-308
  const advance = (position: number): number => {
    const index = (position & mask) + 1; // const index = (position & (oneLap - 1)) + n
    if (index < capacity) return position + 1; // if (index < this.#capacity) return position + n
    return ((position & ~mask) + oneLap + index - capacity) & POSITION_MASK;
  };
  // #sequence(position): bounded-buffer.ts:285-287
  const sequence = (position: number): number => Math.floor(position / oneLap) * capacity + (position & mask);
  // #distance(from, to): bounded-buffer.ts:290-293
  const distance = (from: number, to: number): number => (((to - from) % period) + period) % period;

  // #checkPosition(position, word, raw): bounded-buffer.ts:420-422 (reads nothing)
  function* checkPosition(
    t: ThreadContext,
    position: number,
    word: string,
    raw: number,
  ): Generator<Step, void, number> {
    // if ((position & (this.#oneLap - 1)) >= this.#capacity) throw corrupted(word, raw)
    if ((position & mask) >= capacity) yield* corrupted(t, word, raw);
  }

  // #claimedByGet(position): bounded-buffer.ts:413-417
  function* claimedByGet(t: ThreadContext, position: number): Generator<Step, boolean, number> {
    const head = yield t.read('HEAD'); // const head = Atomics.load(this.#i32, HEAD)
    const passed = distance(sequence(position), sequence(head)); // this.#distance(this.#sequence(position), this.#sequence(head))
    return passed > 0 && passed <= capacity; // return passed > 0 && passed <= this.#capacity
  }

  // #awaitChange(at, seen): bounded-buffer.ts:428-438. `live` are the caller's locals that are
  // still used after it returns (claimGet's head); the label says where it was called from.
  function* awaitChange(
    t: ThreadContext,
    me: Instance,
    at: number,
    seen: number,
    caller: string,
    live: readonly number[],
  ): Generator<Step, void, number> {
    // for (let spin = 0; spin < SPINS; spin++) if (Atomics.load(i32, at) !== seen) return: SPINS is 0 here
    for (;;) {
      yield declare(t, `${caller}/awaitChange@${at}`, [...live, seen], me);
      const marked = seen | WAITING; // const marked = seen | WAITING
      // if (marked !== seen && Atomics.compareExchange(i32, at, seen, marked) !== seen) return
      if (marked !== seen && (yield t.cas(['stamp', at], seen, marked)) !== seen) return;
      yield* t.wait(['stamp', at], marked); // Atomics.wait(i32, at, marked, 10): no timeout here
      if ((yield t.read(['stamp', at])) !== marked) return; // if (Atomics.load(i32, at) !== marked) return
      seen = marked; // seen = marked
    }
  }

  // #claimPut(1): bounded-buffer.ts:318-359
  function* claimPut(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const here = `${caller}/claimPut`;
    let tail = me.tailGuess; // let tail = this.#tailGuess
    for (;;) {
      yield declare(t, here, [tail], me); // live: the caller, tail, the instance
      // if ((tail & CLOSED_MARK) !== 0) return CLOSED: never, close() is not modelled
      let position = tail; // let position = tail
      let k = 0; // let k = 0; for (; k < n; k++) with n = 1
      const at = position & mask; // const at = STAMPS + (position & mask)
      const stamp = yield t.read(['stamp', at]); // const stamp = Atomics.load(i32, at)
      const value = stamp & POSITION_MASK; // const value = stamp & POSITION_MASK
      if (value === position) {
        position = advance(position); // position = this.#advance(position, 1); continue
        k++;
      } else if (tail === (yield t.read('TAIL'))) {
        // (else) if (tail !== Atomics.load(i32, TAIL)) break: TAIL moved on, look again
        // Legal here: last lap's item (filled, or still being written by a slow put).
        const lastLap = (position - oneLap) & POSITION_MASK; // const lastLap = (position - this.#oneLap) & POSITION_MASK
        const filled = value === ((lastLap + 1) & POSITION_MASK); // const filled = value === ((lastLap + 1) & POSITION_MASK)
        // if (!filled && value !== lastLap) throw corrupted(`slot ${position & mask}`, stamp)
        if (!filled && value !== lastLap) yield* corrupted(t, `slot ${at}`, stamp);
        // if (filled && this.#claimedByGet(lastLap))
        if (filled && (yield* claimedByGet(t, lastLap))) {
          yield* awaitChange(t, me, at, stamp, here, []); // this.#awaitChange(at, stamp); break
        } else {
          me.blockAt = at; // this.#blockAt = at
          me.blockSeen = stamp; // this.#blockSeen = stamp
          return NONE; // return NONE
        }
      }
      if (k < 1) {
        tail = yield t.read('TAIL'); // if (k < n) { tail = Atomics.load(i32, TAIL)
        yield* checkPosition(t, tail & POSITION_MASK, 'TAIL', tail); // this.#checkPosition(tail & POSITION_MASK, 'TAIL', tail)
        continue; // continue }
      }
      const seen = yield t.cas('TAIL', tail, position); // const seen = Atomics.compareExchange(i32, TAIL, tail, position)
      if (seen === tail) {
        me.tailGuess = position; // this.#tailGuess = position
        return tail; // return tail
      }
      tail = seen; // tail = seen
    }
  }

  // #claimGet(1): bounded-buffer.ts:368-410
  function* claimGet(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const here = `${caller}/claimGet`;
    let head = me.headGuess; // let head = this.#headGuess
    for (;;) {
      yield declare(t, here, [head], me); // live: the caller, head, the instance
      let position = head; // let position = head
      let n = 0; // let n = 0
      // while (n < max) with max = 1: one stamp
      const stamp = yield t.read(['stamp', position & mask]); // stamp = Atomics.load(i32, STAMPS + (position & mask))
      if ((stamp & POSITION_MASK) === position + 1) {
        // (not) if ((stamp & POSITION_MASK) !== position + 1) break
        n++; // n++
        position = advance(position); // position = this.#advance(position, 1)
      }
      if (n > 0) {
        const seen = yield t.cas('HEAD', head, position); // const seen = Atomics.compareExchange(i32, HEAD, head, position)
        if (seen === head) {
          me.headGuess = position; // this.#headGuess = position (and this.#claimed = n)
          return head; // return head
        }
        head = seen; // head = seen
        continue; // continue
      }
      if (head !== (yield t.read('HEAD'))) {
        // if (head !== Atomics.load(i32, HEAD))
        head = yield t.read('HEAD'); // head = Atomics.load(i32, HEAD)
        yield* checkPosition(t, head, 'HEAD', head); // this.#checkPosition(head, 'HEAD', head)
        continue; // continue
      }
      const at = head & mask; // const at = STAMPS + (head & mask)
      const value = stamp & POSITION_MASK; // const value = stamp & POSITION_MASK
      // Free for the put at `head`, or last lap's item still being read by a get: empty either way.
      // if (value !== head && value !== ((head - mask) & POSITION_MASK)) throw corrupted(`slot ${head & mask}`, stamp)
      if (value !== head && value !== ((head - mask) & POSITION_MASK))
        yield* corrupted(t, `slot ${at}`, stamp);
      // if (value === head && (Atomics.load(i32, TAIL) & POSITION_MASK) !== head)
      if (value === head && ((yield t.read('TAIL')) & POSITION_MASK) !== head) {
        yield* awaitChange(t, me, at, stamp, here, [head]); // this.#awaitChange(at, stamp)
        continue; // continue
      }
      me.blockAt = at; // this.#blockAt = at
      me.blockSeen = stamp; // this.#blockSeen = stamp
      return NONE; // return NONE
    }
  }

  // #checkPut(1): bounded-buffer.ts:550-553
  function* checkPut(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const position = yield* claimPut(t, me, caller); // const position = this.#claimPut(n)
    return position === NONE ? NOT_YET : position; // return position === NONE ? NOT_YET : position
  }

  // #checkGet(1): bounded-buffer.ts:648-656
  function* checkGet(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const position = yield* claimGet(t, me, caller); // const position = this.#claimGet(max)
    if (position !== NONE) return position; // if (position !== NONE) return position
    // const tail = Atomics.load(i32, TAIL); the CLOSED mark is never set, so the && stops there
    yield t.read('TAIL');
    return NOT_YET; // return NOT_YET
  }

  type Check = (t: ThreadContext, me: Instance, caller: string) => Generator<Step, number, number>;

  // #register(check): bounded-buffer.ts:476-484. `label` names the wait it registers for.
  function* register(
    t: ThreadContext,
    me: Instance,
    check: Check,
    label: string,
  ): Generator<Step, number, number> {
    const at = me.blockAt; // const at = this.#blockAt
    const seen = me.blockSeen; // const seen = this.#blockSeen
    if (variant === 'conveyor-buffer-no-mark') {
      // Broken: no WAITING mark; re-check, then sleep on the value seen.
      const again = yield* check(t, me, `${label}/recheck@${at}`);
      if (again !== NOT_YET) return again;
      return me.blockAt === at && me.blockSeen === seen ? NOT_YET : RETRY;
    }
    const marked = seen | WAITING; // const marked = seen | WAITING
    // if (marked !== seen && Atomics.compareExchange(this.#i32, at, seen, marked) !== seen) return RETRY
    if (marked !== seen && (yield t.cas(['stamp', at], seen, marked)) !== seen) return RETRY;
    // The re-check's declarations hold #blockSeen, still `seen` until the check fails (it is set
    // only right before a claim returns NONE), so `marked` stays known through it.
    const again = yield* check(t, me, `${label}/recheck@${at}`); // const again = check()
    if (again !== NOT_YET) return again; // if (again !== NOT_YET) return again
    // return this.#blockAt === at && this.#blockSeen === marked ? NOT_YET : RETRY
    return me.blockAt === at && me.blockSeen === marked ? NOT_YET : RETRY;
  }

  // #waitSync(check, deadline) with no deadline (remaining is Infinity): bounded-buffer.ts:449-468
  function* waitSync(
    t: ThreadContext,
    me: Instance,
    check: Check,
    k: number,
  ): Generator<Step, number, number> {
    const label = `${check === checkPut ? 'put' : 'get'}#${k}/wait`;
    // for (let spins = 0; ; spins++): the budget (#spinBudget) is 0 here (see the top of this file)
    for (;;) {
      // Live here: which call waits (check) for which item (k), and the instance's fields.
      yield declare(t, label, [], me);
      const result = yield* check(t, me, `${label}/check`); // const result = check()
      if (result !== NOT_YET) return result; // if (result !== NOT_YET) { ...; return result }
      // if (spins < budget) continue: never, with a budget of 0
      // const remaining = deadline.remaining(); if (remaining <= 0): never, remaining is Infinity
      const registered = yield* register(t, me, check, label); // const registered = this.#register(check)
      if (registered === RETRY) continue; // if (registered === RETRY) continue
      if (registered !== NOT_YET) return registered; // if (registered !== NOT_YET) return registered
      yield* t.wait(['stamp', me.blockAt], me.blockSeen); // Atomics.wait(i32, this.#blockAt, this.#blockSeen, remaining)
    }
  }

  // #setStamp(at, value): bounded-buffer.ts:441-443
  function* setStamp(t: ThreadContext, slot: number, value: number): Generator<Step, void, number> {
    // if ((Atomics.exchange(this.#i32, at, value) & WAITING) !== 0) Atomics.notify(this.#i32, at)
    const old = yield t.exchange(['stamp', slot], value | 0);
    if ((old & WAITING) !== 0) yield t.notify(['stamp', slot]);
  }

  // putSync(item): bounded-buffer.ts:522-534, then #publishOne: bounded-buffer.ts:609-613
  function* putSync(t: ThreadContext, me: Instance, item: number, k: number): Generator<Step, void, number> {
    // const prepared = this.#codec.prepare(item): thread-local
    let position = yield* claimPut(t, me, `put#${k}`); // let position = this.#claimPut(1)
    // if (position === NONE) { ... this.#waitSync(() => this.#checkPut(1), deadline) }
    if (position === NONE) position = yield* waitSync(t, me, checkPut, k);
    // this.#publishOne(position, prepared)
    const slot = position & mask; // const slot = position & (this.#oneLap - 1)
    if (variant === 'conveyor-buffer-publish-first') {
      yield* setStamp(t, slot, position + 1); // broken: publish first
      yield t.put('buffer', slot, item);
      return;
    }
    yield t.put('buffer', slot, item); // this.#codec.write(slot, prepared)
    yield* setStamp(t, slot, position + 1); // this.#setStamp(STAMPS + slot, position + 1)
  }

  // getSync(): bounded-buffer.ts:665-676, then #readOne: bounded-buffer.ts:726-731
  function* getSync(t: ThreadContext, me: Instance, k: number): Generator<Step, void, number> {
    let position = yield* checkGet(t, me, `get#${k}`); // let position = this.#checkGet(1)
    // if (position === NOT_YET) { ... this.#waitSync(() => this.#checkGet(1), deadline) }
    if (position === NOT_YET) position = yield* waitSync(t, me, checkGet, k);
    // this.#readOne(position)
    const slot = position & mask; // const slot = position & (this.#oneLap - 1)
    yield t.take('buffer', slot); // const taken = this.#codec.take(slot)
    // this.#setStamp(STAMPS + slot, (position + this.#oneLap) & POSITION_MASK)
    yield* setStamp(t, slot, (position + oneLap) & POSITION_MASK);
    // return this.#codec.decode(taken): thread-local, after the slot is freed
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
      // for (let i = 0; i < capacity; i++) i32[STAMPS + i] = i: slot i is free for position i
      words: { TAIL: 0, HEAD: 0, stamp: Array.from({ length: capacity }, (_, i) => i) },
      buffers: { buffer: capacity },
      futexes: ['stamp'],
    },
    threads,
    items: Array.from({ length: producers }, () => items),
    fifo: true,
    params: { ...params },
  };
}
