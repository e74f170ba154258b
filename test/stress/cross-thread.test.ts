// Real worker threads hammer one BoundedBuffer with every kind of call at once; each run ends by
// checking that nothing was lost or duplicated, and that each producer's items came out in order.
import { describe, expect, it } from 'vitest';
import { BoundedBuffer } from '../../src/index.js';
import { prng } from '../helpers/prng.js';
import { firstMessage, startWorker } from '../helpers/worker.js';
import type { ActorJob, ActorReport } from '../workers/stress-actor.js';

const ACTOR = new URL('../workers/stress-actor.ts', import.meta.url);
/** Items per run; the runtime suite (test/runtimes) runs one configuration with fewer. */
const ITEMS = Number(process.env.CONVEYOR_STRESS_ITEMS ?? 100_000);

interface Outcome {
  put: number[][];
  got: number[][];
  discarded: number[];
  /** The smallest and largest `size` the main thread saw while the workers ran. */
  sizes: { min: number; max: number; samples: number };
  capacity: number;
}

/** Reads `buffer.size` on every turn of the event loop until `stop()`. */
function sampleSizes(buffer: BoundedBuffer<number>) {
  const sizes = { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, samples: 0 };
  let running = true;
  const sample = () => {
    for (let i = 0; i < 10; i++) {
      const size = buffer.size;
      sizes.min = Math.min(sizes.min, size);
      sizes.max = Math.max(sizes.max, size);
      sizes.samples++;
    }
    if (running) setImmediate(sample);
  };
  sample();
  return {
    stop: () => {
      running = false;
      return sizes;
    },
  };
}

async function run(options: {
  producers: number;
  consumers: number;
  capacity: number;
  items: number;
  seed: number;
  /** Close after this many ms while producers are still running, instead of after they finish. */
  closeAfterMs?: number;
  immediate?: boolean;
}): Promise<Outcome> {
  const buffer = new BoundedBuffer({ capacity: options.capacity });
  const perProducer = Math.ceil(options.items / options.producers);
  const start = (role: ActorJob['role'], id: number) =>
    startWorker(ACTOR, {
      workerData: {
        role,
        handle: buffer.handle,
        id,
        count: perProducer,
        seed: options.seed * 100 + id,
      } satisfies ActorJob,
    });
  const sampler = sampleSizes(buffer);
  const consumers = Array.from({ length: options.consumers }, (_, i) => start('consumer', i));
  const producers = Array.from({ length: options.producers }, (_, i) => start('producer', i));
  const producerReports = producers.map((w) => firstMessage<ActorReport>(w, 60_000));
  const consumerReports = consumers.map((w) => firstMessage<ActorReport>(w, 60_000));
  let discarded: number[] = [];
  if (options.closeAfterMs !== undefined) {
    await new Promise((resolve) => setTimeout(resolve, options.closeAfterMs));
    discarded = buffer.close({ immediate: options.immediate ?? false });
    await Promise.all(producerReports);
  } else {
    await Promise.all(producerReports);
    discarded = buffer.close({ immediate: options.immediate ?? false });
  }
  const put = (await Promise.all(producerReports)).map((r) => r.items);
  const got = (await Promise.all(consumerReports)).map((r) => r.items);
  await Promise.all([...producers, ...consumers].map((w) => w.terminate()));
  return { put, got, discarded, sizes: sampler.stop(), capacity: options.capacity };
}

function expectNothingLost({ put, got, discarded, sizes, capacity }: Outcome): void {
  // Not lost, but reported: size is a snapshot, and must stay a possible one.
  expect(sizes.samples).toBeGreaterThan(0);
  expect(sizes.min).toBeGreaterThanOrEqual(0);
  expect(sizes.max).toBeLessThanOrEqual(capacity);
  const sorted = (xs: number[]) => Float64Array.from(xs).sort();
  const allPut = put.flat();
  const allTaken = [...got.flat(), ...discarded];
  expect(allTaken.length).toBe(allPut.length);
  expect(sorted(allTaken)).toEqual(sorted(allPut));
  // Each consumer sees each producer's items in the order they were put.
  for (const stream of [...got, discarded]) {
    const last = new Map<number, number>();
    for (const item of stream) {
      const producer = Math.floor(item / 2 ** 20);
      const k = item % 2 ** 20;
      expect(k).toBeGreaterThan(last.get(producer) ?? -1);
      last.set(producer, k);
    }
  }
}

describe('BoundedBuffer across worker threads', () => {
  for (const [producers, consumers] of [
    [1, 1],
    [2, 2],
    [4, 4],
  ]) {
    for (const capacity of [1, 2, 64]) {
      it(`${producers} producers and ${consumers} consumers through capacity ${capacity} lose nothing and keep each producer's order`, async () => {
        const outcome = await run({
          producers,
          consumers,
          capacity,
          items: ITEMS,
          seed: producers * 10 + capacity,
        });
        expect(outcome.put.flat().length).toBe(ITEMS);
        expectNothingLost(outcome);
      });
    }
  }

  it('a close at a random moment loses nothing: every acknowledged put is got', async () => {
    const random = prng(7);
    for (let round = 0; round < 3; round++) {
      const outcome = await run({
        producers: 2,
        consumers: 2,
        capacity: 16,
        items: 20_000_000, // more than can be put before the close
        seed: 50 + round,
        closeAfterMs: 200 + Math.floor(random() * 200),
      });
      expect(outcome.put.flat().length).toBeLessThan(20_000_000);
      expectNothingLost(outcome);
    }
  });

  it('an immediate close at a random moment returns what it discards: got + discarded = acknowledged', async () => {
    const outcome = await run({
      producers: 3,
      consumers: 1,
      capacity: 64,
      items: 20_000_000,
      seed: 99,
      closeAfterMs: 350,
      immediate: true,
    });
    expect(outcome.put.flat().length).toBeLessThan(20_000_000);
    expectNothingLost(outcome);
  });
});
