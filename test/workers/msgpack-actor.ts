// Worker side of the msgpack codec test: a producer or a consumer of objects in a BoundedBuffer.
import { parentPort, workerData } from 'node:worker_threads';
import { msgpack } from '../../src/codecs/msgpack.js';
import { BoundedBuffer, type BoundedBufferHandle, QueueClosedError } from '../../src/index.js';
import { objectOf } from '../codecs/msgpack-items.js';

const job = workerData as { task: 'produce' | 'consume'; buffer: BoundedBufferHandle; items: number };
const BOUND = { timeout: 10_000 };
const buffer = BoundedBuffer.from<ReturnType<typeof objectOf>>(job.buffer, { codec: msgpack() });

if (job.task === 'produce') {
  // Singles and batches, so both the one-item and the batch paths encode with msgpack.
  for (let id = 0; id < job.items; ) {
    if (id % 3 === 0) {
      const batch = Array.from({ length: Math.min(5, job.items - id) }, (_, k) => objectOf(id + k));
      buffer.putManySync(batch, BOUND);
      id += batch.length;
    } else {
      buffer.putSync(objectOf(id++), BOUND);
    }
  }
  parentPort!.postMessage('produced');
} else {
  const got: unknown[] = [];
  for (;;) {
    try {
      got.push(buffer.getSync(BOUND));
    } catch (error) {
      if (error instanceof QueueClosedError) break;
      throw error;
    }
  }
  parentPort!.postMessage(got);
}
