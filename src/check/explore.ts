// explore(): runs every interleaving of a model's threads and reports the first broken check with
// the shortest schedule that breaks it.
//
// Search: depth first over global states with a visited set (each state is expanded once), so a
// model that holds is proven in one pass over its reachable states. When the depth-first pass
// finds a violation, a breadth-first pass from the start finds the shortest schedule that breaks
// any check, and that schedule is replayed (replay()) to build the trace: every trace we print is
// a re-execution, not a record of the search.
//
// Invariants:
//   without state declarations (t.state) a state's depth is the total number of results in its
//   threads' histories, so every path to it has the same length; with them, retry loops can
//   close cycles, which the visited set cuts (a thread that could spin forever is not reported),
//   and the depth bound applies to the path the search followed;
//   with a preemption bound, the last thread run and the preemptions used are part of the state
//   (two otherwise equal states with different budgets are different states);
//   `states` counts distinct states stored (the start included), `transitions` every step run.

import v8 from 'node:v8';
import { ScheduleError } from './errors.js';
import { Machine, type MemorySnapshot, type Problem, type ViolationKind } from './machine.js';
import type { Model } from './model.js';
import { formatSchedule, parseSchedule } from './schedule.js';

export type { ViolationKind } from './machine.js';

export interface ExploreOptions {
  /** A run longer than this many steps is a violation of kind 'bound' (default 10000). */
  maxDepth?: number;
  /** Stop, with status 'incomplete', after storing this many states (default 5000000). */
  maxStates?: number;
  /**
   * Explore only schedules that switch away from a runnable thread at most this many times
   * (default Infinity: every schedule). 2 or 3 finds most bugs in far fewer states.
   */
  maxPreemptions?: number;
  /** Search breadth first for the shortest counterexample after finding one (default true). */
  shortest?: boolean;
  /**
   * Give up the search for the shortest counterexample after this many milliseconds (default
   * 10000) and keep the one found; it is also bounded by maxStates and by memory.
   */
  shortestMs?: number;
}

export interface ExploreStats {
  /** Distinct states stored, the start included. */
  states: number;
  /** Steps run (edges of the state graph followed). */
  transitions: number;
  /** The longest run explored, in steps. */
  maxDepth: number;
  /** Wall time of the whole check, in milliseconds. */
  ms: number;
  /** states / seconds of the depth-first pass. */
  statesPerSecond: number;
}

export interface TraceStep {
  /** 1-based step number. */
  step: number;
  thread: string;
  /** The step and its result: `read in → 0`, `take buffer[1] → p2#1`. */
  action: string;
  /** Shared memory after the step. */
  memory: MemorySnapshot;
}

export interface Violation {
  /** True when the trace is proven the shortest; false when that search was cut short. */
  shortest: boolean;
  /** Why the trace may not be the shortest (only when `shortest` is false). */
  note?: string;
  kind: ViolationKind;
  message: string;
  /** The thread whose step broke the check, or null for a state (deadlock, missing items). */
  thread: string | null;
  /** The schedule: thread indices, one per step. */
  steps: number[];
  /** The same schedule as a string that `conveyor check --replay` takes. */
  schedule: string;
  trace: TraceStep[];
}

interface VerdictBase {
  model: string;
  stats: ExploreStats;
}

/** Every check passed in every interleaving. */
export interface HoldsVerdict extends VerdictBase {
  status: 'holds';
  violation?: undefined;
}

/** The search stopped first: no violation in the states it explored, and no proof either. */
export interface IncompleteVerdict extends VerdictBase {
  status: 'incomplete';
  /** What stopped it: the maxStates limit, or the heap filling up. */
  stoppedBy: 'states' | 'memory';
  violation?: undefined;
}

/** A check broke; `violation` says which, with the schedule and its trace. */
export interface ViolationVerdict extends VerdictBase {
  status: 'violation';
  violation: Violation;
}

/** explore()'s answer: test `status` and TypeScript knows whether `violation` is there. */
export type Verdict = HoldsVerdict | IncompleteVerdict | ViolationVerdict;

const DEFAULT_MAX_DEPTH = 10_000;
const DEFAULT_MAX_STATES = 5_000_000;
const DEFAULT_SHORTEST_MS = 10_000;
/** Both passes stop once the heap holds this share of V8's limit. */
const MEMORY_SHARE = 0.7;
/** How often (in states stored) the passes look at the clock and the heap. */
const CHECK_EVERY = 4096;

function heapNearlyFull(): boolean {
  const heap = v8.getHeapStatistics();
  return heap.used_heap_size > heap.heap_size_limit * MEMORY_SHARE;
}

function optionNumber(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < min ||
    (!Number.isInteger(value) && value !== Infinity)
  ) {
    throw new RangeError(
      `explore(): ${name} must be an integer >= ${min} or Infinity, got ${String(value)} (${typeof value})`,
    );
  }
  return value;
}

interface Found {
  problem: Problem;
  steps: number[];
}

/** Explores every interleaving of the model's threads. */
export function explore(model: Model, options: ExploreOptions = {}): Verdict {
  const maxDepth = optionNumber('maxDepth', options.maxDepth, DEFAULT_MAX_DEPTH, 1);
  const maxStates = optionNumber('maxStates', options.maxStates, DEFAULT_MAX_STATES, 1);
  const maxPreemptions = optionNumber('maxPreemptions', options.maxPreemptions, Infinity, 0);
  const shortestMs = optionNumber('shortestMs', options.shortestMs, DEFAULT_SHORTEST_MS, 0);
  const started = performance.now();
  const machine = new Machine(model, { preemptionBound: maxPreemptions });
  const dfs = depthFirst(machine, maxDepth, maxStates);
  const dfsMs = performance.now() - started;
  let found = dfs.found;
  let shortest: { found: Found } | { cutBy: string } | undefined;
  if (found !== undefined && options.shortest !== false) {
    shortest = breadthFirst(machine, maxDepth, { maxStates, ms: shortestMs });
    if ('found' in shortest) found = shortest.found;
  }
  const stats: ExploreStats = {
    states: dfs.states,
    transitions: dfs.transitions,
    maxDepth: dfs.maxDepth,
    ms: 0,
    statesPerSecond: Math.round(dfs.states / Math.max(dfsMs / 1000, 1e-6)),
  };
  let verdict: Verdict;
  if (found === undefined) {
    verdict =
      dfs.stoppedBy === undefined
        ? { model: model.name, status: 'holds', stats }
        : { model: model.name, status: 'incomplete', stoppedBy: dfs.stoppedBy, stats };
  } else {
    const replayed = replaySteps(machine, found.steps);
    const cut = shortest !== undefined && 'cutBy' in shortest ? shortest.cutBy : undefined;
    verdict = {
      model: model.name,
      status: 'violation',
      stats,
      violation: {
        shortest: shortest !== undefined && cut === undefined,
        ...(cut !== undefined
          ? { note: `the search for a shorter trace stopped at ${cut}; this is the first trace found` }
          : shortest === undefined
            ? { note: 'the first trace found (the search for a shorter one was off)' }
            : {}),
        kind: found.problem.kind,
        message: found.problem.message,
        thread: found.problem.thread < 0 ? null : model.threads[found.problem.thread].name,
        steps: found.steps,
        schedule: formatSchedule(model, found.steps),
        trace: replayed.trace,
      },
    };
  }
  stats.ms = Math.round((performance.now() - started) * 10) / 10;
  return verdict;
}

/** The threads that may run next, respecting the preemption bound; writes the budget into `child`. */
function preemptionCost(machine: Machine, state: Int32Array, t: number): number {
  const last = state[machine.pcBase + machine.threads] - 1;
  return last >= 0 && t !== last && machine.enabled(state, last) ? 1 : 0;
}

function depthFirst(machine: Machine, maxDepth: number, maxStates: number) {
  const bounded = machine.preemptionBound !== Infinity;
  const budgetAddr = machine.pcBase + machine.threads + 1;
  const threads = machine.threads;
  const visited = new StateSet();
  const initial = machine.initial();
  visited.add(machine.key(initial));
  let transitions = 0;
  let deepest = 0;
  let found: Found | undefined;
  let stoppedBy: 'states' | 'memory' | undefined;
  // The current path: states, the next thread to try at each, and the thread run to reach each.
  const states: Int32Array[] = [initial];
  const nextThread: number[] = [0];
  const via: number[] = [];
  const atStart = machine.stuck(initial);
  if (atStart !== undefined) found = { problem: atStart, steps: [] };
  // Steps run on a scratch copy; only a state not seen before gets an array of its own.
  const scratch = new Int32Array(machine.width);
  while (found === undefined && states.length > 0) {
    const depth = states.length - 1;
    const state = states[depth];
    let t = nextThread[depth];
    while (t < threads && !machine.enabled(state, t)) t++;
    if (t === threads) {
      states.pop();
      nextThread.pop();
      via.pop();
      continue;
    }
    nextThread[depth] = t + 1;
    let cost = 0;
    if (bounded) {
      cost = preemptionCost(machine, state, t);
      if (state[budgetAddr] + cost > machine.preemptionBound) continue;
    }
    scratch.set(state);
    transitions++;
    const problem = machine.apply(scratch, t);
    if (problem !== undefined) {
      found = { problem, steps: [...via, t] };
      break;
    }
    if (bounded) scratch[budgetAddr] += cost;
    if (!visited.add(machine.key(scratch))) continue;
    const child = scratch.slice();
    const childDepth = depth + 1;
    if (childDepth > deepest) deepest = childDepth;
    const stuck = machine.stuck(child);
    if (stuck !== undefined) {
      found = { problem: stuck, steps: [...via, t] };
      break;
    }
    if (childDepth >= maxDepth) {
      found = { problem: boundProblem(maxDepth), steps: [...via, t] };
      break;
    }
    if (visited.size >= maxStates) {
      stoppedBy = 'states';
      break;
    }
    if (visited.size % CHECK_EVERY === 0 && heapNearlyFull()) {
      stoppedBy = 'memory';
      break;
    }
    states.push(child);
    nextThread.push(0);
    via.push(t);
  }
  return { found, states: visited.size, transitions, maxDepth: deepest, stoppedBy };
}

/**
 * The visited states' keys. One JS Set holds at most 2^24 entries (it throws past that), so the
 * keys are spread over 16 Sets by a cheap hash of a sample of their characters.
 */
class StateSet {
  readonly #shards = Array.from({ length: 16 }, () => new Set<string>());
  size = 0;

  /** Adds `key`; false if it was there already. */
  add(key: string): boolean {
    let hash = key.length;
    for (let i = 0; i < key.length; i += 5) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
    const shard = this.#shards[hash & 15];
    if (shard.has(key)) return false;
    shard.add(key);
    this.size++;
    return true;
  }
}

function boundProblem(maxDepth: number): Problem {
  return {
    kind: 'bound',
    message: `a run reached ${maxDepth} steps with threads still running: no termination within the bound`,
    thread: -1,
  };
}

/**
 * The shortest schedule that breaks any check (breadth first), or what cut the search short:
 * `limits.maxStates` states stored, `limits.ms` milliseconds, or the heap nearly full.
 */
function breadthFirst(
  machine: Machine,
  maxDepth: number,
  limits: { maxStates: number; ms: number },
): { found: Found } | { cutBy: string } {
  const deadline = performance.now() + limits.ms;
  const bounded = machine.preemptionBound !== Infinity;
  const budgetAddr = machine.pcBase + machine.threads + 1;
  const initial = machine.initial();
  const parents = new ParentMap();
  const initialKey = machine.key(initial);
  parents.set(initialKey, null);
  const pathTo = (key: string, last?: number): number[] => {
    const steps = last === undefined ? [] : [last];
    for (let link = parents.get(key); link != null; link = parents.get(link.parent)) steps.push(link.thread);
    return steps.reverse();
  };
  let level: { state: Int32Array; key: string }[] = [{ state: initial, key: initialKey }];
  for (let depth = 0; level.length > 0; depth++) {
    const nextLevel: { state: Int32Array; key: string }[] = [];
    for (const { state, key } of level) {
      for (let t = 0; t < machine.threads; t++) {
        if (!machine.enabled(state, t)) continue;
        let cost = 0;
        if (bounded) {
          cost = preemptionCost(machine, state, t);
          if (state[budgetAddr] + cost > machine.preemptionBound) continue;
        }
        const child = state.slice();
        const problem = machine.apply(child, t);
        if (problem !== undefined) return { found: { problem, steps: pathTo(key, t) } };
        if (bounded) child[budgetAddr] += cost;
        const childKey = machine.key(child);
        if (parents.has(childKey)) continue;
        parents.set(childKey, { parent: key, thread: t });
        const stuck = machine.stuck(child);
        if (stuck !== undefined) return { found: { problem: stuck, steps: pathTo(childKey) } };
        if (depth + 1 >= maxDepth)
          return { found: { problem: boundProblem(maxDepth), steps: pathTo(childKey) } };
        nextLevel.push({ state: child, key: childKey });
        if (parents.size >= limits.maxStates) return { cutBy: `the state limit (${limits.maxStates})` };
        if (parents.size % CHECK_EVERY === 0) {
          if (performance.now() > deadline) return { cutBy: `the time limit (${limits.ms} ms)` };
          if (heapNearlyFull()) return { cutBy: 'the memory limit' };
        }
      }
    }
    level = nextLevel;
  }
  // Unreachable in practice: the depth-first pass found a violation reachable from the start.
  return { cutBy: 'the end of the state space' };
}

type Parent = { parent: string; thread: number } | null;

/** The breadth-first pass's parents, spread over Maps (one Map holds at most 2^24 entries). */
class ParentMap {
  readonly #shards = Array.from({ length: 16 }, () => new Map<string, Parent>());
  size = 0;

  #shard(key: string): Map<string, Parent> {
    let hash = key.length;
    for (let i = 0; i < key.length; i += 5) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
    return this.#shards[hash & 15];
  }

  has(key: string): boolean {
    return this.#shard(key).has(key);
  }

  get(key: string): Parent | undefined {
    return this.#shard(key).get(key);
  }

  set(key: string, parent: Parent): void {
    const shard = this.#shard(key);
    if (!shard.has(key)) this.size++;
    shard.set(key, parent);
  }
}

export interface Replay {
  model: string;
  trace: TraceStep[];
  /** The broken check the schedule ends in, if any. */
  violation?: { kind: ViolationKind; message: string; thread: string | null };
  /** True when every thread finished. */
  finished: boolean;
}

/**
 * Runs one schedule step by step and reports what it reaches. A schedule is thread indices, or a
 * schedule string (`model:p,c,k,n:0110`) whose model name must match. Throws ScheduleError when
 * a step names a thread that does not exist, is blocked, or has finished, or when the schedule
 * goes on after a violation.
 */
export function replay(model: Model, schedule: readonly number[] | string): Replay {
  let steps: readonly number[];
  if (typeof schedule === 'string') {
    const parsed = parseSchedule(schedule);
    if (parsed.model !== model.name) {
      throw new ScheduleError(`schedule '${schedule}' is for model '${parsed.model}', not '${model.name}'`);
    }
    steps = parsed.steps;
  } else {
    steps = schedule;
  }
  return replaySteps(new Machine(model), steps);
}

function replaySteps(machine: Machine, steps: readonly number[]): Replay {
  const model = machine.model;
  const state = machine.initial();
  const trace: TraceStep[] = [];
  const name = (t: number) => (t < 0 ? null : model.threads[t].name);
  let problem = steps.length === 0 ? machine.stuck(state) : undefined;
  for (let i = 0; i < steps.length; i++) {
    const t = steps[i];
    if (problem !== undefined) {
      throw new ScheduleError(
        `schedule goes on for ${steps.length - i} more step(s) after the violation at step ${i}`,
      );
    }
    if (!Number.isInteger(t) || t < 0 || t >= machine.threads) {
      throw new ScheduleError(
        `step ${i + 1} names thread ${String(t)}, but model '${model.name}' has threads 0 to ${machine.threads - 1}`,
      );
    }
    const step = machine.stepOf(state, t);
    if (!machine.enabled(state, t)) {
      const why = machine.finished(state, t) ? 'has finished' : `is blocked on ${step.text}`;
      throw new ScheduleError(`step ${i + 1}: thread ${model.threads[t].name} cannot run: it ${why}`);
    }
    problem = machine.apply(state, t);
    trace.push({
      step: i + 1,
      thread: model.threads[t].name,
      action: machine.describe(step, problem === undefined ? machine.result : 0),
      memory: machine.snapshot(state),
    });
    if (problem === undefined) problem = machine.stuck(state);
  }
  const finished = model.threads.every((_, t) => machine.finished(state, t));
  const replayed: Replay = { model: model.name, trace, finished };
  if (problem !== undefined) {
    replayed.violation = { kind: problem.kind, message: problem.message, thread: name(problem.thread) };
  }
  return replayed;
}
