// The WorkerPool's worker thread: takes tickets from the tasks buffer, runs the task module's
// default export on each task, and returns the tickets through the results buffer, with the
// result (or the error) in the ticket's payload slot. See protocol.ts for who owns what.
import { parentPort, workerData } from 'node:worker_threads';
import { bindCodec } from '../queue/codec.js';
import { BoundedBuffer, QueueClosedError, TimeoutError } from './buffer.js';
import {
  type AbortMessage,
  claimedBy,
  controlLayout,
  ERROR,
  MAX_BATCH,
  OK,
  QUEUED,
  RECHECK_MS,
  runningBy,
  SKIPPED,
  SLOT_BUSY,
  SLOT_BUSY_MS,
  SLOT_BUSY_US,
  SLOT_TASKS,
  SLOT_WORDS,
  type StartupMessage,
  slotStride,
  type WorkerConfig,
} from './protocol.js';
import { bareShape, type ErrorShape, toShape } from './remote-error.js';

/** A batch whose tasks take less than this each (µs) lets the next batch be twice as large. */
const FAST_TASK_US = 50;

const config = workerData as WorkerConfig;
const port = parentPort!;
const i32 = new Int32Array(config.control);
const { outcomes, counters } = controlLayout(config.tickets, config.slots);
const mine = counters + config.slot * SLOT_WORDS;
const codec = bindCodec<unknown>(
  config.codec,
  undefined,
  config.payloads,
  0,
  config.tickets,
  slotStride(config.slotBytes),
  config.slotBytes,
);
const tasks = BoundedBuffer.from<number>(config.tasks);
const results = BoundedBuffer.from<number>(config.results);
const CLAIMED = claimedBy(config.slot);
const RUNNING = runningBy(config.slot);

type TaskFunction = (task: unknown, context: { readonly signal: AbortSignal }) => unknown;

async function loadTaskFunction(): Promise<TaskFunction | undefined> {
  let exported: unknown;
  try {
    exported = (await import(config.module)).default;
  } catch (error) {
    port.postMessage({ ready: false, error: toShape(error) } satisfies StartupMessage);
    return undefined;
  }
  if (typeof exported !== 'function') {
    const error = new TypeError(
      `its default export must be a function (task, { signal }) => result, got ${exported === null ? 'null' : typeof exported}`,
    );
    port.postMessage({ ready: false, error: toShape(error) } satisfies StartupMessage);
    return undefined;
  }
  return exported as TaskFunction;
}

// The running task's abort: main posts { abort: ticket } (only while the event loop is free,
// that is while an async task awaits; a synchronous task cannot be interrupted).
let current = -1;
let controller: AbortController | undefined;
let abortedEarly = false;
const context = {
  get signal(): AbortSignal {
    if (controller === undefined) {
      controller = new AbortController();
      if (abortedEarly) controller.abort(abortReason());
    }
    return controller.signal;
  },
};
function abortReason(): DOMException {
  return new DOMException('The task was aborted', 'AbortError');
}
port.on('message', (message: AbortMessage) => {
  if (message.abort !== current || current < 0) return;
  if (controller !== undefined) controller.abort(abortReason());
  else abortedEarly = true;
});

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** Writes what the task gave (or threw) in the ticket's slot and its OUTCOME word. */
function writeOutcome(ticket: number, ok: boolean, value: unknown): void {
  if (ok) {
    let prepared: unknown;
    try {
      prepared = codec.prepare(value);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const failure = new TypeError(`the task's result cannot be sent back: ${why}`);
      if (error instanceof Error && 'code' in error) Object.assign(failure, { code: error.code });
      writeOutcome(ticket, false, failure);
      return;
    }
    codec.write(ticket, prepared);
    i32[outcomes + ticket] = OK; // published by the results put
    return;
  }
  const shape = toShape(value);
  let prepared: unknown;
  for (const attempt of [shape, bareShape(shape, config.slotBytes), bareShape(shape, 64)] as ErrorShape[]) {
    try {
      prepared = codec.prepare(attempt);
      break;
    } catch {}
  }
  codec.write(ticket, prepared ?? codec.prepare({ name: 'Error', message: 'the task failed' }));
  i32[outcomes + ticket] = ERROR; // published by the results put
}

function returnTickets(done: number[]): void {
  if (done.length === 0) return;
  results.putManySync(done); // never waits: the results buffer has room for every ticket
  done.length = 0;
}

let busyMicroseconds = 0;
let tasksDone = 0;

async function serve(run: TaskFunction): Promise<void> {
  const done: number[] = [];
  let batch = 1;
  for (;;) {
    let taken: number[];
    try {
      // Take what is fair: a share of what is queued, at most the batch size this worker earned.
      const share = Math.ceil(tasks.size / config.slots);
      taken = tasks.getManySync(Math.max(1, Math.min(batch, share)), { timeout: RECHECK_MS });
    } catch (error) {
      if (error instanceof QueueClosedError) return;
      if (error instanceof TimeoutError) continue; // nothing came: look again (bounds any missed wake-up)
      throw error;
    }
    for (const ticket of taken) Atomics.compareExchange(i32, ticket, QUEUED, CLAIMED); // a CANCELLED one stays so
    Atomics.store(i32, mine + SLOT_BUSY, 1);
    const started = performance.now();
    let awaited = false;
    for (const ticket of taken) {
      if (Atomics.compareExchange(i32, ticket, CLAIMED, RUNNING) !== CLAIMED) {
        // Cancelled by main: it never runs. Ours again (main no longer touches a cancelled ticket),
        // so that if this worker dies before returning it, the dead worker's tickets include it.
        Atomics.store(i32, ticket, CLAIMED);
        i32[outcomes + ticket] = SKIPPED;
        done.push(ticket);
        continue;
      }
      let ok = true;
      let value: unknown;
      current = ticket;
      controller = undefined;
      abortedEarly = false;
      try {
        value = run(codec.decode(codec.take(ticket)), context);
        if (isThenable(value)) {
          awaited = true;
          returnTickets(done); // what is finished goes back before we wait
          value = await value;
        }
      } catch (error) {
        ok = false;
        value = error;
      }
      current = -1;
      writeOutcome(ticket, ok, value);
      done.push(ticket);
      tasksDone++;
    }
    const elapsed = performance.now() - started;
    busyMicroseconds += elapsed * 1000;
    // Counters before the results: whoever sees a result sees the work that made it counted.
    Atomics.store(i32, mine + SLOT_TASKS, tasksDone);
    Atomics.store(i32, mine + SLOT_BUSY_MS, Math.floor(busyMicroseconds / 1000));
    Atomics.store(i32, mine + SLOT_BUSY_US, Math.floor(busyMicroseconds % 1000));
    returnTickets(done);
    Atomics.store(i32, mine + SLOT_BUSY, 0);
    // Fast synchronous tasks earn larger batches; slow or asynchronous ones go one at a time, so
    // that an idle worker can take the next one.
    const perTask = (elapsed * 1000) / taken.length;
    batch = awaited || perTask > 1000 ? 1 : perTask < FAST_TASK_US ? Math.min(MAX_BATCH, batch * 2) : batch;
  }
}

const run = await loadTaskFunction();
if (run !== undefined) {
  port.postMessage({ ready: true } satisfies StartupMessage);
  await serve(run);
}
// The task module may hold timers or sockets: end the thread now that the pool is done with it.
process.exit(run === undefined ? 1 : 0);
