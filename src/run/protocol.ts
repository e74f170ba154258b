// What the main thread and the scenario's workers share: the worker's configuration, the control
// words in shared memory, and the events a worker posts.
import type { BoundedBufferHandle } from '../queue/bounded-buffer.js';
import type { SemaphoreHandle } from '../sync/semaphore.js';
import type { RunMode, SleepRange } from './options.js';

export type Role = 'producer' | 'consumer';
export type SemaphoreName = 'empty' | 'full' | 'mutex';

/**
 * The events of the trace (`produced`, `consumed`, `wait`, `wake`, `done`) plus three that only
 * draw the timeline: `start` (the actor began), `sleep` (it began its sleep after an item) and
 * `work` (the sleep ended).
 */
export type EventName = 'start' | 'produced' | 'consumed' | 'wait' | 'wake' | 'sleep' | 'work' | 'done';
export const TRACE_EVENTS: ReadonlySet<EventName> = new Set(['produced', 'consumed', 'wait', 'wake', 'done']);

/** One event, as a worker posts it (the main thread adds the actor). */
export interface WorkerEvent {
  /** Milliseconds since the run's start (both clocks are performance.timeOrigin + now()). */
  t: number;
  event: EventName;
  item?: number;
  on?: SemaphoreName;
  /** Items in the buffer after the event. */
  occupancy: number;
  /** Classic mode: the order of produced/consumed events, taken under `mutex`. */
  seq?: number;
  /** A consumed item delivered again after a consumer died (--backend redis): its delivery number. */
  attempt?: number;
}

export interface RunEvent extends WorkerEvent {
  /** `producer-1`, `consumer-2`, … */
  actor: string;
}

// Control words (Int32Array over `control`); all accessed with Atomics.
/** 0 while workers wait to begin; 1 lets consumers begin; producers begin when STARTED reaches `consumers`. */
export const GO = 0;
/** Consumers that have begun; producers wait for all of them (the seed starts the consumer first). */
export const STARTED = 1;
/** 1 once the main thread asks every worker to stop (Ctrl-C); sleeps wait on this word. */
export const STOP = 2;
/** Producers not yet finished; the one that brings it to 0 closes the buffer. (buffer mode) */
export const PRODUCERS_LEFT = 3;
/** The last item number handed out (buffer mode, by Atomics.add; classic mode uses ITEMS_MADE). */
export const LAST_ITEM = 4;
export const CONTROL_WORDS = 8;
/** Float64 index (over the same memory) of the run's start, as performance.timeOrigin + now(). */
export const START_EPOCH_F64 = 3; // bytes 24..31 (words 6 and 7)

// Classic mode's ring state (Int32Array over `classic.state`); every word is read and written
// only while holding the `mutex` semaphore, as the seed's globals are.
/** The seed's in_index: the next slot to fill. */
export const IN = 0;
/** The seed's out_index: the next slot to empty. */
export const OUT = 1;
/** Items in the ring (not in the seed: kept for the trace's occupancy). */
export const COUNT = 2;
/** 1 once the last producer finished (and released the extra `full` token); written under `mutex`. */
export const ALL_PRODUCED = 3;
/** Producers still producing. */
export const CLASSIC_PRODUCERS_LEFT = 4;
/** Next sequence number of a produced/consumed event. */
export const SEQ = 5;
/** The last item number made: the seed's counter, shared so that items are unique across producers. */
export const ITEMS_MADE = 6;
export const STATE_WORDS = 8;

// Event batches: a worker posts its events in batches (an array of WorkerEvent) of at most
// BATCH_EVENTS, and always before it blocks or sleeps, so the log stays live. Flow control keeps
// memory flat however many items a run has: `acks[index]` (Int32Array over `WorkerConfig.acks`,
// one word per actor) counts the batches the main thread has handled; only the main thread
// writes it. A worker with more than MAX_BATCHES_IN_FLIGHT unhandled batches waits for it.
export const BATCH_EVENTS = 512;
export const MAX_BATCHES_IN_FLIGHT = 8;

export interface WorkerConfig {
  role: Role;
  /** 1-based, per role. */
  index: number;
  actor: string;
  mode: RunMode;
  /** Items to make (producers). */
  items: number;
  consumers: number;
  sleep: SleepRange;
  timeScale: number;
  seed: number;
  control: SharedArrayBuffer;
  /** One word per actor (at `slot`): batches the main thread has handled (see BATCH_EVENTS). */
  acks: SharedArrayBuffer;
  /** This actor's word in `acks`. */
  slot: number;
  classic?: {
    ring: SharedArrayBuffer;
    state: SharedArrayBuffer;
    empty: SemaphoreHandle;
    full: SemaphoreHandle;
    mutex: SemaphoreHandle;
  };
  buffer?: BoundedBufferHandle;
}

/** Now, on a clock that every thread shares. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
