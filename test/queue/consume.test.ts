import { describe, expect, it } from 'vitest';
import { QueueClosedError } from '../../src/errors.js';
import { BoundedBuffer } from '../../src/queue/bounded-buffer.js';
import { Channel } from '../../src/queue/channel.js';
import { consume } from '../../src/queue/consume.js';

describe('consume()', () => {
  it('processes every item once and resolves with the count when the queue closes', async () => {
    const channel = new Channel<number>({ capacity: 4 });
    const seen: number[] = [];
    const done = consume(channel, (item) => {
      seen.push(item);
    });
    for (let i = 0; i < 100; i++) await channel.put(i);
    channel.close();
    expect(await done).toBe(100);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('runs at most `concurrency` calls at once, and uses them all', async () => {
    const channel = new Channel<number>({ capacity: 16 });
    let running = 0;
    let most = 0;
    const done = consume(
      channel,
      async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
      },
      { concurrency: 3 },
    );
    await channel.putMany(Array.from({ length: 30 }, (_, i) => i));
    channel.close();
    expect(await done).toBe(30);
    expect(most).toBe(3);
  });

  it('marks each item done, so producers can join()', async () => {
    const channel = new Channel<number>({ capacity: 2 });
    const done = consume(channel, async () => {}, { concurrency: 2 });
    await channel.putMany([1, 2, 3, 4, 5]);
    await channel.join({ timeout: 1000 });
    expect(channel.unfinished).toBe(0);
    channel.close();
    await done;
  });

  it('stops on the first error, rejects with it, and still marks that item done', async () => {
    const channel = new Channel<number>({ capacity: 8 });
    await channel.putMany([1, 2, 3, 4]);
    const boom = new Error('bad item 2');
    const done = consume(channel, (item) => {
      if (item === 2) throw boom;
    });
    await expect(done).rejects.toBe(boom);
    expect(channel.size).toBe(2); // items 3 and 4 were not taken
    expect(channel.unfinished).toBe(2);
  });

  it('stops when the signal aborts, rejecting with its reason and taking nothing more', async () => {
    const channel = new Channel<number>({ capacity: 8 });
    const controller = new AbortController();
    const done = consume(channel, () => {}, { concurrency: 2, signal: controller.signal });
    await channel.put(1);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('shutting down'));
    await expect(done).rejects.toThrow('shutting down');
    await channel.put(2);
    expect(channel.size).toBe(1);
  });

  it('rejects at once for an already-aborted signal', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    await expect(consume(channel, () => {}, { signal: AbortSignal.abort(new Error('no')) })).rejects.toThrow(
      'no',
    );
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects concurrency %s with a RangeError', async (concurrency) => {
    const channel = new Channel<number>({ capacity: 1 });
    await expect(consume(channel, () => {}, { concurrency })).rejects.toThrow(RangeError);
  });

  it('rejects a fn that is not a function with a TypeError', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    await expect(consume(channel, 'nope' as unknown as () => void)).rejects.toThrow(TypeError);
  });

  it('resolves with 0 on a queue that is already closed and drained', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    channel.close();
    expect(await consume(channel, () => {})).toBe(0);
    expect(() => channel.tryGet()).toThrow(QueueClosedError);
  });

  it('works the same on a shared-memory BoundedBuffer', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 8 });
    let sum = 0;
    const done = consume(
      buffer,
      (item) => {
        sum += item;
      },
      { concurrency: 2 },
    );
    for (let i = 1; i <= 50; i++) await buffer.put(i, { timeout: 1000 });
    buffer.close();
    expect(await done).toBe(50);
    expect(sum).toBe(1275);
  });
});
