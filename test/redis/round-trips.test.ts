// Round trips: an ack also fetches the handle's next items (ack-and-fetch-next in one script
// call), so a consumer taking one item at a time pays about one script call per item; items
// fetched ahead that no get takes are handed back, their attempt unchanged.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisBuffer } from '../../src/redis/index.js';
import { describeWithRedis, RedisServer } from './server.js';

describeWithRedis('RedisBuffer round trips', () => {
  let server: RedisServer;
  let admin: Redis;
  const opened: RedisBuffer<number>[] = [];
  beforeAll(async () => {
    server = await RedisServer.start();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    await Promise.all(opened.map((queue) => queue.disconnect()));
    admin?.disconnect();
    await server?.stop();
  });
  const open = async (name: string, prefetch?: boolean) => {
    const queue = await RedisBuffer.open<number>({ url: server.url, name, capacity: 100, prefetch });
    opened.push(queue);
    return queue;
  };

  /** Script calls (EVALSHA and EVAL) the server ran since the last reset. */
  async function scriptCalls(): Promise<number> {
    const stats = await admin.info('commandstats');
    let calls = 0;
    for (const match of stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(match[1]);
    return calls;
  }

  /** Takes `n` items one at a time with get + taskDone; resolves with them and the script calls it cost. */
  async function takeOneByOne(queue: RedisBuffer<number>, n: number): Promise<[number[], number]> {
    await new Promise((resolve) => setTimeout(resolve, 200)); // earlier tests' handles are quiet by now
    await admin.config('RESETSTAT');
    const got: number[] = [];
    for (let i = 0; i < n; i++) {
      got.push(await queue.get({ timeout: 1_000 }));
      await queue.taskDone();
    }
    return [got, await scriptCalls()];
  }

  it('get + taskDone one at a time costs about one script call per item: the ack fetches the next', async () => {
    const producer = await open('one-by-one');
    const consumer = await open('one-by-one');
    await producer.putMany(Array.from({ length: 20 }, (_, i) => i));
    const [got, calls] = await takeOneByOne(consumer, 20);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // 1 GET, then 20 ACKs each fetching the next item; one item is handed back (1 UNGET) at most
    // when a get comes late. Without the fetch it is 1 + 20 + 19 = 40.
    expect(calls).toBeLessThanOrEqual(25);
    await producer.join({ timeout: 1_000 });
  });

  it('an ack that finds nothing to fetch registers the get waiter instead, and withdraws it when no get comes', async () => {
    const producer = await open('armed');
    const consumer = await open('armed');
    const waiters = () => admin.lrange('conveyor:{armed}:gw', 0, -1);
    await producer.put(1);
    expect(await consumer.get({ timeout: 1_000 })).toBe(1);
    await consumer.taskDone();
    expect(await waiters()).toHaveLength(1); // registered by the ACK call itself
    const got = consumer.get({ timeout: 2_000 }); // waits on that registration
    await new Promise((resolve) => setTimeout(resolve, 20));
    await producer.put(2);
    expect(await got).toBe(2);
    await consumer.taskDone();
    await new Promise((resolve) => setTimeout(resolve, 300)); // no get comes: withdrawn
    expect(await waiters()).toEqual([]);
    await producer.put(3); // nobody is woken for nothing; the item waits for a get
    expect(await consumer.get({ timeout: 1_000 })).toBe(3);
    await consumer.taskDone();
    await producer.join({ timeout: 1_000 });
  });

  it('with prefetch: false every get is its own script call', async () => {
    const producer = await open('no-prefetch', false);
    const consumer = await open('no-prefetch', false);
    await producer.putMany(Array.from({ length: 10 }, (_, i) => i));
    const [got, calls] = await takeOneByOne(consumer, 10);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(calls).toBe(20);
  });

  it('items an ack fetched ahead that no get takes go back within 50 ms, first in line, attempt unchanged', async () => {
    const a = await open('hand-back');
    const b = await open('hand-back');
    await a.putMany([1, 2, 3]);
    expect(await a.getMany(2, { timeout: 1_000 })).toEqual([1, 2]);
    await a.taskDone();
    await a.taskDone(); // one ACK that also fetched 3 for a
    expect(await a.inFlight()).toBe(1);
    const lease = await b.getWithLease({ timeout: 2_000 }); // a hands it back: b gets it
    expect([lease.value, lease.attempt]).toEqual([3, 1]);
    expect(await lease.ack()).toBe(true);
    await a.join({ timeout: 1_000 });
    expect([await a.size(), await a.inFlight()]).toEqual([0, 0]);
  });
});
