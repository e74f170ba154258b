import { afterAll, beforeAll } from 'vitest';
import { RedisBuffer } from '../../src/redis/index.js';
import { describeWithRedis, RedisServer } from '../redis/server.js';
import { describeQueueContract } from './queue-contract.js';

describeWithRedis('RedisBuffer on a real redis-server', () => {
  let server: RedisServer;
  const opened: RedisBuffer<number>[] = [];
  let n = 0;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(opened.map((queue) => queue.disconnect()));
    await server?.stop();
  });
  describeQueueContract(
    'RedisBuffer',
    async (capacity) => {
      const queue = await RedisBuffer.open<number>({ url: server.url, name: `contract-${n++}`, capacity });
      opened.push(queue);
      return queue;
    },
    { sync: false },
  );
});
