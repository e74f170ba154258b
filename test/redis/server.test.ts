import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, RedisServer } from './server.js';

describeWithRedis('the test redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers on its own loopback port and stops by its pid', async () => {
    const client = new Redis(server.url, { lazyConnect: true });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    const pid = server.pid!;
    await server.kill();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
