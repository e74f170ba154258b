// Bad input gets a clear error naming the bad value, within the timeout, and leaves nothing behind.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ItemTooLargeError } from '../../src/index.js';
import { QueueMismatchError, RedisBuffer } from '../../src/redis/index.js';
import { describeWithRedis, freePort, RedisServer } from './server.js';

describeWithRedis('RedisBuffer given bad input', () => {
  let server: RedisServer;
  let locked: RedisServer;
  const opened: RedisBuffer<unknown>[] = [];
  beforeAll(async () => {
    [server, locked] = await Promise.all([RedisServer.start(), RedisServer.start({ password: 's3cret' })]);
  });
  afterAll(async () => {
    await Promise.all(opened.map((queue) => queue.disconnect()));
    await Promise.all([server?.stop(), locked?.stop()]);
  });

  it('refuses URLs that are not redis:// or rediss://, naming them (password masked)', async () => {
    await expect(RedisBuffer.open({ url: 'not a url', name: 'q', capacity: 1 })).rejects.toThrow(
      "url must be a redis:// or rediss:// URL, got 'not a url' (string)",
    );
    await expect(RedisBuffer.open({ url: 'http://user:pw@host:1', name: 'q', capacity: 1 })).rejects.toThrow(
      /must start with redis:\/\/ or rediss:\/\/, got 'http:\/\/user:\*\*\*@host:1/,
    );
    await expect(RedisBuffer.open({ url: 42 as unknown as string, name: 'q', capacity: 1 })).rejects.toThrow(
      TypeError,
    );
  });

  it('fails with a clear error within the connect timeout when nothing listens', async () => {
    const port = await freePort();
    const start = performance.now();
    const error = await RedisBuffer.open({
      url: `redis://127.0.0.1:${port}`,
      name: 'q',
      capacity: 1,
      connectTimeout: 500,
    })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(performance.now() - start).toBeLessThan(3_000);
    expect(error).toMatchObject({ code: 'ERR_REDIS_CONNECT' });
    expect((error as Error).message).toContain(`redis://127.0.0.1:${port}`);
  });

  it('reports a wrong or missing password as refused credentials', async () => {
    const wrong = `redis://:nope@127.0.0.1:${locked.port}`;
    const error = await RedisBuffer.open({ url: wrong, name: 'q', capacity: 1, connectTimeout: 2_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_REDIS_AUTH' });
    expect((error as Error).message).toContain(`redis://:***@127.0.0.1:${locked.port}`);
    expect((error as Error).message).not.toContain('nope');
    const none = await RedisBuffer.open({
      url: `redis://127.0.0.1:${locked.port}`,
      name: 'q',
      capacity: 1,
    }).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'ERR_REDIS_AUTH' });
    const right = await RedisBuffer.open<number>({ url: locked.url, name: 'q', capacity: 1 });
    opened.push(right);
    await right.put(1);
    expect(await right.get({ timeout: 1_000 })).toBe(1);
  });

  it('refuses a capacity of 0 or a fraction, naming it', async () => {
    await expect(RedisBuffer.open({ url: server.url, name: 'q', capacity: 0 })).rejects.toThrow(
      'capacity must be an integer from 1 to 2147483647, got 0 (number)',
    );
    await expect(RedisBuffer.open({ url: server.url, name: 'q', capacity: 1.5 })).rejects.toBeInstanceOf(
      RangeError,
    );
  });

  it('refuses names with odd characters, so every key stays under its own prefix', async () => {
    for (const name of ['', 'a b', '{x}', 'a:b', '*', 'x'.repeat(101), 'очередь', '-lead']) {
      await expect(RedisBuffer.open({ url: server.url, name, capacity: 1 })).rejects.toThrow(/^name must be/);
    }
    await expect(
      RedisBuffer.open({ url: server.url, name: 'q', keyPrefix: 'a b', capacity: 1 }),
    ).rejects.toThrow(/keyPrefix must be/);
  });

  it('refuses to open an existing queue with another capacity, and changes nothing', async () => {
    const first = await RedisBuffer.open({ url: server.url, name: 'shaped', capacity: 3 });
    opened.push(first);
    await expect(RedisBuffer.open({ url: server.url, name: 'shaped', capacity: 4 })).rejects.toMatchObject({
      code: 'ERR_QUEUE_MISMATCH',
    });
    const again = await RedisBuffer.open({ url: server.url, name: 'shaped', capacity: 3 });
    opened.push(again);
    expect(again.capacity).toBe(3);
  });

  it('refuses an oversize item before sending it: nothing is put', async () => {
    const queue = await RedisBuffer.open<string>({
      url: server.url,
      name: 'small',
      capacity: 2,
      codec: 'string',
      slotBytes: 8,
    });
    opened.push(queue as RedisBuffer<unknown>);
    const error = await queue.put('123456789').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ItemTooLargeError);
    expect(error).toMatchObject({ size: 9, limit: 8, item: '123456789' });
    await expect(queue.putMany(['ok', 'x'.repeat(9)])).rejects.toBeInstanceOf(ItemTooLargeError);
    expect(await queue.size()).toBe(0);
    await expect(queue.put(5 as unknown as string)).rejects.toThrow(
      "codec 'string' needs a string, got 5 (number)",
    );
  });

  it('refuses a queue made with an older key layout with a clear error, and changes nothing', async () => {
    // What conveyor before key layout 2 left in Redis: a meta hash without a layout, a data hash.
    const raw = new Redis(server.url);
    const prefix = 'conveyor:{old-layout}:';
    await raw.hset(
      `${prefix}meta`,
      'capacity',
      4,
      'codec',
      'json',
      'slotBytes',
      65536,
      'closed',
      0,
      'unfinished',
      1,
    );
    await raw.hset(`${prefix}data`, 'a-0', '1');
    await raw.rpush(`${prefix}items`, 'a-0');
    const error = await RedisBuffer.open({ url: server.url, name: 'old-layout', capacity: 4 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(QueueMismatchError);
    expect((error as Error).message).toMatch(/made with key layout 1 .*reads layout 2 only/);
    expect(await raw.lrange(`${prefix}items`, 0, -1)).toEqual(['a-0']);
    expect(await raw.hget(`${prefix}meta`, 'layout')).toBeNull();
    raw.disconnect();
  });
});
