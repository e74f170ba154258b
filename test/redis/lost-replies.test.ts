// A call whose reply is lost to a dropped connection (CLIENT KILL) is resent by the client after it
// reconnects; the resend must not do the work twice: a get gets the same lease back instead of
// leaving its item leased to nobody until the lease runs out.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisBuffer } from '../../src/redis/index.js';
import { describeWithRedis, RedisServer } from './server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the server busy for `ms` (a script that loops on TIME): commands sent meanwhile queue up. */
const BUSY = `local s = redis.call('TIME')
local from = s[1] * 1000000 + s[2]
repeat local t = redis.call('TIME') until t[1] * 1000000 + t[2] - from > tonumber(ARGV[1]) * 1000
return 1`;

describeWithRedis('RedisBuffer calls whose reply is lost', () => {
  let server: RedisServer;
  let admin: Redis;
  let killer: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    admin = new Redis(server.url);
    killer = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    killer?.disconnect();
    await server?.stop();
  });

  /** The ids of the connections named `name` that are not blocked in BLPOP (the handle's main one). */
  async function mainConnection(name: string): Promise<string> {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${name} `) && !line.includes('cmd=blpop'))
      .map((line) => /^id=(\d+)/.exec(line)![1]);
    expect(ids).toHaveLength(1);
    return ids[0];
  }

  it('a get whose reply is lost to CLIENT KILL gets the same lease back when it is resent', async () => {
    const leaseMs = 10_000; // far beyond the get's timeout: a redelivery cannot rescue the test
    const producer = await RedisBuffer.open<number>({
      url: server.url,
      name: 'lost-get',
      capacity: 4,
      leaseMs,
    });
    const consumer = await RedisBuffer.open<number>({
      url: server.url,
      name: 'lost-get',
      capacity: 4,
      leaseMs,
      redis: { connectionName: 'victim' },
    });
    try {
      await producer.putMany([1, 2]);
      const victim = await mainConnection('victim');
      // The server runs the get's script and, in the same turn, the CLIENT KILL queued behind it:
      // the get's reply is dropped with the connection; ioredis reconnects and resends the script.
      const busy = admin.eval(BUSY, 0, 300);
      await sleep(60);
      const got = consumer.getWithLease({ timeout: 3_000 });
      await sleep(60);
      const killed = killer.call('CLIENT', 'KILL', 'ID', victim);
      await busy;
      expect(await killed).toBe(1);
      const lease = await got;
      expect([lease.value, lease.attempt]).toEqual([1, 1]);
      expect(await consumer.inFlight()).toBe(1); // one lease, not one lost and one held
      expect(await lease.ack()).toBe(true);
      const next = await consumer.getWithLease({ timeout: 1_000 });
      expect([next.value, next.attempt]).toEqual([2, 1]);
      await next.ack();
      await producer.join({ timeout: 1_000 });
      expect([await producer.size(), await producer.inFlight()]).toEqual([0, 0]);
    } finally {
      await Promise.all([producer.disconnect(), consumer.disconnect()]);
    }
  });

  it('a put whose reply is lost to CLIENT KILL is put once', async () => {
    const producer = await RedisBuffer.open<number>({
      url: server.url,
      name: 'lost-put',
      capacity: 4,
      redis: { connectionName: 'producer' },
    });
    try {
      const victim = await mainConnection('producer');
      const busy = admin.eval(BUSY, 0, 300);
      await sleep(60);
      const put = producer.put(7, { timeout: 3_000 });
      await sleep(60);
      const killed = killer.call('CLIENT', 'KILL', 'ID', victim);
      await busy;
      expect(await killed).toBe(1);
      await put;
      expect(await producer.size()).toBe(1);
      expect(await producer.getMany(10, { timeout: 1_000 })).toEqual([7]);
    } finally {
      await producer.disconnect();
    }
  });
});
