// Nothing lost when processes die, Redis restarts or connections drop. Every test ends by checking
// that every acknowledged put was taken, that duplicates came only from leases that died, and that
// a watcher on its own connection never saw the buffer above its capacity.
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { type Lease, RedisBuffer } from '../../src/redis/index.js';
import { type Child, startChild } from './processes.js';
import { describeWithRedis, RedisServer } from './server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Samples LLEN of the queue's buffer every few ms on its own connection; `stop()` gives the maximum. */
function watch(url: string, name: string): { stop: () => Promise<{ max: number; samples: number }> } {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  let max = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        max = Math.max(max, await redis.llen(`conveyor:{${name}}:items`));
        samples++;
      } catch {}
      await sleep(2);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      redis.disconnect();
      return { max, samples };
    },
  };
}

/** Puts `count` items p*100000+i one at a time; resolves with those whose put was acknowledged. */
async function produce(queue: RedisBuffer<number>, p: number, count: number): Promise<number[]> {
  const acked: number[] = [];
  for (let i = 0; i < count; i++) {
    await queue.put(p * 100_000 + i, { timeout: 45_000 });
    acked.push(p * 100_000 + i);
  }
  return acked;
}

describeWithRedis('RedisBuffer under failures', () => {
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const open = async (url: string, name: string, capacity: number, leaseMs = 500) => {
    const queue = await RedisBuffer.open<number>({ url, name, capacity, leaseMs, maxAttempts: 1000 });
    cleanup.push(() => queue.disconnect());
    return queue;
  };

  it('consumer processes killed with SIGKILL mid-item and replaced: every acknowledged put is processed', async () => {
    const server = await RedisServer.start();
    cleanup.push(() => server.stop());
    const [capacity, leaseMs] = [8, 300];
    const producers = [
      await open(server.url, 'kill', capacity, leaseMs),
      await open(server.url, 'kill', capacity, leaseMs),
    ];
    const watcher = watch(server.url, 'kill');
    const args = [server.url, 'kill', String(capacity), String(leaseMs), 'consume'];
    const children: Child[] = [];
    const spawnOne = () => {
      const child = startChild(args);
      children.push(child);
      cleanup.push(() => child.process.kill('SIGKILL'));
      return child;
    };
    await Promise.all([spawnOne(), spawnOne(), spawnOne()].map((child) => child.ready));
    const producing = Promise.all(producers.map((queue, p) => produce(queue, p + 1, 200)));
    let kills = 0;
    for (let round = 0; round < 4; round++) {
      await sleep(250 + Math.random() * 250);
      const live = children.filter(
        (child) => child.process.exitCode === null && child.process.signalCode === null,
      );
      const victim = live[Math.floor(Math.random() * live.length)];
      victim.process.kill('SIGKILL');
      kills++;
      spawnOne();
    }
    const acked = (await producing).flat();
    await producers[0].join({ timeout: 30_000 });
    await producers[0].close();
    await Promise.all(children.map((child) => child.exited));
    const { max, samples } = await watcher.stop();

    const done = new Map<number, number>();
    const redelivered = new Set<number>();
    for (const child of children) {
      const lastFirstDelivery = new Map<number, number>();
      for (const line of child.lines) {
        if ('done' in line) done.set(line.done, (done.get(line.done) ?? 0) + 1);
        if ('got' in line && line.attempt > 1) redelivered.add(line.got);
        if ('got' in line && line.attempt === 1) {
          // FIFO per producer: what one consumer got first-hand from one producer is in put order.
          const producer = Math.floor(line.got / 100_000);
          expect(line.got).toBeGreaterThan(lastFirstDelivery.get(producer) ?? -1);
          lastFirstDelivery.set(producer, line.got);
        }
      }
    }
    expect(acked).toHaveLength(400);
    expect(acked.filter((value) => !done.has(value))).toEqual([]);
    const duplicates = [...done].filter(([, times]) => times > 1).map(([value]) => value);
    expect(duplicates.filter((value) => !redelivered.has(value))).toEqual([]);
    expect(duplicates.length).toBeLessThanOrEqual(kills);
    expect(max).toBeLessThanOrEqual(capacity);
    expect(samples).toBeGreaterThan(10);
    expect([await producers[0].size(), await producers[0].inFlight()]).toEqual([0, 0]);
    console.log(
      `kill stress: ${kills} kills, ${duplicates.length} duplicates, ${redelivered.size} redelivered, max size ${max}/${capacity} over ${samples} samples`,
    );
  }, 90_000); // seven consumer processes start under tsx: slow on a loaded machine

  /** One consumer taking and acking until closed; records every delivery as [value, attempt]. */
  async function consume(queue: RedisBuffer<number>): Promise<[number, number][]> {
    const deliveries: [number, number][] = [];
    for (;;) {
      let lease: Lease<number>;
      try {
        lease = await queue.getWithLease({ timeout: 20_000 });
      } catch {
        return deliveries;
      }
      deliveries.push([lease.value, lease.attempt]);
      await lease.ack();
    }
  }

  function check(acked: number[], deliveries: [number, number][]): void {
    const seen = new Map<number, number>();
    const firstHand = new Map<number, number>();
    for (const [value, attempt] of deliveries) {
      seen.set(value, (seen.get(value) ?? 0) + 1);
      if (attempt === 1) firstHand.set(value, (firstHand.get(value) ?? 0) + 1);
    }
    expect(acked.filter((value) => !seen.has(value))).toEqual([]); // nothing acknowledged lost
    expect([...firstHand].filter(([, times]) => times > 1)).toEqual([]); // no put done twice
  }

  it('Redis killed and restarted mid-run (appendonly, appendfsync always): no acknowledged put lost', async () => {
    const server = await RedisServer.start({ durable: true });
    cleanup.push(() => server.stop());
    const producer = await open(server.url, 'restart', 16);
    const consumer = await open(server.url, 'restart', 16);
    const consuming = consume(consumer);
    const producing = produce(producer, 1, 300); // every write is fsynced: slow on purpose
    await sleep(150);
    await server.restart();
    const acked = await producing;
    await producer.join({ timeout: 20_000 });
    await producer.close();
    const deliveries = await consuming;
    expect(acked).toHaveLength(300);
    check(acked, deliveries);
    console.log(`restart: ${deliveries.length} deliveries for ${acked.length} puts`);
  });

  it('every client connection killed (CLIENT KILL) again and again mid-run: reconnect, nothing lost, no put twice', async () => {
    const server = await RedisServer.start();
    cleanup.push(() => server.stop());
    const producer = await open(server.url, 'dropped', 4);
    const consumer = await open(server.url, 'dropped', 4);
    const watcher = watch(server.url, 'dropped');
    const admin = new Redis(server.url);
    cleanup.push(() => admin.disconnect());
    const consuming = consume(consumer);
    const producing = Promise.all([produce(producer, 1, 600), produce(producer, 2, 600)]);
    let killed = 0;
    for (let round = 0; round < 6; round++) {
      await sleep(100);
      killed += Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
    }
    const acked = (await producing).flat();
    await producer.join({ timeout: 20_000 });
    await producer.close();
    const deliveries = await consuming;
    const { max } = await watcher.stop();
    expect(killed).toBeGreaterThan(6);
    check(acked, deliveries);
    expect(max).toBeLessThanOrEqual(4);
    console.log(
      `client kill: ${killed} connections killed, ${deliveries.length} deliveries for ${acked.length} puts`,
    );
  });
});
