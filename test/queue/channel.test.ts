import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueueClosedError, TaskDoneError, TimeoutError } from '../../src/errors.js';
import { Channel, MAX_CHANNEL_CAPACITY } from '../../src/queue/channel.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Records how a promise settled, without leaving it unhandled. */
function track<T>(promise: Promise<T>): {
  state: 'pending' | 'resolved' | 'rejected';
  value?: T;
  reason?: unknown;
} {
  const t: { state: 'pending' | 'resolved' | 'rejected'; value?: T; reason?: unknown } = { state: 'pending' };
  promise.then(
    (value) => {
      t.state = 'resolved';
      t.value = value;
    },
    (reason) => {
      t.state = 'rejected';
      t.reason = reason;
    },
  );
  return t;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('new Channel()', () => {
  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_CHANNEL_CAPACITY + 1])(
    'rejects capacity %s with a RangeError that names it',
    (capacity) => {
      expect(() => new Channel({ capacity })).toThrow(RangeError);
      expect(() => new Channel({ capacity })).toThrow(String(capacity));
    },
  );

  it("rejects capacity '4' (a string) with a TypeError", () => {
    expect(() => new Channel({ capacity: '4' as unknown as number })).toThrow(TypeError);
    expect(() => new Channel({ capacity: '4' as unknown as number })).toThrow("'4' (string)");
  });

  it('rejects missing options with a TypeError', () => {
    expect(() => new Channel(undefined as unknown as { capacity: number })).toThrow(TypeError);
  });

  it('reports its capacity, size and closed state', () => {
    const channel = new Channel<number>({ capacity: 3 });
    expect(channel.capacity).toBe(3);
    expect(channel.size).toBe(0);
    expect(channel.closed).toBe(false);
    channel.tryPut(1);
    expect(channel.size).toBe(1);
  });
});

describe('Channel put and get', () => {
  it('gives items back in the order they were put', async () => {
    const channel = new Channel<number>({ capacity: 4 });
    for (let i = 0; i < 4; i++) await channel.put(i);
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await channel.get());
    expect(got).toEqual([0, 1, 2, 3]);
  });

  it('passes objects by reference', async () => {
    const channel = new Channel<{ n: number }>({ capacity: 1 });
    const item = { n: 1 };
    await channel.put(item);
    expect(await channel.get()).toBe(item);
  });

  it('makes a put wait while the channel is full, until a get makes room', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    await channel.put(1);
    const second = track(channel.put(2));
    await settle();
    expect(second.state).toBe('pending');
    expect(await channel.get()).toBe(1);
    await settle();
    expect(second.state).toBe('resolved');
    expect(channel.size).toBe(1);
    expect(await channel.get()).toBe(2);
  });

  it('makes a get wait while the channel is empty, until a put arrives', async () => {
    const channel = new Channel<string>({ capacity: 2 });
    const got = track(channel.get());
    await settle();
    expect(got.state).toBe('pending');
    await channel.put('a');
    await settle();
    expect(got).toMatchObject({ state: 'resolved', value: 'a' });
    expect(channel.size).toBe(0);
  });

  it('serves waiting getters first come, first served', async () => {
    const channel = new Channel<number>({ capacity: 2 });
    const first = track(channel.get());
    const second = track(channel.get());
    const third = track(channel.get());
    await channel.put(1);
    await channel.put(2);
    await channel.put(3);
    await settle();
    expect([first.value, second.value, third.value]).toEqual([1, 2, 3]);
  });

  it('serves waiting putters first come, first served, and a new put does not barge past them', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    await channel.put(0);
    const puts = [track(channel.put(1)), track(channel.put(2))];
    expect(await channel.get()).toBe(0);
    // Room for one: the first waiting putter takes it, and tryPut must not jump the line.
    expect(channel.tryPut(99)).toBe(false);
    expect(await channel.get()).toBe(1);
    expect(await channel.get()).toBe(2);
    await settle();
    expect(puts.map((p) => p.state)).toEqual(['resolved', 'resolved']);
  });

  it('tryPut returns false when full and tryGet reports no item when empty, never waiting', () => {
    const channel = new Channel<number | undefined>({ capacity: 1 });
    expect(channel.tryGet()).toEqual({ ok: false });
    expect(channel.tryPut(undefined)).toBe(true);
    expect(channel.tryPut(2)).toBe(false);
    // An undefined item is told apart from "no item".
    expect(channel.tryGet()).toEqual({ ok: true, value: undefined });
  });

  it('keeps order across many wrap-arounds of its ring', async () => {
    const channel = new Channel<number>({ capacity: 5 });
    const got: number[] = [];
    const consumer = (async () => {
      for (let i = 0; i < 1000; i++) got.push(await channel.get());
    })();
    for (let i = 0; i < 1000; i++) await channel.put(i);
    await consumer;
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('holds up to a large capacity, growing its ring as needed', () => {
    const channel = new Channel<number>({ capacity: 5000 });
    for (let i = 0; i < 5000; i++) expect(channel.tryPut(i)).toBe(true);
    expect(channel.tryPut(5000)).toBe(false);
    for (let i = 0; i < 5000; i++) expect(channel.tryGet()).toEqual({ ok: true, value: i });
  });

  it('put without options resolves at once when there is room', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    const put = track(channel.put(1));
    await Promise.resolve();
    await Promise.resolve();
    expect(put.state).toBe('resolved');
  });
});

describe('Channel of capacity 0 (rendezvous)', () => {
  it('completes a put only when a get takes its item', async () => {
    const channel = new Channel<string>({ capacity: 0 });
    const put = track(channel.put('x'));
    await settle();
    expect(put.state).toBe('pending');
    expect(channel.size).toBe(0);
    expect(await channel.get()).toBe('x');
    await settle();
    expect(put.state).toBe('resolved');
  });

  it('hands a put straight to a getter that is already waiting', async () => {
    const channel = new Channel<string>({ capacity: 0 });
    const got = track(channel.get());
    await channel.put('y');
    await settle();
    expect(got.value).toBe('y');
  });

  it('tryPut succeeds only while a getter waits, and tryGet only while a putter waits', async () => {
    const channel = new Channel<number>({ capacity: 0 });
    expect(channel.tryPut(1)).toBe(false);
    expect(channel.tryGet()).toEqual({ ok: false });
    const got = track(channel.get());
    expect(channel.tryPut(2)).toBe(true);
    const put = track(channel.put(3));
    expect(channel.tryGet()).toEqual({ ok: true, value: 3 });
    await settle();
    expect(got.value).toBe(2);
    expect(put.state).toBe('resolved');
  });

  it('putMany hands items over one at a time and getMany takes every waiting putter', async () => {
    const channel = new Channel<number>({ capacity: 0 });
    const many = track(channel.putMany([1, 2, 3]));
    const single = track(channel.put(4));
    await settle();
    expect(await channel.getMany(10)).toEqual([1, 4]);
    expect(await channel.getMany(10)).toEqual([2]);
    expect(await channel.get()).toBe(3);
    await settle();
    expect(many.state).toBe('resolved');
    expect(single.state).toBe('resolved');
  });
});

describe('Channel putMany and getMany', () => {
  it('putMany puts every item in order, waiting for room batch by batch', async () => {
    const channel = new Channel<number>({ capacity: 3 });
    const put = track(channel.putMany([1, 2, 3, 4, 5, 6, 7]));
    const got: number[] = [];
    while (got.length < 7) got.push(...(await channel.getMany(2)));
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await settle();
    expect(put.state).toBe('resolved');
  });

  it('putMany puts a batch whole or not at all', async () => {
    const channel = new Channel<number>({ capacity: 3 });
    await channel.put(0);
    const put = track(channel.putMany([1, 2, 3]));
    await settle();
    expect(channel.size).toBe(1); // room for 2 is not room for the batch of 3
    await channel.get();
    await settle();
    expect(channel.size).toBe(3);
    expect(put.state).toBe('resolved');
  });

  it('putMany accepts any iterable', async () => {
    const channel = new Channel<number>({ capacity: 4 });
    await channel.putMany(new Set([5, 6]));
    expect(await channel.getMany(4)).toEqual([5, 6]);
  });

  it('putMany rejects a non-iterable with a TypeError', async () => {
    const channel = new Channel<number>({ capacity: 4 });
    await expect(channel.putMany(3 as unknown as number[])).rejects.toThrow(TypeError);
  });

  it('getMany waits for the first item only, then returns up to max of what is there', async () => {
    const channel = new Channel<number>({ capacity: 8 });
    const got = track(channel.getMany(5));
    await settle();
    expect(got.state).toBe('pending');
    await channel.putMany([1, 2, 3]);
    await settle();
    expect(got.value).toEqual([1, 2, 3]);
    await channel.putMany([4, 5, 6]);
    expect(await channel.getMany(2)).toEqual([4, 5]);
  });

  it.each([0, -1, 1.5, Number.NaN])('getMany rejects max %s with a RangeError', async (max) => {
    const channel = new Channel<number>({ capacity: 8 });
    await expect(channel.getMany(max)).rejects.toThrow(RangeError);
  });

  it('getMany lets waiting putters in as it takes, so a full channel drains in one call', async () => {
    const channel = new Channel<number>({ capacity: 2 });
    await channel.putMany([1, 2]);
    const put = track(channel.put(3));
    expect(await channel.getMany(10)).toEqual([1, 2, 3]);
    await settle();
    expect(put.state).toBe('resolved');
  });
});

describe('Channel timeouts and aborts', () => {
  it('a get with timeout 0 on an empty channel rejects at once with TimeoutError', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    const error = await channel.get({ timeout: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('ERR_CONVEYOR_TIMEOUT');
  });

  it('a put with timeout 0 succeeds when there is room', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    await channel.put(1, { timeout: 0 });
    expect(channel.size).toBe(1);
  });

  it('a timed-out put leaves nothing in the channel and clears its timer', async () => {
    vi.useFakeTimers();
    const channel = new Channel<number>({ capacity: 1 });
    await channel.put(1);
    const put = track(channel.put(2, { timeout: 50 }));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(put.state).toBe('rejected');
    expect(put.reason).toBeInstanceOf(TimeoutError);
    expect(vi.getTimerCount()).toBe(0);
    expect(await channel.get()).toBe(1);
    expect(channel.tryGet()).toEqual({ ok: false });
  });

  it('a timed-out getter leaves the line at once, so the next item goes to the getter behind it', async () => {
    vi.useFakeTimers();
    const channel = new Channel<number>({ capacity: 1 });
    const first = track(channel.get({ timeout: 10 }));
    const second = track(channel.get());
    await vi.advanceTimersByTimeAsync(10);
    expect(first.reason).toBeInstanceOf(TimeoutError);
    await channel.put(7);
    await vi.advanceTimersByTimeAsync(0);
    expect(second.value).toBe(7);
  });

  it('a get served before its timeout clears its timer', async () => {
    vi.useFakeTimers();
    const channel = new Channel<number>({ capacity: 1 });
    const got = track(channel.get({ timeout: 1000 }));
    expect(vi.getTimerCount()).toBe(1);
    await channel.put(3);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(got.value).toBe(3);
  });

  it('an aborted get rejects with the signal reason, takes nothing, and removes its listener', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    const controller = new AbortController();
    const got = track(channel.get({ signal: controller.signal }));
    const reason = new Error('stop');
    controller.abort(reason);
    await settle();
    expect(got).toMatchObject({ state: 'rejected', reason });
    await channel.put(1);
    expect(channel.size).toBe(1);
  });

  it('an already-aborted signal rejects at once even when the call could complete', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    channel.tryPut(1);
    const signal = AbortSignal.abort(new Error('already'));
    await expect(channel.get({ signal })).rejects.toThrow('already');
    await expect(channel.put(2, { signal })).rejects.toThrow('already');
    await expect(channel.join({ signal })).rejects.toThrow('already');
    expect(channel.size).toBe(1);
  });

  it('an aborted putMany reports the items it did not put', async () => {
    const channel = new Channel<number>({ capacity: 2 });
    const controller = new AbortController();
    const put = track(channel.putMany([1, 2, 3, 4], { signal: controller.signal }));
    await settle();
    controller.abort(new Error('enough'));
    await settle();
    expect(put.state).toBe('rejected');
    expect((put.reason as { items: number[] }).items).toEqual([3, 4]);
    expect(await channel.getMany(4)).toEqual([1, 2]);
  });

  it('a timed-out putMany reports the items it did not put', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    const error = await channel.putMany([1, 2, 3], { timeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as { items: number[] }).items).toEqual([2, 3]);
  });

  it('a large putMany batch that times out at the head lets the smaller put behind it in', async () => {
    vi.useFakeTimers();
    const channel = new Channel<number>({ capacity: 3 });
    await channel.putMany([0, 0]);
    const big = track(channel.putMany([1, 2, 3], { timeout: 10 }));
    const small = track(channel.put(4));
    await vi.advanceTimersByTimeAsync(10);
    expect(big.state).toBe('rejected');
    expect(small.state).toBe('resolved');
    expect(channel.size).toBe(3);
  });

  it.each([-1, Number.NaN])('rejects timeout %s with a RangeError', async (timeout) => {
    const channel = new Channel<number>({ capacity: 1 });
    await expect(channel.get({ timeout })).rejects.toThrow(RangeError);
    await expect(channel.put(1, { timeout })).rejects.toThrow(RangeError);
    expect(channel.size).toBe(0);
  });

  it('rejects a signal that is not an AbortSignal with a TypeError', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    await expect(channel.get({ signal: {} as AbortSignal })).rejects.toThrow(TypeError);
  });
});

describe('Channel close', () => {
  it('fails later puts with QueueClosedError carrying the item back', () => {
    const channel = new Channel<string>({ capacity: 1 });
    channel.close();
    expect(channel.closed).toBe(true);
    try {
      channel.tryPut('lost?');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(QueueClosedError);
      expect((error as QueueClosedError).item).toBe('lost?');
      expect((error as QueueClosedError).code).toBe('ERR_QUEUE_CLOSED');
    }
  });

  it('fails putters already waiting, each with its own item', async () => {
    const channel = new Channel<string>({ capacity: 1 });
    await channel.put('kept');
    const put = track(channel.put('returned'));
    const many = track(channel.putMany(['a', 'b']));
    expect(channel.close()).toEqual([]);
    await settle();
    expect((put.reason as QueueClosedError).item).toBe('returned');
    expect((many.reason as QueueClosedError).items).toEqual(['a', 'b']);
    expect(await channel.get()).toBe('kept');
  });

  it('lets getters drain what is buffered, then fails them with QueueClosedError', async () => {
    const channel = new Channel<number>({ capacity: 2 });
    await channel.putMany([1, 2]);
    channel.close();
    expect(await channel.get()).toBe(1);
    expect(channel.tryGet()).toEqual({ ok: true, value: 2 });
    await expect(channel.get()).rejects.toBeInstanceOf(QueueClosedError);
    expect(() => channel.tryGet()).toThrow(QueueClosedError);
  });

  it('wakes every waiting getter with QueueClosedError', async () => {
    const channel = new Channel<number>({ capacity: 2 });
    const gets = [track(channel.get()), track(channel.getMany(3)), track(channel.get())];
    channel.close();
    await settle();
    for (const g of gets) expect(g.reason).toBeInstanceOf(QueueClosedError);
  });

  it('with immediate: true discards the buffered items and returns them', async () => {
    const channel = new Channel<number>({ capacity: 3 });
    await channel.putMany([1, 2, 3]);
    expect(channel.close({ immediate: true })).toEqual([1, 2, 3]);
    expect(channel.size).toBe(0);
    await expect(channel.get()).rejects.toBeInstanceOf(QueueClosedError);
    // Discarded items count as done, so join does not hang on them.
    await channel.join({ timeout: 0 });
  });

  it('an immediate close after a plain one discards what is left', async () => {
    const channel = new Channel<number>({ capacity: 3 });
    await channel.putMany([1, 2]);
    expect(channel.close()).toEqual([]);
    expect(channel.close({ immediate: true })).toEqual([1, 2]);
  });

  it('rejects an immediate option that is not a boolean', () => {
    const channel = new Channel<number>({ capacity: 3 });
    expect(() => channel.close({ immediate: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(channel.closed).toBe(false);
  });
});

describe('Channel taskDone and join', () => {
  it('join resolves once every item put has been marked done', async () => {
    const channel = new Channel<number>({ capacity: 4 });
    await channel.putMany([1, 2]);
    const joined = track(channel.join());
    await channel.get();
    channel.taskDone();
    await settle();
    expect(joined.state).toBe('pending');
    await channel.get();
    channel.taskDone();
    await settle();
    expect(joined.state).toBe('resolved');
  });

  it('join resolves at once when nothing is unfinished', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    await channel.join({ timeout: 0 });
  });

  it('taskDone called more often than items were put throws TaskDoneError', async () => {
    const channel = new Channel<number>({ capacity: 1 });
    await channel.put(1);
    await channel.get();
    channel.taskDone();
    expect(() => channel.taskDone()).toThrow(TaskDoneError);
  });

  it('join times out with TimeoutError while items are unfinished, and clears its timer', async () => {
    vi.useFakeTimers();
    const channel = new Channel<number>({ capacity: 1 });
    await channel.put(1);
    const joined = track(channel.join({ timeout: 20 }));
    await vi.advanceTimersByTimeAsync(20);
    expect(joined.reason).toBeInstanceOf(TimeoutError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts items handed over at a rendezvous', async () => {
    const channel = new Channel<number>({ capacity: 0 });
    const got = channel.get();
    await channel.put(1);
    await got;
    expect(channel.unfinished).toBe(1);
    channel.taskDone();
    await channel.join({ timeout: 0 });
  });
});

describe('Channel async iteration', () => {
  it('yields items until the channel is closed and drained', async () => {
    const channel = new Channel<number>({ capacity: 2 });
    const producer = (async () => {
      for (let i = 0; i < 10; i++) await channel.put(i);
      channel.close();
    })();
    const got: number[] = [];
    for await (const item of channel) got.push(item);
    await producer;
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('ends a waiting iteration when the channel closes', async () => {
    const channel = new Channel<number>({ capacity: 2 });
    const done = (async () => {
      const got: number[] = [];
      for await (const item of channel) got.push(item);
      return got;
    })();
    await settle();
    channel.close();
    expect(await done).toEqual([]);
  });

  it('breaking out of the loop leaves the channel open with its items', async () => {
    const channel = new Channel<number>({ capacity: 3 });
    await channel.putMany([1, 2, 3]);
    for await (const item of channel) if (item === 1) break;
    expect(channel.closed).toBe(false);
    expect(await channel.getMany(3)).toEqual([2, 3]);
  });
});

describe('Channel against a sequential model', () => {
  it('random tryPut/tryGet/close sequences match an array model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.oneof(fc.constant('get' as const), fc.constant('close' as const), fc.integer()), {
          maxLength: 60,
        }),
        (capacity, ops) => {
          const channel = new Channel<number>({ capacity });
          const model: number[] = [];
          let closed = false;
          for (const op of ops) {
            if (op === 'close') {
              channel.close();
              closed = true;
            } else if (op === 'get') {
              if (model.length === 0 && closed) expect(() => channel.tryGet()).toThrow(QueueClosedError);
              else if (model.length === 0) expect(channel.tryGet()).toEqual({ ok: false });
              else expect(channel.tryGet()).toEqual({ ok: true, value: model.shift() });
            } else if (closed) {
              expect(() => channel.tryPut(op)).toThrow(QueueClosedError);
            } else {
              const fits = model.length < capacity;
              expect(channel.tryPut(op)).toBe(fits);
              if (fits) model.push(op);
            }
            expect(channel.size).toBe(model.length);
          }
        },
      ),
    );
  });

  it('random producers, consumers, timeouts and a close lose and duplicate nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 200 }),
        async (capacity, producers, consumers, closeAfter) => {
          const channel = new Channel<string>({ capacity });
          const put: string[] = [];
          const returned: string[] = [];
          const got: string[] = [];
          let ticks = 0;
          const produce = async (p: number) => {
            for (let i = 0; i < 30; i++) {
              const item = `${p}:${i}`;
              try {
                if (i % 3 === 0) await channel.putMany([item], { timeout: 1 });
                else await channel.put(item);
                put.push(item);
              } catch (error) {
                if (error instanceof QueueClosedError) {
                  returned.push(...((error.items as string[]) ?? [error.item as string]));
                  return;
                }
                if (!(error instanceof TimeoutError)) throw error;
                returned.push(item);
              }
            }
          };
          const consume = async () => {
            for (;;) {
              if (++ticks === closeAfter) returned.push(...channel.close({ immediate: ticks % 2 === 0 }));
              try {
                const items = ticks % 2 === 0 ? [await channel.get()] : await channel.getMany(3);
                got.push(...items);
              } catch (error) {
                if (error instanceof QueueClosedError) return;
                throw error;
              }
            }
          };
          const work = [...Array.from({ length: producers }, (_, p) => produce(p))];
          const readers = Array.from({ length: consumers }, consume);
          await Promise.all(work);
          channel.close();
          await Promise.all(readers);
          // Every item put was got or discarded, exactly once; per-producer order kept.
          expect([...got, ...returned.filter((x) => put.includes(x))].sort()).toEqual([...put].sort());
          for (let p = 0; p < producers; p++) {
            const mine = got.filter((x) => x.startsWith(`${p}:`)).map((x) => Number(x.split(':')[1]));
            expect(mine).toEqual([...mine].sort((a, b) => a - b));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
