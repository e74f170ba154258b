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
//
// A thread that may be terminated mid-call (worker.terminate() stops it at any instruction) cannot
// post its history at the end. It streams it instead, into a `HistoryLog`: a SharedArrayBuffer
// that the thread appends one record to at the start of every call (its start time, written
// before the call is made) and one at its return (its end time and result), each published by a
// single Atomics.store of the log's length. Whoever reads the log, at any moment, sees whole
// records only; a call with a start record and no end record is pending (see `readHistoryLog`).

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

  /** With `log`, every call and return is also streamed there as it happens (see HistoryLog). */
  constructor(
    readonly thread: number,
    private readonly clock: () => number = sharedClock,
    private readonly log?: HistoryLog,
  ) {}

  begin(call: QueueCall, method?: string): Operation {
    const op: Operation = { thread: this.thread, call, result: { kind: 'pending' }, start: 0, end: Infinity };
    if (method !== undefined) (op as { method?: string }).method = method;
    const index = this.operations.push(op) - 1;
    (op as { start: number }).start = this.clock(); // read last, right before the call…
    // …but for the log's record: the call is made only once its start is in the log, so a thread
    // that dies before the record is published never made the call.
    this.log?.append({ i: index, c: call, m: method, s: op.start } satisfies BeginRecord);
    return op;
  }

  finish(op: Operation, result: QueueResult): void {
    op.end = this.clock(); // read first, right after the return
    op.result = result;
    // A thread that dies before this record is published leaves the call pending: the checker
    // then allows any effect it could have had, which includes the one it had.
    this.log?.append({ i: this.operations.lastIndexOf(op), r: result, e: op.end } satisfies EndRecord);
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

/** What `BoundedBuffer.recover()` reported for the threads that died during a history. */
export interface Recovered {
  /** Items the dead threads' gets had claimed but not taken out, handed back by recover(). */
  readonly returned?: readonly number[];
  /** Items of the dead threads' puts that recover() dropped (claimed, never published). */
  readonly droppedPuts?: number;
}

/**
 * Checks that nothing was lost or made up. Everything that came out (got, discarded by an
 * immediate close, still inside, or handed back by recover()) came out once at most, and was
 * acknowledged as put, or belongs to a put still pending (its thread died: it may or may not have
 * gone in). Every item acknowledged as put came out, except at most as many as the pending gets
 * could have taken out before their threads died (1 for a get or tryGet, `max` for a getMany),
 * less the items recover() handed back from them. Items recover() says it dropped were never
 * published, so they are items of pending puts that did not come out. Returns a list of problems
 * (empty when the books balance).
 *
 * Without pending operations this is exact: acknowledged puts = got + discarded + still inside.
 */
export function balance(
  history: History,
  stillInside: readonly number[] = [],
  recovered: Recovered = {},
): string[] {
  const { put, got, discarded } = account(history);
  const returned = recovered.returned ?? [];
  const out = new Map<number, number>();
  for (const x of [...got, ...discarded, ...stillInside, ...returned]) out.set(x, (out.get(x) ?? 0) + 1);
  // What the pending calls (of threads that died) may have done.
  let takeable = 0;
  const maybe = new Set<number>();
  for (const { call, result } of history) {
    if (result.kind !== 'pending') continue;
    if (call.op === 'get' || call.op === 'tryGet') takeable += 1;
    else if (call.op === 'getMany') takeable += call.max;
    else if (call.op === 'put' || call.op === 'tryPut') maybe.add(call.item);
    else if (call.op === 'putMany') for (const x of call.items) maybe.add(x);
  }
  const problems: string[] = [];
  const missing: number[] = [];
  for (const x of put) {
    const n = out.get(x) ?? 0;
    if (n === 0) missing.push(x);
    else if (n === 1) out.delete(x);
    else out.set(x, n - 1);
  }
  // Pending gets took out what they claimed and freed (gone with their threads); recover() handed
  // back the rest of their claims. Together no more than those gets could take.
  const room = takeable - returned.length;
  if (missing.length > Math.max(room, 0)) {
    const why =
      takeable === 0
        ? '(lost)'
        : `(lost: pending gets could have taken ${takeable} item(s), recover() returned ${returned.length}, ` +
          `and ${missing.length} acknowledged item(s) are missing)`;
    for (const x of missing) problems.push(`item ${x} was acknowledged as put but never came out ${why}`);
  } else if (room < 0) {
    problems.push(
      `recover() returned ${returned.length} item(s), more than the pending gets could have claimed (${takeable})`,
    );
  }
  // A put still pending when the history ended may or may not have gone in: once is fine.
  for (const [x, n] of out) {
    if (n === 1 && maybe.has(x)) continue;
    problems.push(`item ${x} came out ${n} time(s) more than it was put`);
  }
  const droppable = [...maybe].filter((x) => !out.has(x)).length;
  const dropped = recovered.droppedPuts ?? 0;
  if (dropped > droppable) {
    problems.push(
      `recover() dropped ${dropped} unpublished put item(s), but only ${droppable} item(s) of pending puts never came out`,
    );
  }
  return problems;
}

// -----------------------------------------------------------------------------------------------
// Streaming a history through shared memory

/** The record a call starts with: its index in the thread's history, call, method and start. */
interface BeginRecord {
  readonly i: number;
  readonly c: QueueCall;
  readonly m: string | undefined;
  readonly s: number;
}

/** The record of a return: the call's index, its result and end. */
interface EndRecord {
  readonly i: number;
  readonly r: QueueResult;
  readonly e: number;
}

/** Int32 word 0: bytes of whole records; word 1: 1 once a record did not fit. Records from byte 8. */
const LOG_LENGTH = 0;
const LOG_OVERFLOW = 1;
const LOG_DATA = 8;

/**
 * One thread's history, streamed into shared memory as it happens, so that it survives the thread
 * being terminated at any instruction. The thread appends records (one line of JSON each) past
 * the published length, then publishes the new length with one Atomics.store; a reader's
 * Atomics.load of the length makes every byte before it visible. A record cut short by the
 * thread's death is past the length, so it is never read.
 *
 * One writer per log. A record that does not fit sets the overflow word and is left out, and
 * `readHistoryLog` then throws: size the log generously (`HistoryLog.create`).
 */
export class HistoryLog {
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  #used: number;
  static readonly #encoder = new TextEncoder();

  /** Memory for a log of about `records` records of ordinary size. */
  static create(records: number): SharedArrayBuffer {
    return new SharedArrayBuffer(LOG_DATA + 1024 * (records + 64));
  }

  constructor(readonly memory: SharedArrayBuffer) {
    this.#words = new Int32Array(memory, 0, 2);
    this.#bytes = new Uint8Array(memory, LOG_DATA);
    this.#used = Atomics.load(this.#words, LOG_LENGTH);
  }

  append(record: BeginRecord | EndRecord): void {
    if (this.#words[LOG_OVERFLOW] !== 0) return;
    const line = `${JSON.stringify(record)}\n`;
    const { read, written } = HistoryLog.#encoder.encodeInto(line, this.#bytes.subarray(this.#used));
    if (read !== line.length) {
      Atomics.store(this.#words, LOG_OVERFLOW, 1);
      return;
    }
    this.#used += written;
    Atomics.store(this.#words, LOG_LENGTH, this.#used); // publish the record
  }
}

/**
 * The history of `thread` as its log holds it now: every call whose start record was published,
 * with its result and end if its end record was, and as pending (end = Infinity) if not.
 */
export function readHistoryLog(memory: SharedArrayBuffer, thread: number): Operation[] {
  const words = new Int32Array(memory, 0, 2);
  const length = Atomics.load(words, LOG_LENGTH);
  if (Atomics.load(words, LOG_OVERFLOW) !== 0) {
    throw new Error(`the history log of thread ${thread} overflowed (${length} bytes): make it larger`);
  }
  // Decoding needs an unshared copy.
  const text = new TextDecoder().decode(new Uint8Array(memory, LOG_DATA, length).slice());
  const operations: Operation[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as Partial<BeginRecord & EndRecord>;
    if (record.c !== undefined) {
      const op: Operation = {
        thread,
        call: record.c,
        result: { kind: 'pending' },
        start: record.s as number,
        end: Infinity,
      };
      if (record.m !== undefined) (op as { method?: string }).method = record.m;
      operations[record.i as number] = op;
    } else {
      const op = operations[record.i as number];
      if (op === undefined)
        throw new Error(`thread ${thread}'s log returns from call ${record.i}, never made`);
      op.result = record.r as QueueResult;
      op.end = record.e as number;
    }
  }
  return operations;
}
