// WorkerPool: a web server's worker pool on shared memory. Tasks wait in a BoundedBuffer that the
// workers pull from; results come back through a second one; submitting waits for room.
//
// Its parts: line.ts (tickets, and tasks waiting for room), results.ts (reading results back),
// deaths.ts (what a dead worker leaves), crew.ts (starting a worker), map.ts (pool.map()).
//
// Invariants (see protocol.ts for the ticket states, line.ts for where a ticket can be):
//   - every ticket put in the tasks buffer comes back once: through the results buffer (read by
//     results.ts), a dead worker's leftovers (deaths.ts), or close({ immediate: true }) (#closeNow);
//   - an entry is settled once: by its outcome, its cancel, a dead worker, or close; `unsettled`
//     counts the entries not settled yet (waiting for room, queued or running), and results are
//     read (holding the process open) exactly while it is above 0;
//   - the results buffer never fills: its capacity is the number of tickets.
// Only the main thread runs this file: everything here is one thread's state, except the words of
// `control` (protocol.ts) and the two buffers.
import { TimeoutError } from '../errors.js';
import { checkSignal, checkTimeout, describe } from '../internal/validate.js';
import { bindCodec, type SlotCodec } from '../queue/codec.js';
import { BoundedBuffer, QueueClosedError } from './buffer.js';
import { startPoolWorker, type WorkerRecord } from './crew.js';
import { afterDeath, type DeathHost } from './deaths.js';
import { Entry, PromiseSink, type Sink } from './entry.js';
import { TaskModuleError } from './errors.js';
import { Line } from './line.js';
import { MapRun } from './map.js';
import {
  checkPoolOptions,
  type MapOptions,
  type PoolSettings,
  type RunOptions,
  type WorkerPoolOptions,
} from './options.js';
import {
  type AbortMessage,
  CANCELLED,
  controlLayout,
  FREE,
  isRunning,
  slotOf,
  slotStride,
} from './protocol.js';
import { ResultReader } from './results.js';
import { countRunning, type PoolStats, workerStats } from './stats.js';

/**
 * A pool of worker threads running the default export of one task module,
 * `(task, { signal }) => result` (sync or async). `run()` waits for room while the queue is full;
 * `map()` streams any iterable through the pool with memory bounded by the queue.
 */
export class WorkerPool<Task = unknown, Result = unknown> implements AsyncDisposable {
  readonly #settings: PoolSettings;
  readonly #control: Int32Array;
  readonly #payloads: SharedArrayBuffer;
  readonly #codec: SlotCodec<unknown>;
  readonly #tasks: BoundedBuffer<number>;
  readonly #results: BoundedBuffer<number>;
  readonly #counters: number;
  /** The tickets and the tasks waiting for room (line.ts). */
  readonly #line: Line;
  /** Reads results back while anything is awaited (results.ts). */
  readonly #reader: ResultReader;
  /** What deaths.ts needs to put a dead worker's tasks right. */
  readonly #deaths: DeathHost;
  readonly #workers: (WorkerRecord | undefined)[];
  #unsettled = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #closed = false;
  #immediate = false;
  #stopping = false;
  #closing: Promise<Task[]> | undefined;
  #handedBack: Task[] = [];
  #drained: (() => void) | undefined;
  #broken: unknown;
  #readyCount = 0;
  readonly #ready: Promise<void>;
  #readyResolve!: () => void;
  #readyReject!: (error: unknown) => void;

  constructor(module: URL | string, options?: WorkerPoolOptions) {
    const settings = checkPoolOptions(module, options);
    this.#settings = settings;
    const { tickets, threads, slotBytes } = settings;
    const layout = controlLayout(tickets, threads);
    this.#counters = layout.counters;
    this.#control = new Int32Array(new SharedArrayBuffer(layout.words * 4));
    const stride = slotStride(slotBytes);
    this.#payloads = new SharedArrayBuffer(tickets * stride);
    this.#codec = bindCodec(settings.codec, undefined, this.#payloads, 0, tickets, stride, slotBytes);
    this.#tasks = new BoundedBuffer<number>({ capacity: settings.queue });
    this.#results = new BoundedBuffer<number>({ capacity: tickets });
    this.#line = new Line(this.#control, this.#codec, this.#tasks, settings.queue, tickets, {
      unsettled: () => this.#unsettled,
      closedNow: () => this.#immediate,
      collect: () => this.#reader.collect(),
      settle: (entry, ok, value) => this.#settle(entry, ok, value),
    });
    this.#reader = new ResultReader(this.#results, this.#control, layout.outcomes, this.#codec, this.#line, {
      unsettled: () => this.#unsettled,
      settle: (entry, ok, value) => this.#settle(entry, ok, value),
      countOutcome: (ok) => {
        if (ok) this.#completed++;
        else this.#failed++;
      },
    });
    this.#deaths = {
      control: this.#control,
      line: this.#line,
      tasks: this.#tasks,
      tickets,
      closedNow: () => this.#immediate,
      settle: (entry, ok, value) => this.#settle(entry, ok, value),
      closedError: (task) => this.#closedError(task),
      countFailed: () => {
        this.#failed++;
      },
    };
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#readyResolve = resolve;
      this.#readyReject = reject;
    });
    this.#ready.catch(() => {}); // reported through run(), map() and `ready`
    this.#workers = new Array(threads).fill(undefined);
    for (let slot = 0; slot < threads; slot++) this.#startWorker(slot);
  }

  /** Resolves once every worker has loaded the task module; rejects with a TaskModuleError if it cannot be used. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  get threads(): number {
    return this.#settings.threads;
  }

  /** The queue's capacity (`options.queue`). */
  get queue(): number {
    return this.#settings.queue;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---------------------------------------------------------------------------------------------
  // Submitting

  /**
   * Runs `task` on a worker and resolves with its result. Waits for room while the queue is full
   * (`timeout: 0` rejects at once with a TimeoutError then); aborting `signal` cancels the task.
   */
  run(task: Task, options?: RunOptions): Promise<Result> {
    let timeout: number;
    let signal: AbortSignal | undefined;
    let prepared: unknown;
    try {
      if (options !== undefined && (options === null || typeof options !== 'object')) {
        throw new TypeError(`run(): options must be an object, got ${describe(options)}`);
      }
      timeout = checkTimeout(options?.timeout);
      signal = checkSignal(options?.signal);
      this.#checkOpen(task);
      if (signal?.aborted) throw signal.reason;
      prepared = this.#codec.prepare(task); // a task the codec cannot carry fails here, before anything is queued
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Result>((resolve, reject) => {
      const entry = new Entry(task, prepared, new PromiseSink(resolve, reject));
      if (timeout === 0 && !this.#line.tryQueueNow(entry)) {
        reject(new TimeoutError(0, 'WorkerPool.run (the queue is full)'));
        return;
      }
      this.#unsettled++;
      if (entry.ticket >= 0) {
        this.#listen(entry, Number.POSITIVE_INFINITY, signal);
        this.#reader.collect();
        return;
      }
      this.#listen(entry, timeout, signal);
      this.#line.enqueue(entry);
    });
  }

  /**
   * Runs every task of `source` (any iterable or async iterable, possibly endless) and yields
   * the results, in the source's order (`ordered: true`, the default) or as they complete. At most
   * `queue` + a batch per worker tasks are in flight, whatever the source's length. Stopping the
   * iteration (break, throw) cancels the tasks still in flight and calls the source's return().
   */
  map(source: Iterable<Task> | AsyncIterable<Task>, options?: MapOptions): AsyncIterableIterator<Result> {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`map(): options must be an object, got ${describe(options)}`);
    }
    const ordered = options?.ordered ?? true;
    if (typeof ordered !== 'boolean') {
      throw new TypeError(`map(): ordered must be a boolean, got ${describe(ordered)}`);
    }
    const signal = checkSignal(options?.signal);
    this.#checkOpen(undefined);
    const run = new MapRun<Result>(source, ordered, this.#settings.tickets, signal, {
      submit: (task, index, sink) => this.#submit(task, index, sink),
      cancel: (entry, reason) => this.#cancel(entry, reason),
    });
    return run.results();
  }

  /** Checks that the pool takes tasks: not closed, its task module usable. */
  #checkOpen(task: unknown): void {
    if (this.#broken !== undefined) throw this.#broken;
    if (this.#closed) throw this.#closedError(task);
  }

  #closedError(task: unknown): Error {
    if (this.#broken !== undefined) return this.#broken as Error;
    return new QueueClosedError('cannot run: the WorkerPool is closed', { item: task });
  }

  /** map()'s way in: encodes and enqueues one task (throws if the codec cannot carry it). */
  #submit(task: unknown, index: number, sink: Sink): Entry {
    this.#checkOpen(task);
    const entry = new Entry(task, this.#codec.prepare(task), sink, index);
    this.#unsettled++;
    this.#line.enqueue(entry);
    return entry;
  }

  #listen(entry: Entry, timeout: number, signal: AbortSignal | undefined): void {
    if (timeout !== Number.POSITIVE_INFINITY && entry.ticket < 0) {
      entry.timer = setTimeout(
        () =>
          this.#cancel(entry, new TimeoutError(timeout, 'WorkerPool.run (waiting for room in the queue)')),
        timeout,
      );
    }
    if (signal !== undefined) {
      entry.signal = signal;
      entry.onAbort = () => this.#cancel(entry, signal.reason);
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
  }

  /** Delivers an entry's outcome, once. */
  #settle(entry: Entry, ok: boolean, value: unknown): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.unlisten();
    this.#unsettled--;
    if (this.#unsettled === 0) {
      this.#reader.stop(); // nothing is awaited: stop holding the process open
      this.#checkDrained();
    }
    entry.sink.settle(entry, ok, value);
  }

  /**
   * Gives up on an entry: a waiting one leaves the line; a queued or claimed one is marked
   * CANCELLED (its worker skips it); a running one has its signal aborted in the worker. The
   * entry settles at once with `reason` either way.
   */
  #cancel(entry: Entry, reason: unknown): void {
    if (entry.settled) return;
    const ticket = entry.ticket;
    if (ticket >= 0) {
      for (;;) {
        const state = Atomics.load(this.#control, ticket);
        if (state === FREE || state === CANCELLED) break;
        if (isRunning(state)) {
          this.#workers[slotOf(state)]?.worker.postMessage({ abort: ticket } satisfies AbortMessage);
          break;
        }
        if (Atomics.compareExchange(this.#control, ticket, state, CANCELLED) === state) break;
      }
    } else if (this.#line.putting?.entry === entry) {
      this.#line.putting.abort.abort();
    }
    this.#cancelled++;
    this.#settle(entry, false, reason);
  }

  // ---------------------------------------------------------------------------------------------
  // Workers

  #startWorker(slot: number): void {
    const shared = {
      control: this.#control,
      counters: this.#counters,
      payloads: this.#payloads,
      tasks: this.#tasks,
      results: this.#results,
    };
    this.#workers[slot] = startPoolWorker(
      this.#settings,
      shared,
      slot,
      this.#closed,
      () => {
        if (++this.#readyCount === this.#settings.threads) this.#readyResolve();
      },
      (record, code) => this.#onExit(record, code),
    );
  }

  /** A worker ended: settle what it held, put back what it had not started (deaths.ts), replace it if needed. */
  #onExit(record: WorkerRecord, code: number): void {
    const { slot } = record;
    if (this.#workers[slot] === record) this.#workers[slot] = undefined;
    if (!record.ready && !this.#stopping) {
      this.#breakPool(record);
      return;
    }
    // Everything it returned before dying is in the results buffer now: read it first.
    this.#reader.readWhatIsThere();
    afterDeath(this.#deaths, record, code);
    if (!this.#stopping) this.#startWorker(slot);
    this.#line.pump();
  }

  /** A worker could not load the task module: refuse everything, queued or waiting. */
  #breakPool(record: WorkerRecord): void {
    const error =
      record.error instanceof TaskModuleError
        ? record.error
        : new TaskModuleError(this.#settings.module.href, 'its worker could not start', record.error);
    if (this.#broken === undefined) {
      this.#broken = error;
      this.#readyReject(error);
    }
    for (const other of this.#workers) other?.worker.terminate();
    void this.close({ immediate: true });
  }

  /**
   * Ends the worker whose thread id is `threadId` at once (for a task stuck in a loop): its
   * running task rejects with a WorkerDiedError, its unstarted tasks go back to the queue, and
   * a fresh worker takes its place. False if no worker of the pool has that id.
   */
  async terminateWorker(threadId: number): Promise<boolean> {
    const record = this.#workers.find((r) => r?.threadId === threadId);
    if (record === undefined) return false;
    record.terminated = true;
    await record.worker.terminate();
    await record.exited;
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Closing

  /**
   * Stops taking tasks (run() and map() reject with QueueClosedError; calls still waiting for
   * room are refused), lets the queued and running tasks finish, then ends the workers. With
   * `{ immediate: true }` the queued tasks are refused too (each run() rejects with a
   * QueueClosedError carrying its task, and the promise resolves with them), and running tasks'
   * signals are aborted. Resolves once every worker has exited.
   */
  close(options?: { immediate?: boolean }): Promise<Task[]> {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      return Promise.reject(new TypeError(`close(): options must be an object, got ${describe(options)}`));
    }
    const immediate = options?.immediate ?? false;
    if (typeof immediate !== 'boolean') {
      return Promise.reject(
        new TypeError(`close(): immediate must be a boolean, got ${describe(immediate)}`),
      );
    }
    this.#closed = true;
    for (const record of this.#workers) record?.worker.ref(); // close() is awaited: keep the process up
    for (let i = this.#line.waitingHead; i < this.#line.waiting.length; i++) {
      const entry = this.#line.waiting[i];
      this.#settle(entry, false, this.#closedError(entry.task));
    }
    this.#line.putting?.abort.abort();
    if (immediate && !this.#immediate) this.#closeNow();
    this.#closing ??= this.#finish();
    return this.#closing;
  }

  /** close({ immediate: true }): refuses what is queued, aborts what runs. */
  #closeNow(): void {
    this.#immediate = true;
    const control = this.#control;
    const handBack = (ticket: number) => {
      if (Atomics.load(control, ticket) === FREE) return; // handed back already (a put raced with the close)
      const entry = this.#line.entries[ticket];
      this.#line.release(ticket);
      if (entry !== undefined && !entry.settled) {
        this.#handedBack.push(entry.task as Task);
        this.#cancelled++;
        this.#settle(entry, false, this.#closedError(entry.task));
      }
    };
    for (const ticket of this.#tasks.close({ immediate: true })) handBack(ticket);
    for (const ticket of this.#line.requeue.splice(0)) handBack(ticket);
    for (let ticket = 0; ticket < this.#settings.tickets; ticket++) {
      const entry = this.#line.entries[ticket];
      if (entry === undefined || entry.settled) continue;
      const state = Atomics.load(control, ticket);
      if (slotOf(state) >= 0 && !isRunning(state)) {
        if (Atomics.compareExchange(control, ticket, state, CANCELLED) === state) {
          this.#handedBack.push(entry.task as Task);
          this.#cancelled++;
          this.#settle(entry, false, this.#closedError(entry.task));
        }
      } else if (isRunning(state)) {
        this.#workers[slotOf(state)]?.worker.postMessage({ abort: ticket } satisfies AbortMessage);
      }
    }
  }

  async #finish(): Promise<Task[]> {
    // Let queued and running tasks finish (cancelled ones left in the queue are skipped by the
    // workers as they drain it; aborted ones still running end with their worker).
    await new Promise<void>((resolve) => {
      this.#drained = resolve;
      this.#checkDrained();
    });
    this.#stopping = true;
    this.#line.putting?.abort.abort();
    this.#tasks.close();
    await Promise.all(this.#workers.map((record) => record?.exited));
    return this.#handedBack;
  }

  #checkDrained(): void {
    if (this.#drained === undefined || this.#unsettled > 0) return;
    const resolve = this.#drained;
    this.#drained = undefined;
    resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Stats

  /** A snapshot of the queue, the tasks and each worker. */
  get stats(): PoolStats {
    const workers = [];
    for (const record of this.#workers) {
      if (record === undefined) continue;
      workers.push(
        workerStats(this.#control, this.#counters, record.slot, record.threadId, record.startedAt),
      );
    }
    let waiting = 0;
    for (let i = this.#line.waitingHead; i < this.#line.waiting.length; i++)
      if (!this.#line.waiting[i].settled) waiting++;
    return {
      threads: this.#settings.threads,
      queued: this.#tasks.size,
      waiting,
      running: countRunning(this.#control, this.#counters, this.#settings.threads),
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      workers,
    };
  }
}
