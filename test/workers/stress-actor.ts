// A producer or consumer for the cross-thread stress tests. It mixes every way of putting or
// getting (sync, try, batch, async) at random from its seed, and reports exactly what it put or
// got. Every blocking call has a finite timeout, so a bug shows up as a failure, never a hang.
import { parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle, QueueClosedError } from '../../src/index.js';
import { prng } from '../helpers/prng.js';

export interface ActorJob {
  role: 'producer' | 'consumer';
  handle: BoundedBufferHandle;
  id: number;
  /** Producer: items to put. */
  count: number;
  seed: number;
}

export interface ActorReport {
  id: number;
  /** Items this producer saw succeed, or this consumer got, in order. */
  items: number[];
}

const BOUND = { timeout: 20_000 };
const job = workerData as ActorJob;
const buffer = BoundedBuffer.from(job.handle);
const random = prng(job.seed);
/** Item k of producer p: p in the high bits, k in the low 20, so order and origin can be checked. */
const itemOf = (p: number, k: number) => p * 2 ** 20 + k;

async function produce(): Promise<number[]> {
  const acknowledged: number[] = [];
  let k = 0;
  try {
    while (k < job.count) {
      const choice = random();
      if (choice < 0.35) {
        buffer.putSync(itemOf(job.id, k), BOUND);
        acknowledged.push(itemOf(job.id, k++));
      } else if (choice < 0.55) {
        if (buffer.tryPut(itemOf(job.id, k))) acknowledged.push(itemOf(job.id, k++));
      } else if (choice < 0.8) {
        const batch: number[] = [];
        const size = 1 + Math.floor(random() * 8);
        for (let j = 0; j < size && k + j < job.count; j++) batch.push(itemOf(job.id, k + j));
        try {
          buffer.putManySync(batch, BOUND);
        } catch (error) {
          const left = (error as { items?: number[] }).items ?? batch;
          acknowledged.push(...batch.slice(0, batch.length - left.length));
          throw error;
        }
        acknowledged.push(...batch);
        k += batch.length;
      } else {
        await buffer.put(itemOf(job.id, k), BOUND);
        acknowledged.push(itemOf(job.id, k++));
      }
    }
  } catch (error) {
    if (!(error instanceof QueueClosedError)) throw error;
  }
  return acknowledged;
}

async function consume(): Promise<number[]> {
  const got: number[] = [];
  try {
    for (;;) {
      const choice = random();
      if (choice < 0.35) got.push(buffer.getSync(BOUND));
      else if (choice < 0.55) {
        const r = buffer.tryGet();
        if (r.ok) got.push(r.value);
      } else if (choice < 0.8) got.push(...buffer.getManySync(1 + Math.floor(random() * 8), BOUND));
      else got.push(await buffer.get(BOUND));
    }
  } catch (error) {
    if (!(error instanceof QueueClosedError)) throw error;
  }
  return got;
}

const items = job.role === 'producer' ? await produce() : await consume();
parentPort!.postMessage({ id: job.id, items } satisfies ActorReport);
