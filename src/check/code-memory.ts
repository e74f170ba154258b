// Real code under the explorer: a memory in which every shared-memory access the code makes (an
// Atomics call, or a plain read or write of an element) is one step of the explorer (machine.ts).
//
// How. The explorer finds a thread's next step from the results of its steps so far (a thread's
// local state is those results). A code thread is therefore replayed from its start: during the
// replay the global `Atomics` is replaced by one whose calls, and the code's Int32Arrays by Proxies
// whose element reads and writes, are answered from those results in order; the first access past
// them is the thread's next step, and a Pause thrown there stops the code. The code is
// deterministic given what it reads (the explored paths read no clock and draw no random number),
// so a replay retraces the same path. This is loom's idea (it runs tokio's own code on its own
// atomics) with replays in place of threads. Production pays nothing for it: the code reads the
// global `Atomics` as always, and only the explorer's process replaces it, only while a replay runs.
//
// Words. A WordMap names each word of the real layout that the model holds (TAIL, stamp[2]); an
// access to any other word is a ModelError naming its index, never a silent step. A typed view of
// data slots maps an element write to a put step and a read to a take step, so the explorer also
// checks that no item is written over (lost) or read twice.
//
// Faults, for broken variants built from the same code (the switch is here, in the checker's
// memory, so the code that runs in production has none):
//   hideWaitingBit     an exchange on a futex word returns the old value without bit 31 (WAITING):
//                      the thread that changes a word never sees that someone sleeps on it
//   writeAfterPublish  a slot write takes effect only after the thread's next atomic write to a
//                      word (Atomics.store, exchange or compare-and-swap; not a plain store, which
//                      publishes nothing), the one that publishes it: as if the code published
//                      before writing the item

import { WAITING } from '../sync/wait/word.js';
import { ModelError } from './errors.js';
import { DONE_STEP, type Ref, type Step, type ThreadContext } from './model.js';

/** The real Atomics, whatever a replay has put in its place. */
const REAL_ATOMICS = Atomics;

/** The words of the real layout that a model holds, by index. */
export interface WordMap {
  /** The model's name for word `index`, or undefined when the model does not hold it. */
  ref(index: number): Ref | undefined;
  /** Whether word `index` is slept on (Atomics.wait): its bit 31 is a WAITING bit. */
  futex(index: number): boolean;
}

export interface Faults {
  readonly hideWaitingBit?: boolean;
  readonly writeAfterPublish?: boolean;
}

/** Thrown at the first access past the replayed results: it carries the thread's next step. */
class Pause {
  constructor(readonly step: Step) {}
}

enum Kind {
  Read,
  Write,
  Cas,
  Exchange,
  Notify,
  Wait,
  Sleep,
  Put,
  Take,
  Or,
  Refuse,
}

export class CodeMemory {
  /** The words, as the code sees them: pass this where the code takes its Int32Array. */
  readonly words: Int32Array;
  /** The data slots as an Int32Array: element writes are puts, reads are takes. */
  readonly slots: Int32Array;
  readonly #map: WordMap;
  readonly #slotBuffer: string;
  readonly #faults: Faults;
  readonly #atomics: typeof Atomics;
  // The replay in progress.
  #t: ThreadContext | undefined;
  #results: readonly number[] = [];
  #used = 0;
  /** Slot writes held back until the next write to a word (writeAfterPublish). */
  readonly #pending: [slot: number, item: number][] = [];

  /**
   * `words`: the real layout's initial words (for their length); `slotCount` data slots, held by
   * the model's buffer `slotBuffer`.
   */
  constructor(words: Int32Array, slotCount: number, map: WordMap, slotBuffer: string, faults: Faults = {}) {
    this.#map = map;
    this.#slotBuffer = slotBuffer;
    this.#faults = faults;
    this.words = this.#proxy(new Int32Array(words.length), 'word', (index, value) =>
      value === undefined ? this.#word(Kind.Read, index, 0, 0) : this.#plainWrite(index, value),
    );
    this.slots = this.#proxy(new Int32Array(slotCount), 'slot', (index, value) =>
      value === undefined ? this.#slot(Kind.Take, index, 0) : this.#slot(Kind.Put, index, value),
    );
    this.#atomics = this.#fakeAtomics();
  }

  /**
   * Runs `body` from its start as thread `t`, answering its accesses from `results`: returns the
   * step it takes next (DONE_STEP if it ends first, or a failed assert carrying the error it
   * threw), and the state it declared right before that step, if any.
   */
  replay(
    t: ThreadContext,
    results: readonly number[],
    body: () => void,
  ): { step: Step; declared: string | undefined } {
    this.#t = t;
    this.#results = results;
    this.#used = 0;
    this.#pending.length = 0;
    this.#declared = undefined;
    this.#lastKind = undefined;
    const step = this.#run(t, results, body);
    return { step, declared: this.#declared };
  }

  /**
   * Declares, between two calls of a thread's body, that all it does from here on depends only on
   * `state` (its live values: which call is next, its views' guesses): the explorer then merges
   * every history that reaches the same declaration into one local state (model.ts, t.state()).
   */
  declare(state: string): void {
    if (this.#used === this.#results.length && this.#pending.length === 0) this.#declared = state;
  }

  /**
   * As declare, but only right after an Atomics.wait returned (its last access was a wait or a
   * sleep): for code that, woken, starts over with no other live value (Sleeper.waitSync).
   */
  declareWoken(state: string): void {
    if (this.#lastKind === Kind.Wait || this.#lastKind === Kind.Sleep) this.declare(state);
  }

  /**
   * One step of the model's own, not the code's: the put of `count` items from `item` was refused
   * (the buffer was closed), so the explorer accounts for them (model.ts, refuse()).
   */
  refuse(item: number, count: number): void {
    this.#access(Kind.Refuse, '', item, count);
  }

  #declared: string | undefined;
  /** The kind of the last access replayed. */
  #lastKind: Kind | undefined;

  #run(t: ThreadContext, results: readonly number[], body: () => void): Step {
    Object.defineProperty(globalThis, 'Atomics', {
      value: this.#atomics,
      writable: true,
      configurable: true,
    });
    try {
      body();
      this.#flush();
    } catch (error) {
      if (error instanceof Pause) return error.step;
      if (error instanceof ModelError) throw error;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return t.assert(false, `the code threw ${message}`);
    } finally {
      Object.defineProperty(globalThis, 'Atomics', {
        value: REAL_ATOMICS,
        writable: true,
        configurable: true,
      });
      this.#t = undefined;
    }
    if (this.#used !== results.length) {
      throw new ModelError(
        `the code ended after ${this.#used} of the ${results.length} steps it took before: it is not deterministic`,
      );
    }
    return DONE_STEP;
  }

  /** One access: its recorded result while replaying, else a Pause with the step it is. */
  #access(kind: Kind, ref: Ref, a: number, b: number): number {
    this.#lastKind = kind;
    if (this.#used < this.#results.length) return this.#results[this.#used++];
    throw new Pause(this.#step(kind, ref, a, b));
  }

  #step(kind: Kind, ref: Ref, a: number, b: number): Step {
    const t = this.#t!;
    switch (kind) {
      case Kind.Read:
        return t.read(ref);
      case Kind.Write:
        return t.write(ref, a);
      case Kind.Cas:
        return t.cas(ref, a, b);
      case Kind.Exchange:
        return t.exchange(ref, a);
      case Kind.Notify:
        return t.notify(ref);
      case Kind.Wait:
      case Kind.Sleep: {
        // t.wait yields the enqueue step, then (if it enqueued) the sleep step.
        const steps = t.wait(ref, a);
        const first = steps.next().value as Step;
        return kind === Kind.Wait ? first : (steps.next(1).value as Step);
      }
      case Kind.Put:
        return t.put(this.#slotBuffer, a, b);
      case Kind.Take:
        return t.take(this.#slotBuffer, a);
      case Kind.Or:
        return t.or(ref, a);
      case Kind.Refuse:
        return t.refuse(a, b);
    }
  }

  #ref(index: number): Ref {
    const ref = this.#map.ref(index);
    if (ref === undefined) {
      throw new ModelError(`the code touched word ${index} of its memory, which this model does not hold`);
    }
    return ref;
  }

  #word(kind: Kind, index: number, a: number, b: number): number {
    const ref = this.#ref(index);
    switch (kind) {
      case Kind.Read:
        return this.#access(kind, ref, 0, 0);
      case Kind.Write:
        this.#access(kind, ref, a, 0);
        this.#flush(); // writeAfterPublish: the slot writes land after the publishing store
        return a;
      case Kind.Cas: {
        const old = this.#access(kind, ref, a, b);
        this.#flush();
        return old;
      }
      case Kind.Exchange: {
        const old = this.#access(kind, ref, a, 0);
        this.#flush();
        return this.#faults.hideWaitingBit === true && this.#map.futex(index) ? old & ~WAITING : old;
      }
      default:
        return this.#access(kind, ref, a, b);
    }
  }

  /**
   * A plain write of a word (an element assignment): a step like Atomics.store, but it publishes
   * nothing (JavaScript orders a plain store for another thread only through a later atomic
   * write), so held-back slot writes (writeAfterPublish) stay held back.
   */
  #plainWrite(index: number, value: number): number {
    this.#access(Kind.Write, this.#ref(index), value, 0);
    return value;
  }

  #slot(kind: Kind, index: number, item: number): number {
    if (kind === Kind.Put && this.#faults.writeAfterPublish === true) {
      this.#pending.push([index, item]);
      return item;
    }
    return this.#access(kind, this.#slotBuffer, index, item);
  }

  #flush(): void {
    while (this.#pending.length > 0) {
      const [slot, item] = this.#pending.shift()!;
      this.#access(Kind.Put, this.#slotBuffer, slot, item);
    }
  }

  /** An Int32Array whose element reads and writes go to `access`; anything else it refuses. */
  #proxy(target: Int32Array, what: string, access: (index: number, value?: number) => number): Int32Array {
    const element = (key: string | symbol): number => {
      if (typeof key !== 'string') return -1;
      const index = Number(key);
      return Number.isInteger(index) && index >= 0 && String(index) === key && index < target.length
        ? index
        : -1;
    };
    return new Proxy(target, {
      get(array, key) {
        const index = element(key);
        if (index >= 0) return access(index);
        if (key === 'length' || key === 'BYTES_PER_ELEMENT' || key === 'byteLength') return array[key];
        throw new ModelError(
          `the code used ${String(key)} of a ${what} array, which the explorer does not model`,
        );
      },
      set(_array, key, value) {
        const index = element(key);
        if (index < 0)
          throw new ModelError(
            `the code wrote ${String(key)} of a ${what} array, which the explorer does not model`,
          );
        access(index, value | 0);
        return true;
      },
    });
  }

  /** The Atomics a replay runs with: each call on the words is one step; the rest are refused. */
  #fakeAtomics(): typeof Atomics {
    const words = this.words;
    const check = (array: unknown, name: string): void => {
      if (array !== words)
        throw new ModelError(`the code called Atomics.${name} on memory outside the model`);
    };
    const refuse = (name: string) => () => {
      throw new ModelError(`the code called Atomics.${name}, which the explorer does not model yet`);
    };
    const fake = {
      load: (array: Int32Array, index: number) => {
        check(array, 'load');
        return this.#word(Kind.Read, index, 0, 0);
      },
      store: (array: Int32Array, index: number, value: number) => {
        check(array, 'store');
        return this.#word(Kind.Write, index, value | 0, 0);
      },
      compareExchange: (array: Int32Array, index: number, expected: number, value: number) => {
        check(array, 'compareExchange');
        return this.#word(Kind.Cas, index, expected | 0, value | 0);
      },
      exchange: (array: Int32Array, index: number, value: number) => {
        check(array, 'exchange');
        return this.#word(Kind.Exchange, index, value | 0, 0);
      },
      notify: (array: Int32Array, index: number) => {
        check(array, 'notify');
        this.#word(Kind.Notify, index, 0, 0);
        return 0;
      },
      wait: (array: Int32Array, index: number, value: number, timeout?: number) => {
        check(array, 'wait');
        if (timeout !== undefined && timeout !== Number.POSITIVE_INFINITY) {
          throw new ModelError(
            `the code called Atomics.wait with a timeout of ${timeout} ms; the explorer has no clock`,
          );
        }
        if (this.#word(Kind.Wait, index, value | 0, 0) === 0) return 'not-equal';
        this.#word(Kind.Sleep, index, value | 0, 0);
        return 'ok';
      },
      add: refuse('add'),
      sub: refuse('sub'),
      and: refuse('and'),
      or: (array: Int32Array, index: number, bits: number) => {
        check(array, 'or');
        return this.#word(Kind.Or, index, bits | 0, 0);
      },
      xor: refuse('xor'),
      waitAsync: refuse('waitAsync'),
      isLockFree: (size: number) => REAL_ATOMICS.isLockFree(size),
      pause: () => undefined,
    };
    return fake as unknown as typeof Atomics;
  }
}
