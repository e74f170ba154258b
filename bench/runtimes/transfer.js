// One transfer measurement, the same on every runtime: a producer worker puts ITEMS int32 items
// through a BoundedBuffer of 1024 to a consumer worker, one at a time (putSync/getSync) or in
// batches of 64 (putManySync/getManySync). Both workers start, report ready, then wait on a go
// word, so the clock covers the transfer only. `startWorker(job)` is the runtime's way to start
// transfer-worker.js and returns { done: Promise<report>, ready: Promise, stop() }.
import { BoundedBuffer } from '../../dist/core.js';

export const BATCH = 64;

export async function measure(mode, items, startWorker) {
  const buffer = new BoundedBuffer({ capacity: 1024 });
  const go = new SharedArrayBuffer(4);
  const job = { mode, items, batch: BATCH, handle: buffer.handle, go };
  const workers = [startWorker({ ...job, role: 'consumer' }), startWorker({ ...job, role: 'producer' })];
  await Promise.all(workers.map((w) => w.ready));
  const t0 = performance.now();
  Atomics.store(new Int32Array(go), 0, 1); // publishes the start to both workers
  Atomics.notify(new Int32Array(go), 0);
  const [consumer] = await Promise.all(workers.map((w) => w.done));
  const seconds = (performance.now() - t0) / 1000;
  for (const w of workers) w.stop();
  const expectedSum = (items * (items - 1)) / 2;
  if (consumer.count !== items || consumer.sum !== expectedSum) {
    throw new Error(
      `${mode}: got ${consumer.count} items summing to ${consumer.sum}, expected ${items} and ${expectedSum}`,
    );
  }
  return { mode, items, seconds, itemsPerSecond: items / seconds };
}
