// Opens a BoundedBuffer handle (possibly corrupted) and makes one call; posts what happened. Run
// in a worker so that a call that never returns shows up as a missing reply, not a hung test.
import { parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle } from '../../src/index.js';

export interface TamperJob {
  handle: BoundedBufferHandle;
  call: 'tryPut' | 'tryGet' | 'putSync' | 'getSync';
}

const { handle, call } = workerData as TamperJob;
let outcome: string;
try {
  const buffer = BoundedBuffer.from(handle);
  const r =
    call === 'tryPut'
      ? buffer.tryPut(1)
      : call === 'tryGet'
        ? buffer.tryGet()
        : call === 'putSync'
          ? buffer.putSync(1, { timeout: 50 })
          : buffer.getSync({ timeout: 50 });
  outcome = `returned ${JSON.stringify(r)}`;
} catch (error) {
  outcome = `threw ${(error as Error).name}: ${(error as Error).message}`;
}
parentPort!.postMessage(outcome);
