// The modelling API of `conveyor check`: a model is shared memory plus threads, and a thread is a
// generator function that yields one atomic step at a time. The explorer (explore.ts) runs every
// interleaving of those steps.
//
// A thread must be deterministic: given the results of its earlier steps (the values `yield`
// returned), it must yield the same next step. The explorer relies on this to rebuild a thread
// from the results alone, so a thread's local state is "the results it has seen so far".
//
// Steps and what they do (each is atomic: no other thread runs in the middle of one):
//   acquire(sem)        blocks while sem is 0, then sem -= 1            → 0
//   release(sem)        sem += 1                                         → 0
//   lock(m) / unlock(m) blocks while m is held / frees it; only the owner may unlock, and a
//                       thread may not lock a mutex it holds                → 0
//   read(ref)           the word's value                                 → value
//   write(ref, v)       word = v                                         → 0
//   cas(ref, e, v)      if word === e then word = v                      → the old value
//   exchange(ref, v)    word = v                                         → the old value
//   add(ref, d)         word += d                                        → 0
//   or(ref, bits)       word |= bits (Atomics.or)                        → the old value
//   refuse(item, n)     a producer's put of n items from `item` was refused (the buffer closed):
//                       they are accounted for, and taking one later is a violation   → 0
//   wait(ref, v)        Atomics.wait: if word !== v, returns 'not-equal' (0) at once; else the
//                       thread sleeps until a notify(ref) (two steps: enqueue, then wake) → 0 / 1
//   notify(ref)         Atomics.notify: wakes every thread sleeping on the word   → 0
//   waitUntil(ref, cmp, v)  blocks until the word is (cmp 'eq') or is not (cmp 'ne') v → 0
//   put(buf, i, item)   buf[i] = item; the slot must be empty           → 0
//   take(buf, i)        the item in buf[i], which must hold one; empties it → item
//   enter(s) / leave(s) marks a critical section; two threads inside s at once is a violation
//   assert(cond, msg)   cond is a boolean or a predicate over shared memory; false is a violation
//
// A thread may also yield t.state(label, ...values), which is not a step: it declares that
// everything the thread does from here on depends only on the label and the values (its live
// local variables). The explorer then treats all histories that reach the same declaration as
// one local state, as Spin does when it forgets dead variables, so loops that retry do not make
// every retry a new state. Declare every live value: leaving one out merges states that differ.
//
// A ref names a word: 'in', or ['stamp', 2] for element 2 of an array.
// Items are small positive integers made by itemOf(producer, k) (0 means "no item"): the explorer
// records which items each thread takes, so it can check that every item is consumed exactly once
// and, where the model is FIFO, that no consumer sees a producer's items out of order.

import { ModelError } from './errors.js';

/** Step opcodes (numbers, so the explorer's inner loop is a switch on small integers). */
export const OP = {
  DONE: 0,
  ACQUIRE: 1,
  RELEASE: 2,
  LOCK: 3,
  UNLOCK: 4,
  READ: 5,
  WRITE: 6,
  CAS: 7,
  ADD: 8,
  AWAIT_EQ: 9,
  AWAIT_NE: 10,
  PUT: 11,
  TAKE: 12,
  ASSERT: 13,
  ENTER: 14,
  LEAVE: 15,
  EXCHANGE: 16,
  WAIT: 17,
  SLEEP: 18,
  NOTIFY: 19,
  STATE: 20,
  OR: 21,
  REFUSE: 22,
} as const;

/** Steps whose result the thread sees (the others always return 0). */
export function hasResult(op: number): boolean {
  return (
    op === OP.READ || op === OP.CAS || op === OP.TAKE || op === OP.EXCHANGE || op === OP.WAIT || op === OP.OR
  );
}

/** One atomic step, as yielded by a thread. Build steps with the ThreadContext methods. */
export interface Step {
  readonly op: number;
  /** The word it acts on (an index into shared memory); -1 for none. */
  readonly addr: number;
  /** First operand: a value to write, compare or add, an item, or a boolean (assert). */
  readonly a: number;
  /** Second operand: the new value of a cas, the buffer base of a put or take. */
  readonly b: number;
  /** What it does, for traces: `acquire(empty)`, `write in := 1`. */
  readonly text: string;
  /** For assert(predicate): evaluated against shared memory when the step runs. */
  readonly predicate?: (memory: MemoryView) => boolean;
}

/** The end of a thread. */
export const DONE_STEP: Step = { op: OP.DONE, addr: -1, a: 0, b: 0, text: 'done' };

/** Names a shared word: a variable, or an array element. */
export type Ref = string | readonly [string, number];

/** Shared memory as an assert predicate sees it. */
export interface MemoryView {
  get(ref: Ref): number;
}

export interface MemorySpec {
  /** Counting semaphores and their initial values. */
  semaphores?: Readonly<Record<string, number>>;
  /** Mutexes, all unlocked at the start. */
  mutexes?: readonly string[];
  /** Plain words (a number) or arrays of words (their initial values). */
  words?: Readonly<Record<string, number | readonly number[]>>;
  /** Item buffers and their sizes in slots; every slot starts empty. */
  buffers?: Readonly<Record<string, number>>;
  /** Critical sections marked with enter/leave. */
  sections?: readonly string[];
  /** Words (or arrays) that threads may wait() on and notify(): each gets a queue of sleepers. */
  futexes?: readonly string[];
}

export type ThreadBody = (t: ThreadContext) => Generator<Step, void, number>;

/**
 * A thread of real code (code-memory.ts): given the results of its steps so far, the step it takes
 * next (DONE_STEP at its end), and the state it declared right before that step, if any (as
 * t.state() declares one in a generator). Deterministic, like a generator thread.
 */
export type StepFunction = (
  t: ThreadContext,
  results: readonly number[],
) => { readonly step: Step; readonly declared: string | undefined };

/** A thread: a generator (`run`), or real code replayed against its results (`next`). */
export type ThreadSpec =
  | {
      /** Short name for traces: p1, c2. */ readonly name: string;
      readonly run: ThreadBody;
      readonly next?: undefined;
    }
  | { readonly name: string; readonly next: StepFunction; readonly run?: undefined };

export interface Model {
  /** The model's name, as given to `--model`. */
  readonly name: string;
  /** One line on what it is. */
  readonly summary: string;
  readonly memory: MemorySpec;
  readonly threads: readonly ThreadSpec[];
  /**
   * items[p] = how many items producer p makes (itemOf(p, 0) … itemOf(p, items[p] - 1)). When set,
   * a finished run must have taken each of them exactly once.
   */
  readonly items?: readonly number[];
  /** True when each consumer must see each producer's items in the order they were made. */
  readonly fifo?: boolean;
  /** The parameters it was built with, for reports and schedule strings. */
  readonly params?: ModelParams;
}

/** The parameters of the built-in models. */
export interface ModelParams {
  producers: number;
  consumers: number;
  capacity: number;
  /** Items per producer. */
  items: number;
}

/** Largest number of items one producer may make (they are bits of one word). */
export const MAX_ITEMS_PER_PRODUCER = 30;
const ITEM_SHIFT = 5;

/** The k-th item (from 0) of producer p (from 0): a positive integer. */
export function itemOf(producer: number, k: number): number {
  return (producer << ITEM_SHIFT) + k + 1;
}

/** The producer (from 0) of an item. */
export function producerOf(item: number): number {
  return (item - 1) >> ITEM_SHIFT;
}

/** The index (from 0) of an item among its producer's items. */
export function indexOf(item: number): number {
  return (item - 1) & ((1 << ITEM_SHIFT) - 1);
}

/** `p1#2` for the second item of the first producer; `·` for an empty slot. */
export function itemName(item: number): string {
  return item === 0 ? '·' : `p${producerOf(item) + 1}#${indexOf(item) + 1}`;
}

/** Where each named piece of shared memory lives in the explorer's state vector. */
export class Layout {
  /** Words of shared memory. */
  readonly size: number;
  readonly initial: number[] = [];
  readonly semaphores = new Map<string, number>();
  readonly mutexes = new Map<string, number>();
  readonly words = new Map<string, { addr: number; length: number; array: boolean }>();
  readonly buffers = new Map<string, { addr: number; length: number }>();
  readonly sections = new Map<string, number>();
  /** The sleeper queue (bit t: thread t sleeps) of each futex word, by the word's address. */
  readonly queues = new Map<number, number>();

  constructor(memory: MemorySpec) {
    if (memory === null || typeof memory !== 'object') {
      throw new ModelError(`a model's memory must be an object, got ${String(memory)}`);
    }
    const taken = new Set<string>();
    const claim = (name: string) => {
      if (taken.has(name)) throw new ModelError(`shared memory names '${name}' twice`);
      taken.add(name);
    };
    for (const [name, value] of Object.entries(memory.semaphores ?? {})) {
      claim(name);
      if (!Number.isInteger(value) || value < 0) {
        throw new ModelError(`semaphore '${name}' must start at an integer >= 0, got ${String(value)}`);
      }
      this.semaphores.set(name, this.initial.length);
      this.initial.push(value);
    }
    for (const name of memory.mutexes ?? []) {
      claim(name);
      this.mutexes.set(name, this.initial.length);
      this.initial.push(0); // 0: free; t + 1: held by thread t
    }
    for (const [name, value] of Object.entries(memory.words ?? {})) {
      claim(name);
      const values = typeof value === 'number' ? [value] : [...value];
      for (const v of values) {
        if (!Number.isInteger(v)) throw new ModelError(`word '${name}' must hold integers, got ${String(v)}`);
      }
      this.words.set(name, {
        addr: this.initial.length,
        length: values.length,
        array: typeof value !== 'number',
      });
      this.initial.push(...values);
    }
    for (const [name, length] of Object.entries(memory.buffers ?? {})) {
      claim(name);
      if (!Number.isInteger(length) || length < 1) {
        throw new ModelError(`buffer '${name}' must have an integer size >= 1, got ${String(length)}`);
      }
      this.buffers.set(name, { addr: this.initial.length, length });
      for (let i = 0; i < length; i++) this.initial.push(0);
    }
    for (const name of memory.sections ?? []) {
      claim(name);
      this.sections.set(name, this.initial.length);
      this.initial.push(0); // bit t set: thread t is inside
    }
    for (const name of memory.futexes ?? []) {
      const word = this.words.get(name);
      if (word === undefined) throw new ModelError(`futex '${name}' names no shared word`);
      for (let i = 0; i < word.length; i++) {
        this.queues.set(word.addr + i, this.initial.length);
        this.initial.push(0);
      }
    }
    this.size = this.initial.length;
  }

  /** The sleeper queue of a futex word. */
  queue(ref: Ref): number {
    const addr = this.word(ref);
    const queue = this.queues.get(addr);
    if (queue === undefined) {
      const name = typeof ref === 'string' ? ref : ref[0];
      throw new ModelError(`'${name}' is not a futex: list it in memory.futexes to wait on it`);
    }
    return queue;
  }

  /** The address of a word or array element. */
  word(ref: Ref): number {
    const [name, index] = typeof ref === 'string' ? [ref, 0] : ref;
    const word = this.words.get(name);
    if (word === undefined) throw new ModelError(`no shared word named '${String(name)}'`);
    if (typeof ref === 'string' && word.array) {
      throw new ModelError(`'${name}' is an array: name an element, as ['${name}', i]`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= word.length) {
      throw new ModelError(`index ${String(index)} is outside '${name}' (length ${word.length})`);
    }
    return word.addr + index;
  }

  semaphore(name: string): number {
    const addr = this.semaphores.get(name);
    if (addr === undefined) throw new ModelError(`no semaphore named '${name}'`);
    return addr;
  }

  mutex(name: string): number {
    const addr = this.mutexes.get(name);
    if (addr === undefined) throw new ModelError(`no mutex named '${name}'`);
    return addr;
  }

  slot(name: string, index: number): number {
    const buffer = this.buffers.get(name);
    if (buffer === undefined) throw new ModelError(`no buffer named '${name}'`);
    if (!Number.isInteger(index) || index < 0 || index >= buffer.length) {
      throw new ModelError(`index ${String(index)} is outside buffer '${name}' (size ${buffer.length})`);
    }
    return buffer.addr + index;
  }

  section(name: string): number {
    const addr = this.sections.get(name);
    if (addr === undefined) throw new ModelError(`no critical section named '${name}'`);
    return addr;
  }
}

function refText(ref: Ref): string {
  return typeof ref === 'string' ? ref : `${ref[0]}[${ref[1]}]`;
}

/** What a thread's generator receives: step builders bound to its model's memory. */
export class ThreadContext {
  /** This thread's index in the model (0-based). */
  readonly index: number;
  readonly #layout: Layout;

  constructor(layout: Layout, index: number) {
    this.#layout = layout;
    this.index = index;
  }

  acquire(sem: string): Step {
    return { op: OP.ACQUIRE, addr: this.#layout.semaphore(sem), a: 0, b: 0, text: `acquire(${sem})` };
  }

  release(sem: string): Step {
    return { op: OP.RELEASE, addr: this.#layout.semaphore(sem), a: 0, b: 0, text: `release(${sem})` };
  }

  lock(mutex: string): Step {
    return { op: OP.LOCK, addr: this.#layout.mutex(mutex), a: 0, b: 0, text: `lock(${mutex})` };
  }

  unlock(mutex: string): Step {
    return { op: OP.UNLOCK, addr: this.#layout.mutex(mutex), a: 0, b: 0, text: `unlock(${mutex})` };
  }

  read(ref: Ref): Step {
    return { op: OP.READ, addr: this.#layout.word(ref), a: 0, b: 0, text: `read ${refText(ref)}` };
  }

  write(ref: Ref, value: number): Step {
    checkValue('write', value);
    return {
      op: OP.WRITE,
      addr: this.#layout.word(ref),
      a: value,
      b: 0,
      text: `write ${refText(ref)} := ${value}`,
    };
  }

  /** Compare-and-swap, as Atomics.compareExchange: yields the old value (it swapped if that is `expected`). */
  cas(ref: Ref, expected: number, value: number): Step {
    checkValue('cas', expected);
    checkValue('cas', value);
    return {
      op: OP.CAS,
      addr: this.#layout.word(ref),
      a: expected,
      b: value,
      text: `cas ${refText(ref)} ${expected} → ${value}`,
    };
  }

  /** Atomics.exchange: writes value, yields the old one. */
  exchange(ref: Ref, value: number): Step {
    checkValue('exchange', value);
    return {
      op: OP.EXCHANGE,
      addr: this.#layout.word(ref),
      a: value,
      b: 0,
      text: `exchange ${refText(ref)} := ${value}`,
    };
  }

  /**
   * Atomics.wait(ref, value) with no timeout, as two steps: `yield* t.wait(ref, v)` returns 1 when
   * the thread slept and was woken by a notify, 0 ('not-equal') when the word was not v.
   */
  *wait(ref: Ref, value: number): Generator<Step, number, number> {
    checkValue('wait', value);
    const addr = this.#layout.word(ref);
    const queue = this.#layout.queue(ref);
    const text = `Atomics.wait(${refText(ref)}, ${value})`;
    const enqueued = yield { op: OP.WAIT, addr, a: value, b: queue, text };
    if (enqueued === 0) return 0;
    yield { op: OP.SLEEP, addr, a: value, b: queue, text: `sleep on ${refText(ref)} until notified` };
    return 1;
  }

  /** Atomics.notify(ref): wakes every thread sleeping on the word. */
  notify(ref: Ref): Step {
    return {
      op: OP.NOTIFY,
      addr: this.#layout.word(ref),
      a: 0,
      b: this.#layout.queue(ref),
      text: `Atomics.notify(${refText(ref)})`,
    };
  }

  add(ref: Ref, delta: number): Step {
    checkValue('add', delta);
    const sign = delta < 0 ? '-' : '+';
    return {
      op: OP.ADD,
      addr: this.#layout.word(ref),
      a: delta,
      b: 0,
      text: `${refText(ref)} ${sign}= ${Math.abs(delta)}`,
    };
  }

  /** Atomics.or: sets `bits` in the word, yields the old value. */
  or(ref: Ref, bits: number): Step {
    checkValue('or', bits);
    return { op: OP.OR, addr: this.#layout.word(ref), a: bits, b: 0, text: `${refText(ref)} |= ${bits}` };
  }

  /** The put of `count` items from `item` (consecutive items of one producer) was refused. */
  refuse(item: number, count: number): Step {
    if (!Number.isInteger(item) || item < 1)
      throw new ModelError(`refuse needs an item from itemOf(), got ${String(item)}`);
    checkValue('refuse', count);
    const text =
      count === 1
        ? `put of ${itemName(item)} refused`
        : `put of ${itemName(item)} and the ${count - 1} after it refused`;
    return { op: OP.REFUSE, addr: -1, a: item, b: count, text };
  }

  /** Blocks until the word equals ('eq') or differs from ('ne') value, like a futex wait. */
  waitUntil(ref: Ref, cmp: 'eq' | 'ne', value: number): Step {
    checkValue('waitUntil', value);
    if (cmp !== 'eq' && cmp !== 'ne')
      throw new ModelError(`waitUntil compares with 'eq' or 'ne', got ${String(cmp)}`);
    return {
      op: cmp === 'eq' ? OP.AWAIT_EQ : OP.AWAIT_NE,
      addr: this.#layout.word(ref),
      a: value,
      b: 0,
      text: `wait until ${refText(ref)} ${cmp === 'eq' ? '===' : '!=='} ${value}`,
    };
  }

  put(buffer: string, index: number, item: number): Step {
    if (!Number.isInteger(item) || item < 1)
      throw new ModelError(`put needs an item from itemOf(), got ${String(item)}`);
    return {
      op: OP.PUT,
      addr: this.#layout.slot(buffer, index),
      a: item,
      b: 0,
      text: `${buffer}[${index}] := ${itemName(item)}`,
    };
  }

  take(buffer: string, index: number): Step {
    return {
      op: OP.TAKE,
      addr: this.#layout.slot(buffer, index),
      a: 0,
      b: 0,
      text: `take ${buffer}[${index}]`,
    };
  }

  enter(section: string): Step {
    return { op: OP.ENTER, addr: this.#layout.section(section), a: 0, b: 0, text: `enter ${section}` };
  }

  leave(section: string): Step {
    return { op: OP.LEAVE, addr: this.#layout.section(section), a: 0, b: 0, text: `leave ${section}` };
  }

  /** Declares the thread's live local state (see the top of this file); not a step. */
  state(label: string, ...values: number[]): Step {
    return { op: OP.STATE, addr: -1, a: 0, b: 0, text: `${label}(${values.join(',')})` };
  }

  assert(condition: boolean | ((memory: MemoryView) => boolean), message: string): Step {
    if (typeof condition === 'function') {
      return { op: OP.ASSERT, addr: -1, a: 1, b: 0, text: `assert ${message}`, predicate: condition };
    }
    return { op: OP.ASSERT, addr: -1, a: condition ? 1 : 0, b: 0, text: `assert ${message}` };
  }
}

function checkValue(what: string, value: number): void {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new ModelError(`${what} needs a 32-bit integer, got ${String(value)}`);
  }
}
