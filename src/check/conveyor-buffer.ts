// The conveyor-buffer and conveyor-lane models: BoundedBuffer's own code (Ring or Lane, Transfer
// or LaneTransfer, PutManyBatch, Sleeper), run by the explorer over a recorded memory
// (code-memory.ts), so `conveyor check` explores the very functions the buffer runs, with an
// interleaving point at each shared-memory access they make.
//
// Each thread builds its own parts over the model's memory (its own guesses of TAIL and HEAD, as a
// BoundedBuffer view in a worker has) and calls them as BoundedBuffer's blocking calls do: putSync
// and getSync (one attempt, then Sleeper.waitSync with the same attempt), or, in the -batches
// variants, putManySync and getManySync of boxed items. In the -close variants a closer thread runs
// close()'s path (the CLOSED mark, then wakeAllSleepers) while producers put (a refused put and
// the ones after it are accounted for as refused, and must never be delivered) and consumers get
// until the buffer is closed and drained. The memory holds the words those paths touch (with the
// values createMemory() writes) and the data slots (the 'int32' codec's own code writes and reads
// them).
//
// What the explorer does not run (each left out on purpose, and why):
// - the calls' glue in bounded-buffer.ts: argument checks, errors and warnings, thread-local;
// - spinning: each Sleeper here has a spin budget of 0. A failed check writes no shared memory (a
//   failed claim's CAS writes nothing, and a blocking claim never waits in awaitChange), so a run
//   that spins is a run of this model with some read-only checks added;
// - the intents table: each Ring here has a table that is always full (UNTRACKED), so its claims
//   write no entry. Entries are plain stores to the claimer's own line, read only by recover();
// - recover(), close({ immediate: true }), try calls (their patience reads the clock) and the
//   Promise forms (the same attempts, slept on with Atomics.waitAsync).
//
// Broken variants, made by faults in the checker's memory (code-memory.ts), not by copies of code:
//   conveyor-buffer-no-mark        the WAITING bit is hidden from the thread that changes the word:
//                                  it never notifies, and a sleeper's wake-up is lost (deadlock)
//   conveyor-buffer-publish-first  slot writes land after the publishing store: a read of nothing
//   conveyor-lane-publish-first    the same on the lane (its publish is a CAS of TAIL)

import { Lane } from '../queue/bounded-buffer/lane.js';
import { LaneTransfer } from '../queue/bounded-buffer/lane-transfer.js';
import {
  CONSUMER_OWNER,
  CONSUMER_SLEEPS,
  createMemory,
  HEAD,
  INTENTS_AT,
  type Layout,
  layoutOf,
  PRODUCER_OWNER,
  PRODUCER_SLEEPS,
  runEndsAt,
  STAMPS,
  TAIL,
  TOMBSTONES,
} from '../queue/bounded-buffer/layout.js';
import { ALL_IN, PutManyBatch } from '../queue/bounded-buffer/put-many.js';
import { CLOSED, Ring } from '../queue/bounded-buffer/ring.js';
import { DRAINED, Transfer } from '../queue/bounded-buffer/transfer.js';
import { Int32Codec } from '../queue/codec.js';
import { IntentsTable, UNTRACKED } from '../sync/intents.js';
import { NO_DEADLINE } from '../sync/wait/deadline.js';
import { NOT_YET, TIMED_OUT } from '../sync/wait/outcomes.js';
import { SpinBudget } from '../sync/wait/spin.js';
import { Attempt, Sleeper } from '../sync/wait/word.js';
import { CodeMemory, type Faults, type WordMap } from './code-memory.js';
import { ModelError } from './errors.js';
import { itemName, itemOf, type Model, type ModelParams, type ThreadSpec } from './model.js';
import { consumerShare } from './three-semaphores.js';

export type ConveyorBufferVariant =
  | 'conveyor-buffer'
  | 'conveyor-buffer-batches'
  | 'conveyor-buffer-no-mark'
  | 'conveyor-buffer-publish-first'
  | 'conveyor-buffer-close'
  | 'conveyor-lane'
  | 'conveyor-lane-batches'
  | 'conveyor-lane-close'
  | 'conveyor-lane-publish-first';

export const CONVEYOR_BUFFER_VARIANTS: Readonly<Record<ConveyorBufferVariant, string>> = {
  'conveyor-buffer':
    "conveyor's BoundedBuffer, its own code: Vyukov stamps, CAS claims, futex sleep on a WAITING bit (holds)",
  'conveyor-buffer-batches':
    'the same code through putManySync and getManySync: batch claims, one exchange per run, run ends (holds)',
  'conveyor-buffer-no-mark':
    'BoundedBuffer whose changers never see the WAITING bit, so never notify: a wake-up is lost',
  'conveyor-buffer-publish-first': 'BoundedBuffer whose slot writes land after the stamp that publishes them',
  'conveyor-buffer-close':
    'the same code with close() racing the puts and gets: refused puts never delivered, the rest got once (holds)',
  'conveyor-lane':
    "BoundedBuffer's one-producer, one-consumer lane, its own code: no stamps, one store publishes (holds)",
  'conveyor-lane-batches':
    'the lane through putManySync and getManySync: one publish, one free per batch (holds)',
  'conveyor-lane-close': 'the lane with close() racing its put and get (holds)',
  'conveyor-lane-publish-first':
    'the lane with slot writes landing after the swap of TAIL that publishes them',
};

/** How each variant is made: the lane or the ring, batch calls or single ones, a closer, and the memory's faults. */
interface Shape {
  lane: boolean;
  batches: boolean;
  closes: boolean;
  faults: Faults;
}
const RING: Shape = { lane: false, batches: false, closes: false, faults: {} };
const LANE: Shape = { ...RING, lane: true };
const VARIANTS: Readonly<Record<ConveyorBufferVariant, Shape>> = {
  'conveyor-buffer': RING,
  'conveyor-buffer-batches': { ...RING, batches: true },
  'conveyor-buffer-no-mark': { ...RING, faults: { hideWaitingBit: true } },
  'conveyor-buffer-publish-first': { ...RING, faults: { writeAfterPublish: true } },
  'conveyor-buffer-close': { ...RING, closes: true },
  'conveyor-lane': LANE,
  'conveyor-lane-batches': { ...LANE, batches: true },
  'conveyor-lane-close': { ...LANE, closes: true },
  'conveyor-lane-publish-first': { ...LANE, faults: { writeAfterPublish: true } },
};

/** Whether `name` is one of the lane's models (one producer and one consumer only). */
export function isLaneModel(name: string): boolean {
  return Object.hasOwn(VARIANTS, name) && VARIANTS[name as ConveyorBufferVariant].lane;
}

/** A spin policy that never spins (see the top of this file). */
class NoSpins extends SpinBudget {
  override spins = 0;
  override ended(): void {}
  override spent(): void {}
}

/** An intents table that is always full: claims are not recorded (see the top of this file). */
class NoIntents extends IntentsTable {
  override enter(): number {
    return UNTRACKED;
  }
}

/** The words the modelled paths touch, by their names in bounded-buffer/layout.ts. */
function wordMap(capacity: number, lane: boolean): WordMap {
  const names = new Map<number, string>(
    lane
      ? [
          [TAIL, 'TAIL'],
          [HEAD, 'HEAD'],
          [PRODUCER_OWNER, 'PRODUCER_OWNER'],
          [CONSUMER_OWNER, 'CONSUMER_OWNER'],
          [CONSUMER_SLEEPS, 'CONSUMER_SLEEPS'],
          [PRODUCER_SLEEPS, 'PRODUCER_SLEEPS'],
        ]
      : [
          [TAIL, 'TAIL'],
          [HEAD, 'HEAD'],
          [TOMBSTONES, 'TOMBSTONES'],
        ],
  );
  const stamp = (index: number) => !lane && index >= STAMPS && index < STAMPS + capacity;
  const runEnds = runEndsAt(capacity);
  const runEnd = (index: number) => !lane && index >= runEnds && index < runEnds + capacity;
  return {
    ref: (index) =>
      names.get(index) ??
      (stamp(index) ? ['stamp', index - STAMPS] : runEnd(index) ? ['runEnd', index - runEnds] : undefined),
    futex: (index) => stamp(index) || (lane && (index === CONSUMER_SLEEPS || index === PRODUCER_SLEEPS)),
  };
}

/** One thread's view of the buffer: the parts a BoundedBuffer object holds (bounded-buffer.ts). */
function view(memory: CodeMemory, layout: Layout) {
  const intents = new NoIntents(memory.words, INTENTS_AT, 'BoundedBuffer');
  const codec = new Int32Codec(memory.slots);
  if (layout.lane) {
    const lane = new Lane(memory.words, layout, intents);
    return {
      memory,
      ring: lane as Ring,
      io: new LaneTransfer<number>(lane, codec),
      sleeper: sleeper(memory),
    };
  }
  const ring = new Ring(memory.words, layout, intents);
  return { memory, ring, io: new Transfer<number>(ring, codec), sleeper: sleeper(memory) };
}

function sleeper(memory: CodeMemory): Sleeper {
  return new Sleeper(memory.words, new NoSpins());
}

type View = ReturnType<typeof view>;

// The calls below are BoundedBuffer's blocking calls (bounded-buffer.ts) less their glue: one
// attempt, then Sleeper.waitSync with the same attempt. Woken from its Atomics.wait, waitSync
// starts its loop over with nothing live but the call (its spin count is dead with a budget of
// 0, and a failed attempt overwrites the Attempt it is given), so each attempt declares the call
// and the view's guesses there (CodeMemory.declareWoken): `call` names the call in its thread.

/** putSync: true, or false when the buffer was closed (BoundedBuffer throws QueueClosedError there). */
function putSync({ memory, io, sleeper, ring }: View, item: number, call: string): boolean {
  const prepared = io.prepare(item);
  let result: number | typeof NOT_YET | typeof TIMED_OUT = io.putOne(prepared, 0, undefined);
  if (result === NOT_YET) {
    result = sleeper.waitSync((attempt) => {
      memory.declareWoken(`${call} woken ${ring.guesses}`);
      return io.putOne(prepared, 0, attempt);
    }, NO_DEADLINE);
  }
  return result !== CLOSED;
}

/** getSync: the item, or DRAINED when the buffer is closed and drained (BoundedBuffer throws there). */
function getSync({ memory, io, sleeper, ring }: View, call: string): number | typeof DRAINED {
  let taken = io.getOne(0, undefined);
  if (taken === NOT_YET) {
    taken = sleeper.waitSync((attempt) => {
      memory.declareWoken(`${call} woken ${ring.guesses}`);
      return io.getOne(0, attempt);
    }, NO_DEADLINE);
  }
  if (taken === DRAINED) return DRAINED;
  return io.decode(taken);
}

/** putManySync of a list of numbers. */
function putManySync({ memory, io, sleeper, ring }: View, items: number[], call: string): void {
  const { list, prepared } = io.prepareMany(items);
  const batch = new PutManyBatch(io, prepared, list, ring.capacity);
  const retry = (attempt: Attempt) => {
    memory.declareWoken(`${call} woken ${batch.done} ${ring.guesses}`);
    return batch.retry(attempt);
  };
  for (let result: number | symbol = batch.advance(); result !== ALL_IN; result = batch.advance()) {
    if (result === NOT_YET) result = sleeper.waitSync(retry, NO_DEADLINE);
    if (result === CLOSED) throw new Error(`putManySync found the buffer closed after ${batch.done} items`);
  }
}

/** getManySync (boxed) of up to `limit` items. */
function getManySync({ memory, io, sleeper, ring }: View, limit: number, call: string): number[] {
  const out: number[] = [];
  let taken: unknown[] | typeof DRAINED | typeof NOT_YET | typeof TIMED_OUT = io.getMany(
    limit,
    out,
    new Attempt(),
  );
  if (taken === NOT_YET) {
    taken = sleeper.waitSync((attempt) => {
      memory.declareWoken(`${call} woken ${ring.guesses}`); // `out` is still empty here
      return io.getMany(limit, out, attempt);
    }, NO_DEADLINE);
  }
  if (taken === DRAINED || taken === TIMED_OUT) throw new Error(`getManySync ended with ${String(taken)}`); // no deadline, no close here
  return io.decodeAll(taken, out);
}

export function conveyorBufferModel(variant: ConveyorBufferVariant, params: ModelParams): Model {
  const { producers, consumers, capacity, items } = params;
  const { lane, batches, closes, faults } = VARIANTS[variant];
  if (lane && (producers !== 1 || consumers !== 1)) {
    throw new ModelError(
      `model '${variant}' is a lane, one producer and one consumer: give --producers 1 --consumers 1, got ${producers} and ${consumers}`,
    );
  }
  const layout = layoutOf(capacity, 'int32', 4, lane);
  const initial = createMemory(layout); // the words as a new BoundedBuffer has them
  const map = wordMap(capacity, lane);
  const memory = new CodeMemory(initial, capacity, map, 'slot', faults);
  const words: Record<string, number | number[]> = {};
  for (let index = 0; index < initial.length; index++) {
    const ref = map.ref(index);
    if (typeof ref === 'string') words[ref] = initial[index];
  }
  if (!lane) {
    words.stamp = Array.from(initial.subarray(STAMPS, STAMPS + capacity));
    words.runEnd = Array.from(initial.subarray(runEndsAt(capacity), runEndsAt(capacity) + capacity));
  }

  // Between two calls a thread's future depends only on which call is next and on its view's
  // guesses (Ring.guesses; the transfer and the sleeper keep nothing between calls, and the
  // intents and the spin budget here never change), so each thread declares those there.
  const threads: ThreadSpec[] = [];
  for (let p = 0; p < producers; p++) {
    const made = Array.from({ length: items }, (_, k) => itemOf(p, k));
    const body = () => {
      const me = view(memory, layout);
      if (batches) putManySync(me, made, 'putMany');
      else {
        for (const [k, item] of made.entries()) {
          memory.declare(`put#${k} ${me.ring.guesses}`);
          if (putSync(me, item, `put#${k}`)) continue;
          if (!closes) throw new Error(`putSync(${itemName(item)}) found the buffer closed`);
          memory.refuse(item, items - k); // closed: this put and the ones after it are refused
          break;
        }
      }
      memory.declare('done');
    };
    threads.push({ name: `p${p + 1}`, next: (t, results) => memory.replay(t, results, body) });
  }
  for (let c = 0; c < consumers; c++) {
    // With a close, each consumer gets until the buffer is closed and drained; else its share.
    const share = closes ? Number.POSITIVE_INFINITY : consumerShare(params, c);
    const body = () => {
      const me = view(memory, layout);
      for (let got = 0; got < share; ) {
        memory.declare(`get after ${got} ${me.ring.guesses}`);
        const call = `get after ${got}`;
        if (batches) got += getManySync(me, share - got, call).length;
        else if (getSync(me, call) !== DRAINED) got++;
        else if (closes) break;
        else throw new Error('getSync found the buffer closed and drained');
      }
      memory.declare('done');
    };
    threads.push({ name: `c${c + 1}`, next: (t, results) => memory.replay(t, results, body) });
  }
  if (closes) {
    // BoundedBuffer.close()'s path (not immediate): mark TAIL closed, wake every sleeper.
    const body = () => {
      const me = view(memory, layout);
      me.ring.close();
      me.ring.wakeAllSleepers();
    };
    threads.push({ name: 'x1', next: (t, results) => memory.replay(t, results, body) });
  }
  return {
    name: variant,
    summary: CONVEYOR_BUFFER_VARIANTS[variant],
    memory: {
      words,
      buffers: { slot: capacity },
      futexes: lane ? ['CONSUMER_SLEEPS', 'PRODUCER_SLEEPS'] : ['stamp'],
    },
    threads,
    items: Array.from({ length: producers }, () => items),
    fifo: true,
    params: { ...params },
  };
}
