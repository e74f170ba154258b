// The executable form of a model: a state vector, and the code that runs one step of one thread.
//
// State vector (an Int32Array, one per global state):
//   [0, memSize)                   shared memory, laid out by Layout (semaphores, mutexes, words, buffers, sections)
//   [consumed, consumed + P)       bit k of word p: item k of producer p has been taken
//   [last, last + T * P)           (FIFO models) k + 1 of the last item of producer p that thread t took
//   [pc, pc + T)                   each thread's local state: a node of its history trie
//   [pc + T, pc + T + 2)           (preemption bound only) last thread run + 1, preemptions used
//
// Local states: a thread is deterministic, so its local state is the list of results its steps
// returned, a node of a trie (local-states.ts). A global state is therefore a short vector of
// integers, which hashes cheaply.
//
// Invariant: every state vector of one Machine has the same width.

import { ModelError } from './errors.js';
import { LocalStates } from './local-states.js';
import {
  indexOf,
  itemName,
  itemOf,
  Layout,
  MAX_ITEMS_PER_PRODUCER,
  type MemoryView,
  type Model,
  OP,
  producerOf,
  type Ref,
  type Step,
} from './model.js';

export type ViolationKind =
  | 'assertion'
  | 'deadlock'
  | 'overflow'
  | 'lost-item'
  | 'underflow'
  | 'duplicate'
  | 'order'
  | 'missing'
  | 'mutual-exclusion'
  | 'not-owner'
  | 'bound';

/** A broken check, as found by a step (thread >= 0) or in a state (thread -1). */
export interface Problem {
  readonly kind: ViolationKind;
  readonly message: string;
  /** The thread whose step broke it, or -1 for a property of a state (deadlock, missing items). */
  readonly thread: number;
}

export class Machine {
  readonly model: Model;
  readonly layout: Layout;
  readonly threads: number;
  readonly producers: number;
  readonly consumedBase: number;
  readonly lastBase: number;
  readonly pcBase: number;
  /** Words of the state vector. */
  readonly width: number;
  readonly preemptionBound: number;
  /** Each thread's local states: the trie of its histories (local-states.ts). */
  readonly #locals: LocalStates;
  readonly #bufferOf = new Map<number, { name: string; addr: number; length: number }>();

  constructor(model: Model, options: { preemptionBound?: number } = {}) {
    if (model === null || typeof model !== 'object' || !Array.isArray(model.threads)) {
      throw new ModelError(`a model must be an object with a threads array, got ${String(model)}`);
    }
    if (model.threads.length < 1 || model.threads.length > 30) {
      throw new ModelError(`a model needs 1 to 30 threads, got ${model.threads.length}`);
    }
    this.model = model;
    this.layout = new Layout(model.memory);
    this.threads = model.threads.length;
    const items = model.items ?? [];
    for (const [p, count] of items.entries()) {
      if (!Number.isInteger(count) || count < 0 || count > MAX_ITEMS_PER_PRODUCER) {
        throw new ModelError(
          `producer ${p + 1} must make 0 to ${MAX_ITEMS_PER_PRODUCER} items, got ${String(count)}`,
        );
      }
    }
    this.producers = items.length;
    this.consumedBase = this.layout.size;
    this.lastBase = this.consumedBase + this.producers;
    this.pcBase = this.lastBase + (model.fifo ? this.threads * this.producers : 0);
    const bound = options.preemptionBound ?? Number.POSITIVE_INFINITY;
    this.preemptionBound = bound;
    this.width = this.pcBase + this.threads + (Number.isFinite(bound) ? 2 : 0);
    for (const [name, buffer] of this.layout.buffers) {
      for (let i = 0; i < buffer.length; i++) this.#bufferOf.set(buffer.addr + i, { name, ...buffer });
    }
    this.#locals = new LocalStates(model, this.layout);
  }

  /** The state every run starts from. */
  initial(): Int32Array {
    const state = new Int32Array(this.width);
    state.set(this.layout.initial);
    for (let t = 0; t < this.threads; t++) state[this.pcBase + t] = this.#locals.root(t);
    return state;
  }

  /** The step a thread at this node yields next. */
  stepAt(node: number): Step {
    return this.#locals.stepAt(node);
  }

  /** The step thread t takes next in this state. */
  stepOf(state: Int32Array, t: number): Step {
    return this.stepAt(state[this.pcBase + t]);
  }

  /** Whether thread t can take its next step (it is not finished and not blocked). */
  enabled(state: Int32Array, t: number): boolean {
    const step = this.stepAt(state[this.pcBase + t]);
    switch (step.op) {
      case OP.DONE:
        return false;
      case OP.ACQUIRE:
        return state[step.addr] > 0;
      case OP.LOCK:
        return state[step.addr] === 0 || state[step.addr] === t + 1; // re-locking is reported, not blocked
      case OP.AWAIT_EQ:
        return state[step.addr] === step.a;
      case OP.AWAIT_NE:
        return state[step.addr] !== step.a;
      case OP.SLEEP:
        return (state[step.b] & (1 << t)) === 0; // woken: a notify cleared our bit
      default:
        return true;
    }
  }

  finished(state: Int32Array, t: number): boolean {
    return this.stepAt(state[this.pcBase + t]).op === OP.DONE;
  }

  /**
   * Runs thread t's next step on `state` in place (t must be enabled). Returns the step's result
   * in `this.result` and a Problem when the step broke a check (the state is then half-updated).
   */
  apply(state: Int32Array, t: number): Problem | undefined {
    const pcAddr = this.pcBase + t;
    const node = state[pcAddr];
    const step = this.stepAt(node);
    const addr = step.addr;
    let result = 0;
    switch (step.op) {
      case OP.ACQUIRE:
        state[addr]--;
        break;
      case OP.RELEASE:
        state[addr]++;
        break;
      case OP.LOCK:
        if (state[addr] === t + 1)
          return this.#problem('not-owner', t, `${this.#name(t)} locks a mutex it already holds`);
        state[addr] = t + 1;
        break;
      case OP.UNLOCK:
        if (state[addr] !== t + 1) {
          const holder = state[addr] === 0 ? 'nobody' : this.#name(state[addr] - 1);
          return this.#problem('not-owner', t, `${this.#name(t)} unlocks a mutex held by ${holder}`);
        }
        state[addr] = 0;
        break;
      case OP.READ:
        result = state[addr];
        break;
      case OP.WRITE:
        state[addr] = step.a;
        break;
      case OP.CAS:
        result = state[addr];
        if (result === step.a) state[addr] = step.b;
        break;
      case OP.EXCHANGE:
        result = state[addr];
        state[addr] = step.a;
        break;
      case OP.WAIT:
        if (state[addr] === step.a) {
          state[step.b] |= 1 << t; // enqueued: asleep until a notify clears the bit
          result = 1;
        }
        break;
      case OP.SLEEP:
        break;
      case OP.NOTIFY:
        state[step.b] = 0;
        break;
      case OP.ADD:
        state[addr] = (state[addr] + step.a) | 0;
        break;
      case OP.OR:
        result = state[addr];
        state[addr] = result | step.a;
        break;
      case OP.REFUSE: {
        const problem = this.#refuse(state, t, step.a, step.b);
        if (problem !== undefined) return problem;
        break;
      }
      case OP.AWAIT_EQ:
      case OP.AWAIT_NE:
        break;
      case OP.PUT: {
        const held = state[addr];
        if (held !== 0) return this.#overwrite(state, t, step, held);
        state[addr] = step.a;
        break;
      }
      case OP.TAKE: {
        const item = state[addr];
        if (item === 0) {
          const buffer = this.#bufferOf.get(addr)!;
          return this.#problem(
            'underflow',
            t,
            `${this.#name(t)} takes ${buffer.name}[${addr - buffer.addr}], which holds no item: a read of nothing`,
          );
        }
        state[addr] = 0;
        result = item;
        const problem = this.#record(state, t, item);
        if (problem !== undefined) return problem;
        break;
      }
      case OP.ASSERT: {
        const holds = step.predicate === undefined ? step.a !== 0 : step.predicate(this.view(state));
        if (!holds) return this.#problem('assertion', t, `${this.#name(t)}: ${step.text} failed`);
        break;
      }
      case OP.ENTER: {
        const inside = state[addr];
        if (inside !== 0) {
          const other = 31 - Math.clz32(inside);
          return this.#problem(
            'mutual-exclusion',
            t,
            `${this.#name(t)} enters critical section ${this.#sectionName(addr)} while ${this.#name(other)} is inside`,
          );
        }
        state[addr] = inside | (1 << t);
        break;
      }
      case OP.LEAVE:
        state[addr] &= ~(1 << t);
        break;
      default:
        throw new ModelError(`thread ${this.#name(t)} yielded an unknown step (op ${step.op})`);
    }
    this.result = result;
    state[pcAddr] = this.#locals.child(node, step.op, result);
    if (this.preemptionBound !== Number.POSITIVE_INFINITY) state[this.pcBase + this.threads] = t + 1;
    return undefined;
  }

  /** The result of the last step `apply` ran. */
  result = 0;

  /** Records that thread t took an item: exactly once, and in order for FIFO models. */
  #record(state: Int32Array, t: number, item: number): Problem | undefined {
    const p = producerOf(item);
    const k = indexOf(item);
    if (p >= this.producers) return undefined; // the model does not track this producer
    const bit = 1 << k;
    const consumed = state[this.consumedBase + p];
    if ((consumed & bit) !== 0) {
      return this.#problem(
        'duplicate',
        t,
        `${this.#name(t)} takes ${itemName(item)}, which was already taken (or its put refused)`,
      );
    }
    state[this.consumedBase + p] = consumed | bit;
    if (this.model.fifo) {
      const at = this.lastBase + t * this.producers + p;
      if (k + 1 < state[at]) {
        return this.#problem(
          'order',
          t,
          `${this.#name(t)} takes ${itemName(item)} after p${p + 1}#${state[at]}: out of FIFO order`,
        );
      }
      state[at] = k + 1;
    }
    return undefined;
  }

  /** Accounts for `count` items from `item` whose put was refused: none may have been taken. */
  #refuse(state: Int32Array, t: number, item: number, count: number): Problem | undefined {
    const p = producerOf(item);
    if (p >= this.producers) return undefined;
    for (let k = indexOf(item); k < indexOf(item) + count; k++) {
      const bit = 1 << k;
      const consumed = state[this.consumedBase + p];
      if ((consumed & bit) !== 0) {
        return this.#problem(
          'duplicate',
          t,
          `${this.#name(t)}'s put of ${itemName(itemOf(p, k))} was refused, but the item was taken`,
        );
      }
      state[this.consumedBase + p] = consumed | bit;
    }
    return undefined;
  }

  #overwrite(state: Int32Array, t: number, step: Step, held: number): Problem {
    const buffer = this.#bufferOf.get(step.addr)!;
    let occupied = 0;
    for (let i = 0; i < buffer.length; i++) if (state[buffer.addr + i] !== 0) occupied++;
    const where = `${buffer.name}[${step.addr - buffer.addr}]`;
    if (occupied === buffer.length) {
      return this.#problem(
        'overflow',
        t,
        `${this.#name(t)} writes ${itemName(step.a)} into ${where} while all ${buffer.length} slots hold items: a write past capacity (${itemName(held)} is lost)`,
      );
    }
    return this.#problem(
      'lost-item',
      t,
      `${this.#name(t)} writes ${itemName(step.a)} into ${where}, which still holds ${itemName(held)}: ${itemName(held)} is lost`,
    );
  }

  /**
   * Checks a state that no thread can leave: every thread finished (then every item must have
   * been taken exactly once), or some blocked (a deadlock). Undefined when some thread can run.
   */
  stuck(state: Int32Array): Problem | undefined {
    let blocked = '';
    let running = false;
    for (let t = 0; t < this.threads; t++) {
      const step = this.stepOf(state, t);
      if (step.op === OP.DONE) continue;
      if (this.enabled(state, t)) {
        running = true;
        break;
      }
      blocked += `${blocked === '' ? '' : ', '}${this.#name(t)} blocked on ${step.text}${this.#holder(state, step)}`;
    }
    if (running) return undefined;
    if (blocked !== '') return this.#problem('deadlock', -1, `deadlock: ${blocked}`);
    const missing: string[] = [];
    for (let p = 0; p < this.producers; p++) {
      const consumed = state[this.consumedBase + p];
      for (let k = 0; k < (this.model.items?.[p] ?? 0); k++) {
        if ((consumed & (1 << k)) === 0) missing.push(`p${p + 1}#${k + 1}`);
      }
    }
    if (missing.length > 0) {
      return this.#problem(
        'missing',
        -1,
        `every thread finished, but ${missing.join(', ')} ${missing.length === 1 ? 'was' : 'were'} never consumed`,
      );
    }
    return undefined;
  }

  #holder(state: Int32Array, step: Step): string {
    if (step.op !== OP.LOCK) return '';
    return ` (held by ${this.#name(state[step.addr] - 1)})`;
  }

  #problem(kind: ViolationKind, thread: number, message: string): Problem {
    return { kind, message, thread };
  }

  #name(t: number): string {
    return this.model.threads[t]?.name ?? `thread ${t}`;
  }

  #sectionName(addr: number): string {
    for (const [name, at] of this.layout.sections) if (at === addr) return name;
    return String(addr);
  }

  /** Shared memory of a state, for assert predicates. */
  view(state: Int32Array): MemoryView {
    const layout = this.layout;
    return {
      get(ref: Ref): number {
        return state[layout.word(ref)];
      },
    };
  }

  /**
   * A hashable key for a state: one UTF-16 code unit per word in 0..0xfffe (nearly all of them),
   * else 0xffff and the word's two halves, so distinct states always get distinct keys.
   */
  key(state: Int32Array): string {
    const codes = this.#codes;
    let n = 0;
    for (let i = 0; i < state.length; i++) {
      const w = state[i];
      if (w >= 0 && w < 0xffff) {
        codes[n++] = w;
      } else {
        codes[n++] = 0xffff;
        codes[n++] = w & 0xffff;
        codes[n++] = w >>> 16;
      }
    }
    codes.length = n;
    return String.fromCharCode.apply(null, codes);
  }

  readonly #codes: number[] = [];

  /** Describes a step with its result, for traces: `read in → 1`, `cas TAIL 0 → 1 (swapped)`. */
  describe(step: Step, result: number): string {
    switch (step.op) {
      case OP.READ:
        return `${step.text} → ${result}`;
      case OP.CAS:
        return `${step.text} (${result === step.a ? 'swapped' : `failed: it held ${result}`})`;
      case OP.EXCHANGE:
      case OP.OR:
        return `${step.text} (held ${result})`;
      case OP.WAIT:
        return result === 1 ? `${step.text}: asleep` : `${step.text}: not-equal`;
      case OP.TAKE:
        return `${step.text} → ${itemName(result)}`;
      default:
        return step.text;
    }
  }

  /** Shared memory of a state by name, for traces. */
  snapshot(state: Int32Array): MemorySnapshot {
    const layout = this.layout;
    const semaphores: Record<string, number> = {};
    for (const [name, addr] of layout.semaphores) semaphores[name] = state[addr];
    const mutexes: Record<string, string | null> = {};
    for (const [name, addr] of layout.mutexes)
      mutexes[name] = state[addr] === 0 ? null : this.#name(state[addr] - 1);
    const words: Record<string, number | number[]> = {};
    for (const [name, word] of layout.words) {
      words[name] = word.array
        ? Array.from(state.subarray(word.addr, word.addr + word.length))
        : state[word.addr];
    }
    const buffers: Record<string, string[]> = {};
    for (const [name, buffer] of layout.buffers) {
      buffers[name] = Array.from(state.subarray(buffer.addr, buffer.addr + buffer.length), itemName);
    }
    return { semaphores, mutexes, words, buffers };
  }
}

/** Shared memory by name: what a trace shows after each step. */
export interface MemorySnapshot {
  semaphores: Record<string, number>;
  /** The holder's name, or null when free. */
  mutexes: Record<string, string | null>;
  words: Record<string, number | number[]>;
  /** Slot contents: `p1#2`, or `·` when empty. */
  buffers: Record<string, string[]>;
}
