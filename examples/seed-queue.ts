// The seed's FAQ answer: "the equivalent using queue.Queue is much shorter". Here it is with
// conveyor's BoundedBuffer, which holds the seed's empty/full semaphores and its mutex inside:
// putSync blocks while the buffer is full, and the consumer's loop blocks while it is empty and
// ends once the producer has closed the buffer and every item is out.
//
//   npx tsx examples/seed-queue.ts --time-scale 0.01
//
// The producer prints an item when it has made it, before putting it (which may wait), so the
// log never shows an item consumed before it was produced.
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle, startWorker } from 'conveyor';

interface Shared {
  role: 'producer' | 'consumer';
  queue: BoundedBufferHandle;
  timeScale: number;
}

function producer({ queue: handle, timeScale }: Shared): void {
  const queue = BoundedBuffer.from(handle);
  for (let item = 1; item <= 20; item++) {
    writeSync(1, `Producer produced: ${item}\n`);
    queue.putSync(item);
    sleepSync(1000 * timeScale);
  }
  queue.close(); // no more items: the consumer's loop ends once it has taken them all
}

function consumer({ queue: handle, timeScale }: Shared): void {
  const queue = BoundedBuffer.from(handle);
  for (const item of queue) {
    writeSync(1, `Consumer consumed item: ${item}\n`);
    sleepSync(2500 * timeScale);
  }
}

export async function main(timeScale = 1): Promise<void> {
  const queue = new BoundedBuffer({ capacity: 10 });
  const start = async (role: Shared['role']) => {
    const worker = startWorker(new URL(import.meta.url), {
      workerData: { role, queue: queue.handle, timeScale },
    });
    const done = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
    await Promise.race([new Promise((resolve) => worker.once('message', resolve)), done]); // it is running
    return { done };
  };
  const consumer = await start('consumer'); // the consumer first, as in the seed
  const producer = await start('producer');
  await Promise.all([producer.done, consumer.done]);
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
