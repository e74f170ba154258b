// RedisBuffer's scripts go by EVALSHA once sent: when the server has lost them (SCRIPT FLUSH, as
// after a restart), each call is sent again in full and nothing is lost or done twice.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisBuffer } from '../../src/redis/index.js';
import { describeWithRedis, RedisServer } from './server.js';

describeWithRedis('RedisBuffer scripts the server has forgotten', () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  it('puts, gets and acks still work after SCRIPT FLUSH, each item once and in order', async () => {
    const buffer = await RedisBuffer.open<number>({ url: server.url, name: 'flushed', capacity: 100 });
    try {
      await buffer.putMany([1, 2, 3]);
      expect(await buffer.getMany(3)).toEqual([1, 2, 3]);
      for (let i = 0; i < 3; i++) await buffer.taskDone();
      await admin.script('FLUSH');
      expect(await admin.script('EXISTS', ...(await scriptShas()))).toEqual([0, 0, 0]);
      await buffer.putMany([4, 5, 6]);
      const leases = await buffer.getManyWithLease(3, { timeout: 2_000 });
      expect(leases.map((lease) => lease.value)).toEqual([4, 5, 6]);
      expect(await buffer.ack(leases)).toBe(3);
      await buffer.join({ timeout: 2_000 });
      expect(await buffer.size()).toBe(0);
      expect(await buffer.inFlight()).toBe(0);
    } finally {
      await buffer.disconnect();
    }
  });

  /** The SHA1s of three scripts the buffer used (from the server's own command stats: any three). */
  async function scriptShas(): Promise<string[]> {
    const { SCRIPTS } = await import('../../src/redis/scripts.js');
    const { createHash } = await import('node:crypto');
    return [SCRIPTS.cvPut, SCRIPTS.cvGet, SCRIPTS.cvAck].map((lua) =>
      createHash('sha1').update(lua).digest('hex'),
    );
  }
});
