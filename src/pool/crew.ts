// Starting one of a WorkerPool's workers: its configuration, TypeScript handling, the buffers'
// recovery watch, and what it says at start-up.
import type { Worker } from 'node:worker_threads';
import { siblingEntry } from '../run/spawn.js';
import { startWorker } from '../worker/start-worker.js';
import type { BoundedBuffer } from './buffer.js';
import { TaskModuleError } from './errors.js';
import type { PoolSettings } from './options.js';
import { SLOT_WORDS, type StartupMessage, type WorkerConfig } from './protocol.js';
import { type ErrorShape, fromShape } from './remote-error.js';

/** One worker of the pool, as the main thread tracks it. */
export interface WorkerRecord {
  readonly worker: Worker;
  readonly slot: number;
  readonly threadId: number;
  readonly startedAt: number;
  /** It loaded the task module and serves. */
  ready: boolean;
  /** Why it failed, if it did: its 'error' event, or a TaskModuleError it reported. */
  error: unknown;
  /** Tickets its unfinished get had claimed (recover()'s `returned`). */
  returned: number[];
  /** Ended by pool.terminateWorker(). */
  terminated: boolean;
  exited: Promise<void>;
}

export interface Shared {
  control: Int32Array;
  /** Where the workers' counter words start in `control`. */
  counters: number;
  payloads: SharedArrayBuffer;
  tasks: BoundedBuffer<number>;
  results: BoundedBuffer<number>;
}

const ENTRY = siblingEntry('worker', import.meta.url);

/**
 * Starts the worker of `slot`. `onReady` runs when it has loaded the task module; `onExit` runs
 * on its 'exit' event, after both buffers have been repaired (their watch listeners come first).
 */
export function startPoolWorker(
  settings: PoolSettings,
  shared: Shared,
  slot: number,
  keepProcessAlive: boolean,
  onReady: () => void,
  onExit: (record: WorkerRecord, code: number) => void,
): WorkerRecord {
  const config: WorkerConfig = {
    module: settings.module.href,
    codec: settings.codec,
    slotBytes: settings.slotBytes,
    tickets: settings.tickets,
    slots: settings.threads,
    slot,
    control: shared.control.buffer as SharedArrayBuffer,
    payloads: shared.payloads,
    tasks: shared.tasks.handle,
    results: shared.results.handle,
  };
  // The slot's counters start again with its new worker (the old one has exited).
  shared.control.fill(0, shared.counters + slot * SLOT_WORDS, shared.counters + (slot + 1) * SLOT_WORDS);
  const worker = startWorker(ENTRY, {
    workerData: config,
    resourceLimits: settings.resourceLimits,
    // conveyor's own .ts sources need tsx; a user's .ts task module runs as startWorker decides.
    typescript: ENTRY.pathname.endsWith('.ts') ? 'tsx' : /\.(c|m)?ts$/.test(settings.module.pathname),
  });
  if (!keepProcessAlive) worker.unref(); // an idle pool does not hold the process open; awaited tasks do
  const record: WorkerRecord = {
    worker,
    slot,
    threadId: worker.threadId,
    startedAt: performance.now(),
    ready: false,
    error: undefined,
    returned: [],
    terminated: false,
    exited: Promise.resolve(),
  };
  // Recovery first: by the pool's own 'exit' listener both buffers are repaired.
  shared.tasks.watch(worker, (report) => record.returned.push(...report.returned));
  shared.results.watch(worker);
  worker.on('message', (message: StartupMessage) => {
    if (message.ready) {
      record.ready = true;
      onReady();
    } else {
      record.error ??= new TaskModuleError(
        settings.module.href,
        `it could not be used: ${(message.error as ErrorShape).message}`,
        fromShape(message.error as ErrorShape),
      );
    }
  });
  worker.on('error', (error) => {
    record.error ??= error;
  });
  record.exited = new Promise((resolve) => {
    worker.once('exit', (code) => {
      onExit(record, code);
      resolve();
    });
  });
  return record;
}
