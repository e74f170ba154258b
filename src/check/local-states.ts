// A model's threads' local states, for the explorer (machine.ts): each thread's histories (the
// results its steps returned) form a trie, and a node of it is a local state. A node holds the step
// the thread takes next, found once by replaying the thread along the node's path (a generator
// fed the results, or a code thread's `next`), and its children by result. Histories that reach
// the same declared state (t.state(), or CodeMemory.declare) share one node.
//
// Invariants: a node's step never changes once computed; node ids are stable for the object's
// lifetime (traces from one run stay valid); every node but a root has its parent's thread.

import { ModelError } from './errors.js';
import { DONE_STEP, hasResult, type Layout, type Model, OP, type Step, ThreadContext } from './model.js';

export class LocalStates {
  readonly #model: Model;
  readonly #contexts: ThreadContext[];
  // The tries of all threads, node by node.
  readonly #steps: (Step | undefined)[] = [];
  readonly #parent: number[] = [];
  readonly #result: number[] = [];
  readonly #owner: number[] = [];
  /** Child for steps with no result (always 0). */
  readonly #next: number[] = [];
  /** Children by result, for steps that return a value. */
  readonly #children: (Map<number, number> | undefined)[] = [];
  readonly #roots: number[] = [];

  constructor(model: Model, layout: Layout) {
    this.#model = model;
    this.#contexts = model.threads.map((_, t) => new ThreadContext(layout, t));
    for (let t = 0; t < model.threads.length; t++) this.#roots.push(this.#makeNode(t, -1, 0));
  }

  /** Thread t's first local state. */
  root(t: number): number {
    return this.#roots[t];
  }

  /** The step a thread at this node yields next (computed when the node is made). */
  stepAt(node: number): Step {
    return this.#steps[node]!;
  }

  #newNode(thread: number, parent: number, result: number): number {
    const id = this.#steps.length;
    this.#steps.push(undefined);
    this.#parent.push(parent);
    this.#result.push(result);
    this.#owner.push(thread);
    this.#next.push(-1);
    this.#children.push(undefined);
    return id;
  }

  /**
   * Replays thread `thread` along `results` and returns the step it yields next, and the last
   * state declaration (t.state) it passed after its last result, if any.
   */
  #replay(thread: number, results: readonly number[]): { step: Step; declared: string | undefined } {
    const spec = this.#model.threads[thread];
    let declared: string | undefined;
    try {
      if (spec.next !== undefined) return spec.next(this.#contexts[thread], results);
      const generator = spec.run(this.#contexts[thread]);
      let next = generator.next();
      let used = 0;
      for (;;) {
        if (next.done) return { step: DONE_STEP, declared };
        const step = next.value;
        if (step === null || typeof step !== 'object' || typeof step.op !== 'number') {
          throw new ModelError(`yielded ${String(step)}, not a step (use the methods of its context)`);
        }
        if (step.op === OP.STATE) {
          if (used === results.length) declared = step.text;
          next = generator.next(0);
          continue;
        }
        if (used === results.length) return { step, declared };
        next = generator.next(results[used++]);
      }
    } catch (error) {
      if (error instanceof ModelError) throw new ModelError(`thread ${spec.name}: ${error.message}`);
      throw error;
    }
  }

  /** The results along a node's path from its thread's root. */
  #history(node: number): number[] {
    const results: number[] = [];
    for (let n = node; this.#parent[n] !== -1; n = this.#parent[n]) results.push(this.#result[n]);
    return results.reverse();
  }

  /** A node for `thread` after `parent` returned `result`: a declared state already known, or a new one. */
  #makeNode(thread: number, parent: number, result: number): number {
    const results = parent === -1 ? [] : [...this.#history(parent), result];
    const { step, declared } = this.#replay(thread, results);
    const key = declared === undefined ? undefined : `${thread}|${declared}`;
    if (key !== undefined) {
      const known = this.#declared.get(key);
      if (known !== undefined) return known;
    }
    const id = this.#newNode(thread, parent, result);
    this.#steps[id] = step;
    if (key !== undefined) this.#declared.set(key, id);
    return id;
  }

  /** Nodes by declared state (thread|label(values)). */
  readonly #declared = new Map<string, number>();

  /** The node after `node`'s step returned `result`. */
  child(node: number, op: number, result: number): number {
    if (hasResult(op)) {
      let children = this.#children[node];
      if (children === undefined) this.#children[node] = children = new Map();
      let child = children.get(result);
      if (child === undefined)
        children.set(result, (child = this.#makeNode(this.#owner[node], node, result)));
      return child;
    }
    let child = this.#next[node];
    if (child === -1) this.#next[node] = child = this.#makeNode(this.#owner[node], node, 0);
    return child;
  }
}
