// At-least-once delivery: leases renewed while held, redelivered ahead of newer items after a
// consumer dies (a real SIGKILL), dead-lettered after the attempt limit, re-queued by the user.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { QueueClosedError, TimeoutError } from '../../src/errors.js';
import { RedisBuffer } from '../../src/redis/index.js';
import { startChild, until } from './processes.js';
import { describeWithRedis, RedisServer } from './server.js';

describeWithRedis('RedisBuffer leases', () => {
  let server: RedisServer;
  const opened: RedisBuffer<number>[] = [];
  let n = 0;
  const open = async (
    options: { capacity?: number; leaseMs?: number; maxAttempts?: number; name?: string } = {},
  ) => {
    const queue = await RedisBuffer.open<number>({
      url: server.url,
      name: options.name ?? `leases-${n++}`,
      capacity: options.capacity ?? 4,
      leaseMs: options.leaseMs ?? 300,
      maxAttempts: options.maxAttempts ?? 5,
    });
    opened.push(queue);
    return queue;
  };
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(opened.map((queue) => queue.disconnect()));
    await server?.stop();
  });

  it('keeps renewing a lease while its holder is alive, so nobody else gets the item', async () => {
    const a = await open({ leaseMs: 200 });
    const b = await RedisBuffer.open<number>({ url: server.url, name: a.name, capacity: 4, leaseMs: 200 });
    opened.push(b);
    await a.put(1);
    const lease = await a.getWithLease({ timeout: 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 700)); // more than three lease lengths
    await expect(b.get({ timeout: 0 })).rejects.toThrow(/timed out/);
    expect(await a.inFlight()).toBe(1);
    expect(await lease.ack()).toBe(true);
    expect(await a.inFlight()).toBe(0);
    await a.join({ timeout: 1_000 });
  });

  it('delivers the item of a consumer killed with SIGKILL again, ahead of newer items, with its attempt count', async () => {
    const queue = await open({ leaseMs: 300 });
    await queue.put(10);
    const child = startChild([server.url, queue.name, '4', '300', 'hold']);
    await until(() => child.lines.some((line) => line.got === 10), 20_000, 'child took the item');
    await queue.put(11); // newer than the held item
    child.process.kill('SIGKILL');
    await child.exited;
    await new Promise((resolve) => setTimeout(resolve, 400)); // its lease (300 ms) runs out
    const again = await queue.getWithLease({ timeout: 5_000 });
    expect([again.value, again.attempt]).toEqual([10, 2]);
    const newer = await queue.getWithLease({ timeout: 1_000 });
    expect([newer.value, newer.attempt]).toEqual([11, 1]);
    expect(queue.stats.redelivered).toBe(1);
    expect(await queue.ack([again, newer])).toBe(2);
    await queue.join({ timeout: 1_000 });
  });

  it('a consumer killed after acking part of a batch: only the unacked items come again, ahead of newer items, attempt 2', async () => {
    const queue = await open({ leaseMs: 300 });
    await queue.putMany([40, 41, 42, 43]);
    const child = startChild([server.url, queue.name, '4', '300', 'hold-half']);
    await until(() => child.lines.some((line) => 'acked' in line), 20_000, 'child acked half');
    expect(child.lines.find((line) => 'acked' in line)).toEqual({ got: [40, 41, 42, 43], acked: [40, 41] });
    await queue.put(44); // newer than the held items
    expect(await queue.inFlight()).toBe(2); // items, not leases
    child.process.kill('SIGKILL');
    await child.exited;
    await new Promise((resolve) => setTimeout(resolve, 400)); // its lease (300 ms) runs out
    const got = await queue.getManyWithLease(10, { timeout: 5_000 });
    expect(got.map((lease) => [lease.value, lease.attempt])).toEqual([
      [42, 2],
      [43, 2],
      [44, 1],
    ]);
    expect(await queue.ack(got)).toBe(3);
    await queue.join({ timeout: 1_000 });
    expect([await queue.size(), await queue.inFlight()]).toEqual([0, 0]);
  });

  it('acks of one batch in any order, one at a time or together, each count once', async () => {
    const queue = await open({ capacity: 8 });
    await queue.putMany([1, 2, 3, 4, 5]);
    const got = await queue.getManyWithLease(5, { timeout: 1_000 });
    expect(await got[3].ack()).toBe(true);
    expect(await got[3].ack()).toBe(false); // already done
    expect(await queue.ack([got[4], got[0]])).toBe(2);
    expect(await got[1].release()).toBe(true); // handed back: delivered next, attempt 2
    expect(await queue.inFlight()).toBe(2);
    const again = await queue.getWithLease({ timeout: 1_000 });
    expect([again.value, again.attempt]).toEqual([2, 2]);
    expect(await queue.ack([got[2], again, got[0]])).toBe(2);
    await queue.join({ timeout: 1_000 });
    expect(await queue.inFlight()).toBe(0);
  });

  it('a get on a closed queue waits while a consumer process holds a live lease, and takes the item when that process is SIGKILLed', async () => {
    const queue = await open({ leaseMs: 400 });
    await queue.put(20);
    const child = startChild([server.url, queue.name, '4', '400', 'hold']);
    await until(() => child.lines.some((line) => line.got === 20), 20_000, 'child took the item');
    await queue.close();
    let settled = false;
    const got = queue.getWithLease({ timeout: 10_000 }).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the child renews: its lease lives on
    expect(settled).toBe(false); // not "closed and drained": the item may come back
    child.process.kill('SIGKILL');
    await child.exited;
    const lease = await got;
    expect([lease.value, lease.attempt]).toEqual([20, 2]);
    await lease.ack();
    await expect(queue.get({ timeout: 1_000 })).rejects.toBeInstanceOf(QueueClosedError);
    await queue.join({ timeout: 1_000 });
  });

  it('a get on a closed queue ends as drained once the other client acks its lease, and honours its timeout meanwhile', async () => {
    const a = await open({ leaseMs: 5_000 });
    const b = await RedisBuffer.open<number>({ url: server.url, name: a.name, capacity: 4, leaseMs: 5_000 });
    opened.push(b);
    await a.put(30);
    const held = await a.getWithLease({ timeout: 1_000 });
    await a.close();
    await expect(b.get({ timeout: 200 })).rejects.toBeInstanceOf(TimeoutError);
    const ended = b.get({ timeout: 4_000 }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ackedAt = Date.now();
    expect(await held.ack()).toBe(true);
    expect(await ended).toBeInstanceOf(QueueClosedError);
    expect(Date.now() - ackedAt).toBeLessThan(3_000); // woken by the ack, not by a timer
  });

  it('an item handed back while the buffer is full never pushes it past its capacity', async () => {
    const queue = await open({ capacity: 2, leaseMs: 150 });
    await queue.putMany([1, 2]);
    const held = await queue.getWithLease();
    await queue.put(3); // full again: 2 buffered + 1 under a lease
    await held.release();
    expect(await queue.size()).toBe(2);
    const got = await queue.getManyWithLease(5, { timeout: 1_000 });
    expect(got.map((lease) => [lease.value, lease.attempt])).toEqual([
      [1, 2],
      [2, 1],
      [3, 1],
    ]);
    await queue.ack(got);
  });

  it('moves an item to the dead-letter list after its attempts, and requeue puts it back', async () => {
    const queue = await open({ maxAttempts: 2 });
    await queue.putMany([7, 8]);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const lease = await queue.getWithLease({ timeout: 1_000 });
      expect([lease.value, lease.attempt]).toEqual([7, attempt]);
      await lease.release();
    }
    const next = await queue.getWithLease({ timeout: 1_000 }); // 7 is used up: 8 comes
    expect(next.value).toBe(8);
    await next.ack();
    const dead = await queue.deadLetters();
    expect(dead.map((letter) => [letter.payload?.toString(), letter.attempts])).toEqual([['7', 2]]);
    expect(dead[0].reason).toMatch(/lease ran out on all 2 attempts/);
    await queue.join({ timeout: 1_000 }); // a dead letter is not waited for
    expect(await queue.requeue([dead[0].id])).toBe(1);
    expect(await queue.deadLetters()).toEqual([]);
    const back = await queue.getWithLease({ timeout: 1_000 });
    expect([back.value, back.attempt]).toEqual([7, 1]);
    await back.ack();
  });

  it('an item that does not decode, is over the size limit, or is not an entry at all goes to the dead-letter list instead of crashing', async () => {
    const letters: string[] = [];
    const queue = await RedisBuffer.open<number>({
      url: server.url,
      name: `leases-${n++}`,
      capacity: 5,
      slotBytes: 16,
      onDeadLetter: (letter) => letters.push(letter.reason),
    });
    opened.push(queue);
    await queue.put(1);
    // Another program writes straight into the queue's keys: bad JSON and an oversize value in
    // entries of the key layout, then a string that is no entry at all.
    const raw = new Redis(server.url);
    const prefix = `conveyor:{${queue.name}}:`;
    const { packEntries } = await import('../../src/redis/entries.js');
    const bad = packEntries(['x1', 'x2'], ['{not json', '"0123456789012345678"']);
    await raw.rpush(`${prefix}items`, bad.subarray(0, 20), bad.subarray(20), 'garbage');
    await raw.hincrby(`${prefix}meta`, 'unfinished', 3);
    raw.disconnect();
    await queue.put(2);
    expect([await queue.get({ timeout: 1_000 }), await queue.get({ timeout: 1_000 })]).toEqual([1, 2]);
    expect(letters).toHaveLength(2); // the two entries this handle could not decode
    expect(letters[0]).toMatch(/item x1 cannot be decoded: not JSON/);
    expect(letters[1]).toMatch(/item x2: item encodes to 21 bytes, more than the slot size of 16/);
    const dead = await queue.deadLetters();
    expect(dead.map((letter) => letter.id).slice(0, 2)).toEqual(['x1', 'x2']);
    expect(dead[2].payload?.toString()).toBe('garbage'); // dead-lettered by the script itself
    expect(dead[2].reason).toMatch(/not an entry of key layout 2/);
    expect(queue.stats.deadLettered).toBe(2);
    await queue.taskDone();
    await queue.taskDone();
    await queue.join({ timeout: 1_000 }); // dead letters are not waited for
    expect(await queue.discardDeadLetters(dead.map((letter) => letter.id))).toBe(3);
  });

  it('a put script run twice with the same id (a resend after a lost reply) puts the item once', async () => {
    const queue = await open();
    const redis = new Redis(server.url);
    const { PUT } = await import('../../src/redis/scripts.js');
    const { scriptKeys, keyPrefix, SCRIPT_KEY_COUNT } = await import('../../src/redis/keys.js');
    const { packEntries } = await import('../../src/redis/entries.js');
    const prefix = keyPrefix('conveyor', queue.name);
    const entries = packEntries(['same-id'], ['5']);
    const run = () =>
      redis.eval(PUT, SCRIPT_KEY_COUNT, ...scriptKeys(prefix), prefix, '', '0', 60_000, 'same-id', entries);
    expect(await run()).toBe(1);
    expect(await run()).toBe(2);
    redis.disconnect();
    expect(await queue.size()).toBe(1);
    expect(await queue.getMany(10, { timeout: 1_000 })).toEqual([5]);
  });
});
