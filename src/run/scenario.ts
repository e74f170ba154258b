// Runs one scenario: creates the shared memory, starts one worker per actor (consumers first),
// hands their events on as they arrive (nothing is kept: memory stays flat however long the run),
// and stops them on request.
import type { Worker } from 'node:worker_threads';
import { BoundedBuffer } from '../queue/bounded-buffer.js';
import { Semaphore } from '../sync/semaphore.js';
import type { RunOptions } from './options.js';
import {
  CLASSIC_PRODUCERS_LEFT,
  CONTROL_WORDS,
  epochNow,
  GO,
  PRODUCERS_LEFT,
  type Role,
  type RunEvent,
  START_EPOCH_F64,
  STATE_WORDS,
  STOP,
  type WorkerConfig,
  type WorkerEvent,
} from './protocol.js';
import { siblingEntry, startWorker } from './spawn.js';
import { TimeOrder } from './time-order.js';

export interface ScenarioHooks {
  /** Called for every event, in the order of the log (see EventOrder). */
  onEvent?: (event: RunEvent) => void;
  /**
   * Called for every event as it arrives, before it is put in log order: each actor's events in
   * the order that actor made them (so each actor's `t` never decreases).
   */
  onActorEvent?: (event: RunEvent) => void;
  /** Called for every event in time order (see TimeOrder); only set it when needed. */
  onTimeOrdered?: (event: RunEvent) => void;
  /** Aborting stops every worker at its next step; the run then resolves with `stopped: true`. */
  signal?: AbortSignal;
}

export interface ScenarioResult {
  options: RunOptions;
  /** The actors, consumers first (the order they were started in). */
  actors: string[];
  /** Milliseconds from the start to the last worker's exit. */
  elapsed: number;
  /** True when the run was stopped before every actor finished. */
  stopped: boolean;
  /** The actors that posted `done`. */
  finished: ReadonlySet<string>;
}

/** How long workers get to stop by themselves before they are terminated. */
const STOP_GRACE_MS = 2000;

export function actorName(role: Role, index: number): string {
  return `${role}-${index}`;
}

export async function runScenario(options: RunOptions, hooks: ScenarioHooks = {}): Promise<ScenarioResult> {
  const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
  const controlWords = new Int32Array(control);
  controlWords[PRODUCERS_LEFT] = options.producers;
  const shared: Pick<WorkerConfig, 'classic' | 'buffer'> = {};
  if (options.mode === 'classic') {
    const state = new SharedArrayBuffer(STATE_WORDS * 4);
    new Int32Array(state)[CLASSIC_PRODUCERS_LEFT] = options.producers;
    shared.classic = {
      ring: new SharedArrayBuffer(options.capacity * 4),
      state,
      empty: new Semaphore(options.capacity).handle,
      full: new Semaphore(0).handle,
      mutex: new Semaphore(1).handle,
    };
    new Int32Array(shared.classic.ring).fill(-1); // the seed's buffer = [-1] * CAPACITY
  } else {
    shared.buffer = new BoundedBuffer<number>({ capacity: options.capacity, codec: 'int32' }).handle;
  }

  const actors: { name: string; role: Role; index: number }[] = [];
  for (let i = 1; i <= options.consumers; i++)
    actors.push({ name: actorName('consumer', i), role: 'consumer', index: i });
  for (let i = 1; i <= options.producers; i++)
    actors.push({ name: actorName('producer', i), role: 'producer', index: i });

  const finished = new Set<string>();
  const onTimeOrdered = hooks.onTimeOrdered;
  let timeOrder: TimeOrder<RunEvent> | undefined;
  const order = new EventOrder(options.mode === 'classic', (event) => {
    hooks.onEvent?.(event);
    timeOrder?.push(event);
  });
  if (onTimeOrdered !== undefined) {
    timeOrder = new TimeOrder(
      actors.map((a) => a.name),
      () => order.heldMinT(),
      onTimeOrdered,
    );
  }
  const acks = new Int32Array(new SharedArrayBuffer(actors.length * 4));
  const entry = siblingEntry('worker', import.meta.url);
  const workers: Worker[] = [];
  const exits: Promise<void>[] = [];
  let failure: unknown;
  let stopped = false;
  let startEpoch = epochNow();

  const stop = () => {
    if (stopped) return;
    stopped = true;
    Atomics.store(controlWords, STOP, 1); // every sleep and every wait slice sees this
    Atomics.notify(controlWords, STOP);
    const timer = setTimeout(() => {
      for (const worker of workers) void worker.terminate();
    }, STOP_GRACE_MS);
    timer.unref();
  };
  const onAbort = () => stop();
  hooks.signal?.addEventListener('abort', onAbort, { once: true });

  const ready: Promise<void>[] = [];
  for (const [slot, actor] of actors.entries()) {
    const config: WorkerConfig = {
      role: actor.role,
      index: actor.index,
      actor: actor.name,
      mode: options.mode,
      items: options.items,
      consumers: options.consumers,
      sleep: actor.role === 'producer' ? options.produceMs : options.consumeMs,
      timeScale: options.timeScale,
      seed: options.seed,
      control,
      acks: acks.buffer as SharedArrayBuffer,
      slot,
      ...shared,
    };
    const worker = startWorker(entry, { workerData: config });
    workers.push(worker);
    let markReady: () => void = () => {};
    ready.push(new Promise<void>((resolve) => (markReady = resolve)));
    worker.on('message', (message: WorkerEvent[] | { ready: true }) => {
      if (!Array.isArray(message)) return markReady();
      for (const workerEvent of message) {
        const event = workerEvent as RunEvent;
        event.actor = actor.name;
        if (event.event === 'done') finished.add(actor.name);
        hooks.onActorEvent?.(event);
        timeOrder?.saw(actor.name, event.t, event.event === 'done');
        order.add(event);
      }
      timeOrder?.release();
      Atomics.add(acks, slot, 1); // publish: one more batch handled (the worker may be waiting)
      Atomics.notify(acks, slot);
    });
    exits.push(
      new Promise<void>((resolve) => {
        worker.once('error', (error) => {
          failure ??= error;
          stop();
        });
        worker.once('exit', () => {
          markReady();
          resolve();
        });
      }),
    );
  }

  try {
    await Promise.race([Promise.all(ready), Promise.all(exits)]);
    if (!stopped) {
      startEpoch = epochNow();
      new Float64Array(control)[START_EPOCH_F64] = startEpoch; // published by the store to GO below
      Atomics.store(controlWords, GO, 1); // publish: consumers begin, then producers
      Atomics.notify(controlWords, GO);
    }
    await Promise.all(exits);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure;
  const elapsed = Math.round((epochNow() - startEpoch) * 1000) / 1000;
  order.flush();
  timeOrder?.flush();
  return {
    options,
    actors: actors.map((a) => a.name),
    elapsed,
    stopped: stopped || finished.size < actors.length,
    finished,
  };
}

/**
 * Puts events from several workers into one log order. Messages from different workers may
 * arrive in any order, so:
 * - classic mode: produced/consumed events carry `seq`, taken under `mutex`; they are released
 *   in seq order, so the log matches what happened in the ring exactly;
 * - buffer mode: a consumed event waits until its item's produced event has been released, and
 *   its `t` is raised to that event's `t` if the two clock reads came out the other way round.
 * Other events (wait, wake, sleep, …) pass straight through.
 */
export class EventOrder {
  #nextSeq = 0;
  readonly #bySeq = new Map<number, RunEvent>();
  readonly #produced = new Map<number, number>();
  readonly #pendingConsumed = new Map<number, RunEvent>();

  constructor(
    private readonly sequenced: boolean,
    private readonly emit: (event: RunEvent) => void,
  ) {}

  add(event: RunEvent): void {
    if (this.sequenced && event.seq !== undefined) {
      this.#bySeq.set(event.seq, event);
      for (
        let next = this.#bySeq.get(this.#nextSeq);
        next !== undefined;
        next = this.#bySeq.get(this.#nextSeq)
      ) {
        this.#bySeq.delete(this.#nextSeq++);
        this.#release(next);
      }
      return;
    }
    if (!this.sequenced && event.event === 'consumed' && !this.#produced.has(event.item!)) {
      this.#pendingConsumed.set(event.item!, event);
      return;
    }
    this.#release(event);
  }

  /** The smallest `t` among the events held back (Infinity when none): TimeOrder's bound. */
  heldMinT(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const event of this.#bySeq.values()) min = Math.min(min, event.t);
    for (const event of this.#pendingConsumed.values()) min = Math.min(min, event.t);
    return min;
  }

  /** Releases whatever is still held (only after a stop or a worker failure). */
  flush(): void {
    for (const seq of [...this.#bySeq.keys()].sort((a, b) => a - b)) this.#release(this.#bySeq.get(seq)!);
    this.#bySeq.clear();
    for (const event of this.#pendingConsumed.values()) this.#release(event);
    this.#pendingConsumed.clear();
  }

  #release(event: RunEvent): void {
    if (!this.sequenced && event.event === 'consumed') {
      const producedAt = this.#produced.get(event.item!);
      if (producedAt !== undefined && event.t < producedAt) event.t = producedAt;
      this.#produced.delete(event.item!); // each item is consumed once: the map stays small
    }
    event.seq = undefined; // not `delete`, which would slow every later access to the event
    this.emit(event);
    if (!this.sequenced && event.event === 'produced') {
      this.#produced.set(event.item!, event.t);
      const waiting = this.#pendingConsumed.get(event.item!);
      if (waiting !== undefined) {
        this.#pendingConsumed.delete(event.item!);
        this.#release(waiting);
      }
    }
  }
}
