// A model of conveyor's own BoundedBuffer (src/queue/bounded-buffer.ts, as of commit 138d776),
// written to follow the real code step for step: every shared-memory access there (an
// Atomics.load, compareExchange, exchange, wait or notify, or the codec's read or write of a
// slot) is one step here, and the comment beside each step quotes the line it stands for (the
// line numbers on each function are those of that commit; the quoted code is what to match).
//
// What is modelled: putSync and getSync of one item each, with no deadline, by any number of
// producers and consumers, each thread with its own BoundedBuffer object (so its own #tailGuess,
// #headGuess, #blockAt and #blockSeen, as after BoundedBuffer.from(handle) in a worker).
// What is not: close() (no CLOSED mark is ever set, so the CLOSED branches are never taken),
// batches (putMany/getMany), taskDone/join (DONE is touched by neither put nor get), and the
// async forms (the same claims; they differ only in how they sleep).
//
// SPINS (20 in the real code) is modelled as 0. A failed check writes no shared memory, so a
// real run with many failed checks before registering is a model run with only the last one;
// the model loses no behaviour, and its state space stays small.
//
// Atomics.wait/notify are modelled exactly: a sleeper enqueues itself only if the word still
// holds the value it passes, and then sleeps until some notify on that word (not merely until
// the word changes), so a missing notify is a deadlock here as it is in a worker.
//
// Broken variants, to show the checker finds what this design guards against:
//   conveyor-buffer-no-mark        a sleeper does not set the WAITING bit (no register before
//                                  the wait): the publisher sees no sleeper, never notifies
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
const WAITING = 1 << 31; // const WAITING = 1 << 31
const POSITION_MASK = 0x7fffffff; // const POSITION_MASK = 0x7fffffff
const NONE = -1; // const NONE = -1
/** check() found nothing yet (NOT_YET in the real code). */
const NOT_YET = -3;

/** A thread's BoundedBuffer object: the per-instance fields the real code keeps. */
interface Instance {
  tailGuess: number; // #tailGuess = 0
  headGuess: number; // #headGuess = 0
  blockAt: number; // #blockAt = 0 (a slot index here; STAMPS + slot there)
  blockSeen: number; // #blockSeen = 0
}

/**
 * Declares a thread's live state: where it is (the label names the call chain, the item number
 * and, in a re-check, the slot it will sleep on), one local, and the instance's fields. Every
 * other local of the code below is set from these (or from shared memory) before it is used.
 */
function declare(t: ThreadContext, label: string, local: number, me: Instance): Step {
  return t.state(label, local, me.tailGuess, me.headGuess, me.blockAt, me.blockSeen);
}

export function conveyorBufferModel(variant: ConveyorBufferVariant, params: ModelParams): Model {
  const { producers, consumers, capacity, items } = params;
  let oneLap = 1; // layout(): while (oneLap <= capacity) oneLap *= 2
  while (oneLap <= capacity) oneLap *= 2;
  const mask = oneLap - 1;

  // #advance(position, 1): bounded-buffer.ts:294
  const advance = (position: number): number => {
    const index = (position & mask) + 1;
    if (index < capacity) return position + 1;
    return ((position & ~mask) + oneLap + index - capacity) & POSITION_MASK;
  };

  // #claimPut(1): bounded-buffer.ts:305-340
  function* claimPut(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    let tail = me.tailGuess; // let tail = this.#tailGuess
    for (;;) {
      yield declare(t, `${caller}/claimPut`, tail, me); // live: the caller, tail, the instance
      // if ((tail & CLOSED_MARK) !== 0) return CLOSED: never, close() is not modelled
      let position = tail;
      let stale = false;
      const at = position & mask; // const at = STAMPS + (position & mask)
      const stamp = yield t.read(['stamp', at]); // const stamp = Atomics.load(i32, at)
      if ((stamp & POSITION_MASK) !== position) {
        if ((stamp & POSITION_MASK) === ((position - mask) & POSITION_MASK)) {
          // Still holding last lap's item: full, unless our guess of TAIL was stale.
          if (tail !== (yield t.read('TAIL'))) {
            stale = true; // if (tail !== Atomics.load(i32, TAIL)) break
          } else {
            me.blockAt = at; // this.#blockAt = at
            me.blockSeen = stamp; // this.#blockSeen = stamp
            return NONE;
          }
        } else {
          stale = true; // break
        }
      } else {
        position = advance(position); // position = this.#advance(position, 1)
      }
      if (stale) {
        tail = yield t.read('TAIL'); // if (k < n) { tail = Atomics.load(i32, TAIL); continue }
        continue;
      }
      const seen = yield t.cas('TAIL', tail, position); // Atomics.compareExchange(i32, TAIL, tail, position)
      if (seen === tail) {
        me.tailGuess = position; // this.#tailGuess = position
        return tail;
      }
      tail = seen; // tail = seen
    }
  }

  // #claimGet(1): bounded-buffer.ts:345-377
  function* claimGet(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    let head = me.headGuess; // let head = this.#headGuess
    for (;;) {
      yield declare(t, `${caller}/claimGet`, head, me); // live: the caller, head, the instance
      let position = head;
      let n = 0;
      // while (n < max): stamp = Atomics.load(i32, STAMPS + (position & mask)); filled? n++
      const stamp = yield t.read(['stamp', position & mask]);
      if ((stamp & POSITION_MASK) === position + 1) {
        n++;
        position = advance(position);
      }
      if (n === 0) {
        // Free, awaiting the put at `head`: empty. Else HEAD moved on.
        // if ((stamp & POSITION_MASK) === head && head === Atomics.load(i32, HEAD))
        if ((stamp & POSITION_MASK) === head && head === (yield t.read('HEAD'))) {
          me.blockAt = head & mask; // this.#blockAt = STAMPS + (head & mask)
          me.blockSeen = stamp; // this.#blockSeen = stamp
          return NONE;
        }
        head = yield t.read('HEAD'); // head = Atomics.load(i32, HEAD); continue
        continue;
      }
      const seen = yield t.cas('HEAD', head, position); // Atomics.compareExchange(i32, HEAD, head, position)
      if (seen === head) {
        me.headGuess = position; // this.#headGuess = position (and #claimed = n)
        return head;
      }
      head = seen; // head = seen
    }
  }

  // #checkPut(1): a claim or NOT_YET; bounded-buffer.ts:482
  function* checkPut(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const position = yield* claimPut(t, me, caller);
    return position === NONE ? NOT_YET : position;
  }

  // #checkGet(1): bounded-buffer.ts:580
  function* checkGet(t: ThreadContext, me: Instance, caller: string): Generator<Step, number, number> {
    const position = yield* claimGet(t, me, caller); // const position = this.#claimGet(max)
    if (position !== NONE) return position;
    // const tail = Atomics.load(i32, TAIL); the CLOSED mark is never set, so never CLOSED
    yield t.read('TAIL');
    return NOT_YET;
  }

  // #waitSync(check, deadline) with no deadline (remaining is Infinity): bounded-buffer.ts:388-409
  function* waitSync(
    t: ThreadContext,
    me: Instance,
    check: (t: ThreadContext, me: Instance, caller: string) => Generator<Step, number, number>,
    k: number,
  ): Generator<Step, number, number> {
    const op = check === checkPut ? 'put' : 'get';
    for (;;) {
      // Live here: which call waits (check) for which item (k), and the instance's fields.
      yield declare(t, `${op}#${k}/wait`, 0, me);
      const result = yield* check(t, me, `${op}#${k}/wait/check`); // const result = check()
      if (result !== NOT_YET) return result;
      // if (spins > 0) continue: SPINS is modelled as 0 (see the top of this file)
      const at = me.blockAt; // const at = this.#blockAt
      if (variant === 'conveyor-buffer-no-mark') {
        // Broken: sleep on the value seen, without setting WAITING first.
        const again = yield* check(t, me, `${op}#${k}/wait/recheck@${at}`);
        if (again !== NOT_YET) return again;
        yield* t.wait(['stamp', at], me.blockSeen);
        continue;
      }
      const marked = me.blockSeen | WAITING; // const marked = this.#blockSeen | WAITING
      // Register (mark the stamp), then re-check, then sleep.
      if (marked !== me.blockSeen && (yield t.cas(['stamp', at], me.blockSeen, marked)) !== me.blockSeen) {
        continue; // Atomics.compareExchange(i32, at, this.#blockSeen, marked) !== this.#blockSeen
      }
      const again = yield* check(t, me, `${op}#${k}/wait/recheck@${at}`); // const again = check()
      if (again !== NOT_YET) return again;
      // if (this.#blockAt === at && this.#blockSeen === marked) Atomics.wait(i32, at, marked, remaining)
      if (me.blockAt === at && me.blockSeen === marked) yield* t.wait(['stamp', at], marked);
    }
  }

  // #setStamp(at, value): bounded-buffer.ts:380
  function* setStamp(t: ThreadContext, slot: number, value: number): Generator<Step, void, number> {
    // if ((Atomics.exchange(this.#i32, at, value) & WAITING) !== 0) Atomics.notify(this.#i32, at)
    const old = yield t.exchange(['stamp', slot], value | 0);
    if ((old & WAITING) !== 0) yield t.notify(['stamp', slot]);
  }

  // putSync(item): bounded-buffer.ts:454, then #publishOne: bounded-buffer.ts:541
  function* putSync(t: ThreadContext, me: Instance, item: number, k: number): Generator<Step, void, number> {
    let position = yield* claimPut(t, me, `put#${k}`); // let position = this.#claimPut(1)
    if (position === NONE) position = yield* waitSync(t, me, checkPut, k); // this.#waitSync(() => this.#checkPut(1))
    // #publishOne(position, prepared)
    const slot = position & mask; // const slot = position & (this.#oneLap - 1)
    if (variant === 'conveyor-buffer-publish-first') {
      yield* setStamp(t, slot, position + 1); // broken: publish first
      yield t.put('buffer', slot, item);
      return;
    }
    yield t.put('buffer', slot, item); // this.#codec.write(slot, prepared)
    yield* setStamp(t, slot, position + 1); // this.#setStamp(STAMPS + slot, position + 1)
  }

  // getSync(): bounded-buffer.ts:597, then #readOne: bounded-buffer.ts:654
  function* getSync(t: ThreadContext, me: Instance, k: number): Generator<Step, void, number> {
    let position = yield* checkGet(t, me, `get#${k}`); // let position = this.#checkGet(1)
    if (position === NOT_YET) position = yield* waitSync(t, me, checkGet, k); // this.#waitSync(() => this.#checkGet(1))
    // #readOne(position)
    const slot = position & mask; // const slot = position & (this.#oneLap - 1)
    yield t.take('buffer', slot); // item = this.#codec.read(slot)
    yield* setStamp(t, slot, (position + oneLap) & POSITION_MASK); // this.#setStamp(STAMPS + slot, (position + this.#oneLap) & POSITION_MASK)
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
