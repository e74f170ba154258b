// The seed's own scenario: a producer twice as fast as its consumer fills a buffer of 10 and
// blocks on `empty`; every item still comes out once, in order.
import { expect, it } from 'vitest';
import { BoundedBuffer } from '../src/index.js';
import { firstMessage, startWorker } from './helpers/worker.js';
import type { SeedEvent } from './workers/seed-actor.js';

const ACTOR = new URL('./workers/seed-actor.ts', import.meta.url);
const SCALE = 0.02; // 1 s → 20 ms, 2.5 s → 50 ms

it("the seed's scenario: the producer blocks on a full buffer of 10, and all 20 items come out in order", async () => {
  const buffer = new BoundedBuffer({ capacity: 10 });
  const start = (role: string, sleepMs: number) =>
    startWorker(ACTOR, { workerData: { role, handle: buffer.handle, items: 20, sleepMs } });
  // As in the seed, the consumer starts first.
  const consumer = start('consumer', 2500 * SCALE);
  const producer = start('producer', 1000 * SCALE);
  const [produced, consumed] = await Promise.all([
    firstMessage<SeedEvent[]>(producer, 30_000),
    firstMessage<SeedEvent[]>(consumer, 30_000),
  ]);
  await Promise.all([producer.terminate(), consumer.terminate()]);

  expect(consumed.map((e) => e.item)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  expect(produced.filter((e) => e.event === 'produced').map((e) => e.item)).toEqual(
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const blocked = produced.filter((e) => e.event === 'blocked');
  expect(blocked.length).toBeGreaterThan(0); // it did wait on `empty`
  expect(blocked[0].item).toBeGreaterThan(10); // and only once the buffer had filled
  expect(Math.max(...produced.map((e) => e.size))).toBe(10); // which never held more than 10
  expect(buffer.size).toBe(0);
});
