// One actor of `conveyor run --backend redis://…` in its own OS process: a producer or a consumer
// of the run's RedisBuffer. It prints one JSON line per event (a WorkerEvent) on stdout, starts
// when the parent writes the run's start time on stdin, and exits when stdin closes (its parent
// is gone). A consumer ends when the queue is closed, drained and no item is left under a lease.
// Usage: node actor.js '<ActorConfig JSON>'
import { QueueClosedError, TimeoutError } from '../../errors.js';
import type { Lease } from '../../redis/options.js';
import { RedisBuffer } from '../../redis/redis-buffer.js';
import type { SleepRange } from '../options.js';
import { epochNow, type WorkerEvent } from '../protocol.js';
import { actorSeed, seededRandom } from '../random.js';

export interface ActorConfig {
  url: string;
  name: string;
  capacity: number;
  role: 'producer' | 'consumer';
  actor: string;
  items: number;
  sleep: SleepRange;
  timeScale: number;
  seed: number;
  leaseMs: number;
}

const config = JSON.parse(process.argv[2]) as ActorConfig;
const random = seededRandom(actorSeed(config.seed, config.actor));
const queue = await RedisBuffer.open<number>({
  url: config.url,
  name: config.name,
  capacity: config.capacity,
  codec: 'int32',
  leaseMs: config.leaseMs,
});
const runKey = (key: string) => `conveyor:{${config.name}}:run:${key}`;
// A second connection of our own for the run's counters (item numbers, producers left).
const { Redis } = await import('ioredis');
const counters = new Redis(config.url, { maxRetriesPerRequest: null });
counters.on('error', () => {});

let startEpoch = 0;
const post = (event: Omit<WorkerEvent, 't'>) =>
  process.stdout.write(
    `${JSON.stringify({ t: Math.round((epochNow() - startEpoch) * 1000) / 1000, ...event })}\n`,
  );

process.stdin.setEncoding('utf8');
process.stdin.once('end', () => process.exit(0)); // the parent is gone: stop (leases run out)
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
startEpoch = Number(
  await new Promise<string>((resolve) => process.stdin.once('data', (line: string) => resolve(line.trim()))),
);

async function sleepAfterItem(): Promise<void> {
  const { min, max } = config.sleep;
  const ms = (min + (max - min) * random()) * config.timeScale;
  if (ms === 0) return;
  post({ event: 'sleep', occupancy: await queue.size() });
  await new Promise((resolve) => setTimeout(resolve, ms));
  post({ event: 'work', occupancy: await queue.size() });
}

/**
 * The queue is closed and nothing is buffered: the run is over only once no item is left under a
 * lease. A get on a closed queue already waits while another process holds a live lease (an item
 * held by a killed consumer comes back when its lease runs out); this join is a second check.
 * True once every item is acknowledged (or dead-lettered); false after a lease period, when one
 * may have run out.
 */
async function settled(): Promise<boolean> {
  try {
    await queue.join({ timeout: config.leaseMs });
    return true;
  } catch (error) {
    if (error instanceof TimeoutError) return false;
    throw error;
  }
}

post({ event: 'start', occupancy: await queue.size() });
if (config.role === 'producer') {
  for (let made = 0; made < config.items; made++) {
    const item = await counters.incr(runKey('last-item'));
    if (!(await queue.tryPut(item))) {
      post({ event: 'wait', on: 'empty', occupancy: await queue.size() });
      await queue.put(item);
      post({ event: 'wake', on: 'empty', occupancy: await queue.size() });
    }
    post({ event: 'produced', item, occupancy: await queue.size() });
    await sleepAfterItem();
  }
  if ((await counters.decr(runKey('producers-left'))) === 0) await queue.close();
} else {
  for (;;) {
    let lease: Lease<number>;
    try {
      lease = await queue.getWithLease({ timeout: 0 }).catch(async (error: unknown) => {
        if (!(error instanceof TimeoutError)) throw error;
        post({ event: 'wait', on: 'full', occupancy: await queue.size() });
        const got = await queue.getWithLease();
        post({ event: 'wake', on: 'full', occupancy: await queue.size() });
        return got;
      });
    } catch (error) {
      if (!(error instanceof QueueClosedError)) throw error;
      if (await settled()) break;
      continue; // a lease may have run out: its item is ours to take
    }
    const attempt = lease.attempt > 1 ? lease.attempt : undefined;
    post({ event: 'consumed', item: lease.value, occupancy: await queue.size(), attempt });
    await sleepAfterItem();
    await lease.ack();
  }
}
post({ event: 'done', occupancy: await queue.size() });
counters.disconnect();
await queue.disconnect();
process.exit(0);
