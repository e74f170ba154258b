// Worker side of the typed batch test: a producer putting Int32Array batches, or a consumer
// filling an Int32Array with getManySync({ into }) until the buffer is closed and drained.
import { parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle, QueueClosedError } from '../../src/index.js';
import { prng } from '../helpers/prng.js';

const job = workerData as {
  task: 'produce' | 'consume';
  buffer: BoundedBufferHandle;
  producer: number;
  items: number;
  seed: number;
};
const BOUND = { timeout: 10_000 };
const buffer = BoundedBuffer.from(job.buffer);
const random = prng(job.seed);

if (job.task === 'produce') {
  // Item k of producer p is p * 1_000_000 + k; batches of random sizes, some over the capacity.
  for (let k = 0; k < job.items; ) {
    const batch = new Int32Array(Math.min(job.items - k, 1 + Math.floor(random() * 40)));
    for (let j = 0; j < batch.length; j++) batch[j] = job.producer * 1_000_000 + k + j;
    buffer.putManySync(batch, BOUND);
    k += batch.length;
  }
  parentPort!.postMessage('produced');
} else {
  const got: number[] = [];
  const into = new Int32Array(64);
  for (;;) {
    let n: number;
    try {
      n = buffer.getManySync(1 + Math.floor(random() * 64), { into, ...BOUND });
    } catch (error) {
      if (error instanceof QueueClosedError) break;
      throw error;
    }
    for (let j = 0; j < n; j++) got.push(into[j]);
  }
  parentPort!.postMessage(got);
}
