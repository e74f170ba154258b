// What pool.stats reports: plain numbers, ready for a metrics exporter (gauges and counters).
import { SLOT_BUSY, SLOT_BUSY_MS, SLOT_BUSY_US, SLOT_TASKS, SLOT_WORDS } from './protocol.js';

export interface WorkerStats {
  /** The worker's thread id (changes when a dead worker is replaced). */
  readonly threadId: number;
  /** Share of its life spent running tasks, 0 to 1. */
  readonly busy: number;
  /** Milliseconds spent running tasks (a counter). */
  readonly busyMs: number;
  /** Tasks it finished, with a result or an error (a counter). */
  readonly tasks: number;
}

export interface PoolStats {
  readonly threads: number;
  /** Tasks in the queue (a snapshot; a cancelled task counts until a worker skips it). */
  readonly queued: number;
  /** run() calls (and map() tasks) waiting for room in the queue. */
  readonly waiting: number;
  /** Tasks a worker is running now. */
  readonly running: number;
  /** Tasks that gave a result (a counter). */
  readonly completed: number;
  /** Tasks that threw, or whose worker died (a counter). */
  readonly failed: number;
  /** Tasks cancelled by their signal, a timeout, or close({ immediate: true }) (a counter). */
  readonly cancelled: number;
  readonly workers: readonly WorkerStats[];
}

/** Workers running a task now (each runs one at a time). */
export function countRunning(control: Int32Array, counters: number, slots: number): number {
  let running = 0;
  for (let slot = 0; slot < slots; slot++)
    running += Atomics.load(control, counters + slot * SLOT_WORDS + SLOT_BUSY);
  return running;
}

/** One worker's figures from its counter words. */
export function workerStats(
  control: Int32Array,
  counters: number,
  slot: number,
  threadId: number,
  startedAt: number,
): WorkerStats {
  const at = counters + slot * SLOT_WORDS;
  const busyMs = Atomics.load(control, at + SLOT_BUSY_MS) + Atomics.load(control, at + SLOT_BUSY_US) / 1000;
  const life = performance.now() - startedAt;
  return {
    threadId,
    busy: life > 0 ? Math.min(1, busyMs / life) : 0,
    busyMs,
    tasks: Atomics.load(control, at + SLOT_TASKS),
  };
}
