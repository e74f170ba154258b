// The seed's producer and consumer (20 items, 1 s and 2.5 s per item, scaled down), on
// BoundedBuffer, logging what happened for the seed-scenario test.
import { parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle } from '../../src/index.js';

interface Job {
  role: 'producer' | 'consumer';
  handle: BoundedBufferHandle;
  items: number;
  sleepMs: number;
}
export interface SeedEvent {
  event: 'produced' | 'consumed' | 'blocked';
  item: number;
  /** Items in the buffer right after the event. */
  size: number;
}

const job = workerData as Job;
const buffer = BoundedBuffer.from(job.handle);
const nap = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => Atomics.wait(nap, 0, 0, ms);
const BOUND = { timeout: 20_000 };
const log: SeedEvent[] = [];

for (let n = 1; n <= job.items; n++) {
  if (job.role === 'producer') {
    if (!buffer.tryPut(n)) {
      log.push({ event: 'blocked', item: n, size: buffer.size }); // waiting on `empty`
      buffer.putSync(n, BOUND);
    }
    log.push({ event: 'produced', item: n, size: buffer.size });
  } else {
    const item = buffer.getSync(BOUND);
    log.push({ event: 'consumed', item, size: buffer.size });
  }
  sleep(job.sleepMs);
}
parentPort!.postMessage(log);
