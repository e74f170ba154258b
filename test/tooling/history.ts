// Recording histories of concurrent queue operations, for the linearizability checker.
//
// A history is a list of operations, one per call: which thread made it, what it asked for, what
// came back (a value, or the kind of error), and when it was called and when it returned, on a
// clock that every thread shares. A call that never returned (its thread died) is `pending`: its
// `end` is Infinity and the checker treats its effect as unknown.
//
// Times come from `performance.timeOrigin + performance.now()`, which is comparable across worker
// threads of one process: each thread's origin is the wall clock when it started, and `now()`
// counts from there on the same monotonic clock. A recorder reads the clock just before the call
// and just after it returns, so the recorded interval always contains the real one.
//
// Items are int32 numbers, and the checker prunes best when every value is put at most once per
// history: give each thread its own range (`itemOf(thread, k)`).

import { QueueClosedError, TimeoutError } from '../../src/index.js';

/** What a thread asked the queue to do. `put` covers put() and putSync(), and so on. */
export type QueueCall =
  | { readonly op: 'put'; readonly item: number }
  | { readonly op: 'tryPut'; readonly item: number }
  | { readonly op: 'putMany'; readonly items: readonly number[] }
  | { readonly op: 'get' }
  | { readonly op: 'tryGet' }
  | { readonly op: 'getMany'; readonly max: number }
  | { readonly op: 'close'; readonly immediate: boolean };

/**
 * What came back. `ok.value` is: nothing for put and putMany, the boolean for tryPut, the item for
 * get, `{ ok, value }` for tryGet, the items for getMany, and the discarded items for close.
 */
export type QueueResult =
  | { readonly kind: 'ok'; readonly value?: unknown }
  /** A failed putMany carries the items it did not put (`left`), as the error's `items` does. */
  | { readonly kind: 'timeout' | 'aborted' | 'closed'; readonly left?: readonly number[] }
  /** No return was seen: the thread died, or the history was cut before the call returned. */
  | { readonly kind: 'pending' }
  /** Anything else thrown: never legal for the model, so the checker reports it. */
  | { readonly kind: 'error'; readonly message: string };

export interface Operation {
  /** Which thread made the call (any number unique to the thread). */
  readonly thread: number;
  readonly call: QueueCall;
  result: QueueResult;
  /** Clock reading just before the call, in ms. */
  readonly start: number;
  /** Clock reading just after it returned, in ms; Infinity while pending. */
  end: number;
  /** The method actually called, for reports (e.g. 'putSync', 'getManySync'). */
  readonly method?: string;
}

export type History = readonly Operation[];

/** The shared clock: milliseconds since the epoch, with sub-millisecond resolution. */
export function sharedClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Item k of thread t: unique within a history as long as k < 2^20 and t < 2^10. */
export function itemOf(thread: number, k: number): number {
  return thread * 2 ** 20 + k;
}

/** Sorts an error thrown by a queue call into the result kinds the checker knows. */
export function classify(error: unknown, signal?: AbortSignal): QueueResult {
  const left = (error as { items?: unknown } | null)?.items;
  const carried = Array.isArray(left) ? { left: left as number[] } : {};
  if (error instanceof TimeoutError) return { kind: 'timeout', ...carried };
  if (error instanceof QueueClosedError) return { kind: 'closed', ...carried };
  if ((signal !== undefined && error === signal.reason) || (error as Error | null)?.name === 'AbortError') {
    return { kind: 'aborted', ...carried };
  }
  return { kind: 'error', message: String((error as Error | null)?.stack ?? error) };
}

/**
 * Records the calls of one thread. `begin` stamps the start and adds a pending operation, so if
 * the thread dies inside the call the history still shows it, as pending.
 */
export class HistoryRecorder {
  readonly operations: Operation[] = [];

  constructor(
    readonly thread: number,
    private readonly clock: () => number = sharedClock,
  ) {}

  begin(call: QueueCall, method?: string): Operation {
    const op: Operation = { thread: this.thread, call, result: { kind: 'pending' }, start: 0, end: Infinity };
    if (method !== undefined) (op as { method?: string }).method = method;
    this.operations.push(op);
    (op as { start: number }).start = this.clock(); // read last, right before the call
    return op;
  }

  finish(op: Operation, result: QueueResult): void {
    op.end = this.clock(); // read first, right after the return
    op.result = result;
  }

  /** Runs a synchronous call and records it; returns its result, or undefined if it threw a known error. */
  sync<R>(call: QueueCall, method: string, fn: () => R, value?: (r: R) => unknown): R | undefined {
    const op = this.begin(call, method);
    let r: R;
    try {
      r = fn();
    } catch (error) {
      this.finish(op, classify(error));
      if (op.result.kind === 'error') throw error;
      return undefined;
    }
    this.finish(op, { kind: 'ok', value: value === undefined ? r : value(r) });
    return r;
  }

  /** Runs an async call and records it (the end is read when its promise settles). */
  async async<R>(
    call: QueueCall,
    method: string,
    fn: () => Promise<R>,
    signal?: AbortSignal,
  ): Promise<R | undefined> {
    const op = this.begin(call, method);
    let r: R;
    try {
      r = await fn();
    } catch (error) {
      this.finish(op, classify(error, signal));
      if (op.result.kind === 'error') throw error;
      return undefined;
    }
    this.finish(op, { kind: 'ok', value: r });
    return r;
  }
}

/** The result of a call, as `ok`, if it succeeded; otherwise undefined. */
export function okValue(op: Operation): unknown {
  return op.result.kind === 'ok' ? op.result.value : undefined;
}

/** Multiset accounting over a history: what was acknowledged put, what was taken out and how. */
export interface Accounting {
  /** Items whose put returned success (put, tryPut true, putMany, and the done part of a failed putMany). */
  put: number[];
  /** Items returned by get, tryGet and getMany. */
  got: number[];
  /** Items returned by close({ immediate: true }). */
  discarded: number[];
}

export function account(history: History): Accounting {
  const put: number[] = [];
  const got: number[] = [];
  const discarded: number[] = [];
  for (const op of history) {
    const { call, result } = op;
    if (result.kind === 'ok') {
      switch (call.op) {
        case 'put':
          put.push(call.item);
          break;
        case 'tryPut':
          if (result.value === true) put.push(call.item);
          break;
        case 'putMany':
          put.push(...call.items);
          break;
        case 'get':
          got.push(result.value as number);
          break;
        case 'tryGet': {
          const r = result.value as { ok: boolean; value?: number };
          if (r.ok) got.push(r.value as number);
          break;
        }
        case 'getMany':
          got.push(...(result.value as number[]));
          break;
        case 'close':
          discarded.push(...(result.value as number[]));
          break;
      }
    } else if (call.op === 'putMany' && result.kind !== 'pending' && result.kind !== 'error') {
      const left = result.left ?? call.items;
      put.push(...call.items.slice(0, call.items.length - left.length));
    }
  }
  return { put, got, discarded };
}

/**
 * Checks that nothing was lost or made up: every item acknowledged as put was got, discarded by an
 * immediate close, or is still inside, exactly once, and nothing else came out. Returns a list of
 * problems (empty when the books balance).
 */
export function balance(history: History, stillInside: readonly number[] = []): string[] {
  const { put, got, discarded } = account(history);
  const out = new Map<number, number>();
  for (const x of [...got, ...discarded, ...stillInside]) out.set(x, (out.get(x) ?? 0) + 1);
  const problems: string[] = [];
  for (const x of put) {
    const n = out.get(x) ?? 0;
    if (n === 0) problems.push(`item ${x} was acknowledged as put but never came out (lost)`);
    else if (n === 1) out.delete(x);
    else out.set(x, n - 1);
  }
  // A put still pending when the history ended may or may not have gone in: once is fine.
  const maybe = new Set<number>();
  for (const { call, result } of history) {
    if (result.kind !== 'pending') continue;
    if (call.op === 'put' || call.op === 'tryPut') maybe.add(call.item);
    if (call.op === 'putMany') for (const x of call.items) maybe.add(x);
  }
  for (const [x, n] of out) {
    if (n === 1 && maybe.has(x)) continue;
    problems.push(`item ${x} came out ${n} time(s) more than it was put`);
  }
  return problems;
}
