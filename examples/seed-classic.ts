// The seed's program, line by line, on two worker threads with conveyor's semaphores.
//
//   npx tsx examples/seed-classic.ts                  # the seed's timing: about 52 seconds
//   npx tsx examples/seed-classic.ts --time-scale 0.01
//
// Python's threads share globals; worker threads share nothing unless it is put in a
// SharedArrayBuffer. So `buffer` is an Int32Array over shared memory, `in_index`/`out_index` live
// in a second one, and the three semaphores travel to each thread as handles. Each line is
// printed with a synchronous write while `mutex` is held, so the log's order is the real order.
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Semaphore, type SemaphoreHandle, startWorker } from 'conveyor';

const CAPACITY = 10;
const ITEMS = 20;

interface Shared {
  role: 'producer' | 'consumer';
  buffer: SharedArrayBuffer; // buffer = [-1] * CAPACITY
  indices: SharedArrayBuffer; // [in_index, out_index]
  mutex: SemaphoreHandle;
  empty: SemaphoreHandle;
  full: SemaphoreHandle;
  timeScale: number;
}

function print(line: string): void {
  writeSync(1, `${line}\n`);
}

function producer(shared: Shared): void {
  const buffer = new Int32Array(shared.buffer);
  const index = new Int32Array(shared.indices);
  const mutex = Semaphore.from(shared.mutex);
  const empty = Semaphore.from(shared.empty);
  const full = Semaphore.from(shared.full);
  let itemsProduced = 0;
  let counter = 0;
  while (itemsProduced < ITEMS) {
    empty.acquireSync();
    mutex.acquireSync();
    counter += 1;
    buffer[index[0]] = counter;
    index[0] = (index[0] + 1) % CAPACITY; // in_index
    print(`Producer produced: ${counter}`);
    mutex.release();
    full.release();
    sleepSync(1000 * shared.timeScale);
    itemsProduced += 1;
  }
}

function consumer(shared: Shared): void {
  const buffer = new Int32Array(shared.buffer);
  const index = new Int32Array(shared.indices);
  const mutex = Semaphore.from(shared.mutex);
  const empty = Semaphore.from(shared.empty);
  const full = Semaphore.from(shared.full);
  let itemsConsumed = 0;
  while (itemsConsumed < ITEMS) {
    full.acquireSync();
    mutex.acquireSync();
    const item = buffer[index[1]];
    index[1] = (index[1] + 1) % CAPACITY; // out_index
    print(`Consumer consumed item: ${item}`);
    mutex.release();
    empty.release();
    sleepSync(2500 * shared.timeScale);
    itemsConsumed += 1;
  }
}

export async function main(timeScale = 1): Promise<void> {
  const buffer = new SharedArrayBuffer(CAPACITY * 4);
  new Int32Array(buffer).fill(-1);
  const common = {
    buffer,
    indices: new SharedArrayBuffer(8),
    mutex: new Semaphore(1).handle, // threading.Semaphore()
    empty: new Semaphore(CAPACITY).handle,
    full: new Semaphore(0).handle,
    timeScale,
  };
  const thread = async (role: Shared['role']) => {
    const worker = startWorker(new URL(import.meta.url), { workerData: { ...common, role } });
    const done = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
    // Worker threads take a moment to load: wait until this one runs, as Python's start() does.
    await Promise.race([new Promise((resolve) => worker.once('message', resolve)), done]);
    return { done };
  };
  const consumer = await thread('consumer'); // consumer.start()
  const producer = await thread('producer'); // producer.start()
  await producer.done; // producer.join()
  await consumer.done; // consumer.join()
}

if (!isMainThread) {
  const shared = workerData as Shared;
  parentPort!.postMessage('running');
  if (shared.role === 'producer') producer(shared);
  else consumer(shared);
} else if (isMain(import.meta.url)) {
  await main(timeScaleFromArgs());
}

// Small helpers, kept in this file so that it can be copied as it is.

/** True when this file is the program being run (not imported by a test). */
function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/** Blocks this thread for `ms` (meant for worker threads), like Python's time.sleep. */
function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** `--time-scale F` from the command line (default 1): multiplies every sleep. Bad input: one line, exit 2. */
function timeScaleFromArgs(argv = process.argv.slice(2)): number {
  let text: string | undefined;
  try {
    text = parseArgs({ args: argv, options: { 'time-scale': { type: 'string' } } }).values['time-scale'];
  } catch (error) {
    void error; // parseArgs's message names the flag but runs on; one line is enough
    console.error(`bad arguments '${argv.join(' ')}': this example takes only --time-scale F`);
    process.exit(2);
  }
  const scale = text === undefined ? 1 : Number(text);
  if (!Number.isFinite(scale) || scale < 0) {
    console.error(`--time-scale must be a number of at least 0, got '${text}'`);
    process.exit(2);
  }
  return scale;
}
