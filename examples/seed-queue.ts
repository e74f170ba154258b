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
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle } from '../src/queue/bounded-buffer.js';
import { isMain, sleepSync, startWorker, timeScaleFromArgs } from './support.js';

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
