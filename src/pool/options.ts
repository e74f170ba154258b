// WorkerPool's options and their checks: every bad value is refused in the constructor (or the
// call), with its name and what was given.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { checkInteger, checkOptions, describe } from '../internal/validate.js';
import { MAX_SLOT_BYTES } from '../queue/bounded-buffer/layout.js';
import { MAX_CAPACITY } from './buffer.js';
import { MAX_BATCH, ticketCount } from './protocol.js';

export interface WorkerPoolOptions {
  /** Worker threads: an integer from 1 to 256 (default: the machine's available parallelism). */
  threads?: number;
  /** Tasks that may wait in the queue; run() waits for room beyond it (default 1024). */
  queue?: number;
  /**
   * How tasks and results travel: 'json' (the default: fastest for plain data) or 'structured'
   * (the structured clone algorithm: Map, Set, Date, typed arrays, BigInt, cycles).
   */
  codec?: 'json' | 'structured';
  /** The largest encoded task or result, in bytes (default 4096). */
  slotBytes?: number;
  /** Passed to each worker (`maxOldGenerationSizeMb`…): a worker that exceeds them dies and is replaced. */
  resourceLimits?: ResourceLimits;
}

export interface RunOptions {
  /** Milliseconds to wait for room in the queue: 0 tries once, Infinity (the default) waits. */
  timeout?: number;
  /** Aborting it cancels the task: removed if queued, its `signal` aborted if running. */
  signal?: AbortSignal;
}

export interface MapOptions {
  /** Results in the source's order (the default), or as they complete. */
  ordered?: boolean;
  /** Aborting it stops the map: its tasks are cancelled and the iteration throws `signal.reason`. */
  signal?: AbortSignal;
}

export interface PoolSettings {
  module: URL;
  threads: number;
  queue: number;
  codec: 'json' | 'structured';
  slotBytes: number;
  tickets: number;
  resourceLimits: ResourceLimits | undefined;
}

export const MAX_THREADS = 256;
const DEFAULT_QUEUE = 1024;
const DEFAULT_SLOT_BYTES = 4096;

export function checkPoolOptions(module: unknown, given: WorkerPoolOptions | undefined): PoolSettings {
  const url = checkModule(module);
  const options = checkOptions(given);
  const threads =
    options.threads === undefined
      ? Math.min(MAX_THREADS, availableParallelism())
      : checkInteger('threads', options.threads, 1, MAX_THREADS);
  const queue =
    options.queue === undefined
      ? DEFAULT_QUEUE
      : checkInteger('queue', options.queue, 1, MAX_CAPACITY - MAX_THREADS * (MAX_BATCH + 1));
  const codec = options.codec ?? 'json';
  if (codec !== 'json' && codec !== 'structured') {
    throw new TypeError(`codec must be 'json' or 'structured', got ${describe(codec)}`);
  }
  const slotBytes =
    options.slotBytes === undefined
      ? DEFAULT_SLOT_BYTES
      : checkInteger('slotBytes', options.slotBytes, 16, MAX_SLOT_BYTES);
  const tickets = ticketCount(queue, threads);
  const bytes = tickets * slotBytes;
  if (bytes > 2 ** 31) {
    throw new RangeError(
      `queue × slotBytes is too large: ${tickets} payload slots of ${slotBytes} bytes would take ${bytes} bytes (at most 2 GiB)`,
    );
  }
  const { resourceLimits } = options;
  if (resourceLimits !== undefined && (resourceLimits === null || typeof resourceLimits !== 'object')) {
    throw new TypeError(`resourceLimits must be an object, got ${describe(resourceLimits)}`);
  }
  return { module: url, threads, queue, codec, slotBytes, tickets, resourceLimits };
}

/** The task module: a file: URL or a path, to a .js, .mjs, .cjs or .ts file that exists. */
function checkModule(module: unknown): URL {
  let url: URL;
  if (module instanceof URL) url = module;
  else if (typeof module === 'string' && module.startsWith('file:')) url = new URL(module);
  else if (typeof module === 'string' && module.length > 0) url = pathToFileURL(module);
  else {
    throw new TypeError(
      `WorkerPool needs its task module as a URL or a path (new URL('./task.js', import.meta.url)), got ${describe(module)}`,
    );
  }
  if (url.protocol !== 'file:') {
    throw new TypeError(`WorkerPool's task module must be a file: URL, got ${url.href}`);
  }
  if (!existsSync(fileURLToPath(url))) {
    throw new TypeError(`WorkerPool's task module ${url.href} does not exist`);
  }
  return url;
}
