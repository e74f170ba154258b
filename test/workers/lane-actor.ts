// Worker side of test/queue/bounded-buffer/lane.test.ts: one side of a lane ({ producers: 1,
// consumers: 1 }) in its own thread, as workerData's `task` says. Every wait has a timeout.
import { parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle, QueueClosedError } from '../../src/index.js';
import { prng } from '../helpers/prng.js';
import { int32Codec } from '../tooling/stall-codec.js';

export type LaneJob =
  /** Puts 0..items-1 in `mode`, then posts 'produced' (and with `hold`, keeps its side until terminated). */
  | { task: 'produce'; handle: BoundedBufferHandle; mode: Mode; items: number; seed: number; hold?: boolean }
  /** putManySync(Int32Array of 0..items-1) in one call; posts { name, notPut } (the error's items). */
  | { task: 'put-all'; handle: BoundedBufferHandle; items: number }
  /** Gets in `mode` until the buffer is closed and drained, then posts what it got. */
  | { task: 'consume'; handle: BoundedBufferHandle; mode: Mode; seed: number }
  /** Tries one put (get) and posts what it threw, or 'done'. */
  | { task: 'try-put' | 'try-get'; handle: BoundedBufferHandle }
  /** Puts 10 (posts 'first'), then putManySync([1, 2, 3, 4]) through a codec that stalls writing 3. */
  | { task: 'stall-put'; handle: BoundedBufferHandle }
  /** Puts batches of `batch` items 0, 1, 2…, storing in acks[0] how many batches returned; forever. */
  | { task: 'acked-batches'; handle: BoundedBufferHandle; batch: number; acks: SharedArrayBuffer }
  /** Gets up to 5 at a time, appending each to log[1…] and then storing the count in log[0]. */
  | { task: 'logged-consume'; handle: BoundedBufferHandle; log: SharedArrayBuffer };

/** typed: Int32Array batches; singles: putSync/getSync; boxed: arrays through putMany/getMany. */
export type Mode = 'typed' | 'singles' | 'boxed';

const job = workerData as LaneJob;
const BOUND = { timeout: 15_000 };
const post = (message: unknown) => parentPort!.postMessage(message);

const upTo = (n: number) => Array.from({ length: n }, (_, k) => k);

function describeError(error: unknown): unknown {
  const { name, code, role, owner, message } = error as Record<string, unknown>;
  return { name, code, role, owner, message };
}

function produce(buffer: BoundedBuffer<unknown>, mode: Mode, items: number, seed: number): void {
  const random = prng(seed);
  for (let k = 0; k < items; ) {
    const n = mode === 'singles' ? 1 : Math.min(items - k, 1 + Math.floor(random() * 40));
    if (mode === 'singles') buffer.putSync(k, BOUND);
    else if (mode === 'typed')
      buffer.putManySync(Int32Array.from({ length: n }, (_, j) => k + j) as never, BOUND);
    else
      buffer.putManySync(
        Array.from({ length: n }, (_, j) => k + j),
        BOUND,
      );
    k += n;
  }
}

function consume(buffer: BoundedBuffer<unknown>, mode: Mode, seed: number): unknown[] {
  const random = prng(seed);
  const got: unknown[] = [];
  const into = new Int32Array(64);
  for (;;) {
    try {
      if (mode === 'singles') got.push(buffer.getSync(BOUND));
      else if (mode === 'boxed') got.push(...buffer.getManySync(1 + Math.floor(random() * 64), BOUND));
      else {
        const n = buffer.getManySync(1 + Math.floor(random() * 64), { into, ...BOUND });
        for (let j = 0; j < n; j++) got.push(into[j]);
      }
    } catch (error) {
      if (error instanceof QueueClosedError) return got;
      throw error;
    }
  }
}

switch (job.task) {
  case 'produce':
    produce(BoundedBuffer.from(job.handle), job.mode, job.items, job.seed);
    post('produced');
    if (job.hold) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20_000);
    break;
  case 'put-all':
    try {
      BoundedBuffer.from(job.handle).putManySync(Int32Array.from(upTo(job.items)), BOUND);
      post({ name: 'none', notPut: [] });
    } catch (error) {
      const { name, items } = error as QueueClosedError;
      post({ name, notPut: [...(items as Iterable<number>)] });
    }
    break;
  case 'consume':
    post(consume(BoundedBuffer.from(job.handle), job.mode, job.seed));
    break;
  case 'try-put':
  case 'try-get': {
    const buffer = BoundedBuffer.from(job.handle);
    try {
      if (job.task === 'try-put') buffer.putSync(1, { timeout: 0 });
      else buffer.getSync({ timeout: 0 });
      post('done');
    } catch (error) {
      post(describeError(error));
    }
    break;
  }
  case 'stall-put': {
    const buffer = BoundedBuffer.from<number>(job.handle, {
      codec: int32Codec({ op: 'put', item: 3, ms: 20_000 }),
    });
    buffer.putSync(10, BOUND);
    post('first');
    buffer.putManySync([1, 2, 3, 4], BOUND); // writes 1 and 2, stalls writing 3: nothing published
    post('published');
    break;
  }
  case 'acked-batches': {
    const buffer = BoundedBuffer.from(job.handle);
    const acks = new Int32Array(job.acks);
    const batch = new Int32Array(job.batch);
    for (let k = 0; ; k++) {
      for (let j = 0; j < batch.length; j++) batch[j] = k * batch.length + j;
      buffer.putManySync(batch, BOUND);
      Atomics.store(acks, 0, k + 1);
    }
  }
  case 'logged-consume': {
    const buffer = BoundedBuffer.from(job.handle);
    const log = new Int32Array(job.log);
    const into = new Int32Array(5);
    for (let count = 0; ; ) {
      const n = buffer.getManySync(5, { into, ...BOUND });
      log.set(into.subarray(0, n), 1 + count);
      count += n;
      Atomics.store(log, 0, count);
    }
  }
}
