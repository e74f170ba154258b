// Worker side of test/queue/bounded-buffer/dead-threads.test.ts: puts one item through a codec that stalls after the slot
// is claimed and before the item is published, so the test can terminate it at that moment.
import { parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle } from '../../src/index.js';
import { int32Codec } from '../tooling/stall-codec.js';

export interface StalledPutJob {
  readonly handle: BoundedBufferHandle;
  readonly item: number;
  readonly stallMs: number;
}

const job = workerData as StalledPutJob;
const buffer = BoundedBuffer.from<number>(job.handle, {
  codec: int32Codec({ op: 'put', item: job.item, ms: job.stallMs }),
});
buffer.putSync(job.item, { timeout: 10_000 }); // claims a slot, then stalls for stallMs
parentPort!.postMessage('published');
