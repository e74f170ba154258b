// The one-producer, one-consumer lane ({ producers: 1, consumers: 1 }): every item exactly once
// and in order between real workers, singles and batches, typed and boxed; close in the middle of
// a batch; a second producer or consumer refused; recovery after worker.terminate() mid-batch.
import { threadId, type Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  BoundedBuffer,
  BufferCorruptedError,
  LaneRoleError,
  QueueClosedError,
  type RecoveryReport,
  TimeoutError,
} from '../../../src/index.js';
import { HEAD, TAIL } from '../../../src/queue/bounded-buffer/layout.js';
import { exited, firstMessage, startWorker } from '../../helpers/worker.js';
import { int32Codec } from '../../tooling/stall-codec.js';
import type { LaneJob, Mode } from '../../workers/lane-actor.js';

const ACTOR = new URL('../../workers/lane-actor.ts', import.meta.url);
const LANE = { producers: 1, consumers: 1 } as const;

/** Each started worker's exit (listened to from the start: a worker may exit before we look). */
const exits = new Map<Worker, Promise<number>>();

function start(job: LaneJob): Worker {
  const worker = startWorker(ACTOR, { workerData: job });
  exits.set(worker, exited(worker, 30_000));
  return worker;
}

const exitOf = (worker: Worker) => exits.get(worker)!;

/** 0, 1, …, n - 1. */
const upTo = (n: number) => Array.from({ length: n }, (_, k) => k);

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('BoundedBuffer lane ({ producers: 1, consumers: 1 })', () => {
  it('is declared with both options, and refuses one without the other or another number', () => {
    expect(() => new BoundedBuffer({ capacity: 4, producers: 1 } as never)).toThrow(
      'producers: 1 needs consumers: 1 too: a lane is one producer and one consumer (leave both out for any number)',
    );
    expect(() => new BoundedBuffer({ capacity: 4, producers: 2, consumers: 1 } as never)).toThrow(
      /producers must be 1 .* or left out \(any number\), got 2/,
    );
    const lane = BoundedBuffer.from(new BoundedBuffer({ capacity: 4, ...LANE }).handle);
    lane.putManySync(Int32Array.of(1, 2, 3));
    expect(lane.getManySync(4)).toEqual([1, 2, 3]);
  });

  it('copies Float64Array batches in and out across the wrap', async () => {
    const lane = new BoundedBuffer({ capacity: 3, codec: 'float64', ...LANE });
    const into = new Float64Array(3);
    await lane.putMany(Float64Array.of(0.5, -1e300));
    expect(await lane.getMany(1, { into })).toBe(1);
    await lane.putMany(Float64Array.of(Number.NaN, 3.25)); // slots 2 and 0
    expect(await lane.getMany(3, { into })).toBe(3);
    expect([...into]).toEqual([-1e300, Number.NaN, 3.25]);
  });

  it('copies large typed batches across the wrap, from and into views at an offset', () => {
    for (const codec of ['int32', 'float64'] as const) {
      const lane = new BoundedBuffer({ capacity: 1000, codec, ...LANE });
      const values = Array.from({ length: 1600 }, (_, k) => k * 3 + 1);
      const source = codec === 'int32' ? Int32Array.from(values) : Float64Array.from(values);
      const into = codec === 'int32' ? new Int32Array(1700) : new Float64Array(1700);
      lane.putManySync(source.subarray(0, 700)); // slots 0..699
      expect(lane.getManySync(700, { into: into.subarray(1, 701) })).toBe(700);
      lane.putManySync(source.subarray(700, 1600)); // 900 items: slots 700..999, then 0..599
      expect(lane.getManySync(1000, { into: into.subarray(701) })).toBe(900);
      expect(into[0]).toBe(0);
      expect([...into.subarray(1, 1601)]).toEqual([...source]);
      expect([...into.subarray(1601)].every((v) => v === 0)).toBe(true);
    }
  });

  it('refuses a second view in the same thread as producer or consumer, putting or taking nothing', async () => {
    const lane = new BoundedBuffer({ capacity: 4, ...LANE });
    lane.putSync(1);
    const other = BoundedBuffer.from(lane.handle);
    const refused = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        return error as LaneRoleError;
      }
      throw new Error('not refused');
    };
    const put = refused(() => other.putManySync(Int32Array.of(2, 3)));
    expect(put).toBeInstanceOf(LaneRoleError);
    expect(put.code).toBe('ERR_LANE_ROLE_TAKEN');
    expect(put.role).toBe('producer');
    expect(put.message).toMatch(/its producer is another view of it in this thread/);
    expect(lane.getSync({ timeout: 0 })).toBe(1);
    const get = refused(() => other.tryGet());
    expect(get.role).toBe('consumer');
    await expect(other.put(4)).rejects.toThrow(LaneRoleError); // the Promise forms reject alike
    await expect(other.getMany(2)).rejects.toThrow(LaneRoleError);
    expect(lane.size).toBe(0);
    // Reading the state and closing attach to no side.
    expect(other.size).toBe(0);
    expect(other.close()).toEqual([]);
  });

  it.each([
    ['typed batches (putMany(Int32Array), getMany({ into }))', 'typed', 'int32', 30_000],
    ['boxed batches (arrays)', 'boxed', 'int32', 30_000],
    ['singles (putSync, getSync)', 'singles', 'int32', 10_000],
    ["boxed batches through codec 'json'", 'boxed', 'json', 5_000],
  ] as const)(
    'moves every item exactly once and in order between two workers: %s',
    async (_name, mode, codec, items) => {
      const buffer = new BoundedBuffer({ capacity: 16, codec, ...LANE } as {
        capacity: number;
        codec: 'int32';
      });
      const consumer = start({ task: 'consume', handle: buffer.handle, mode: mode as Mode, seed: 7 });
      const producer = start({ task: 'produce', handle: buffer.handle, mode: mode as Mode, items, seed: 3 });
      const got = firstMessage<number[]>(consumer, 30_000);
      expect(await firstMessage(producer, 30_000)).toBe('produced');
      buffer.close();
      const all = await got;
      await Promise.all([exitOf(producer), exitOf(consumer)]);
      expect(all.length).toBe(items);
      expect(all.join()).toBe(upTo(items).join());
    },
  );

  it('refuses a second producer in another worker, naming the producer thread, and a second consumer', async () => {
    const buffer = new BoundedBuffer({ capacity: 8, ...LANE });
    const producer = start({
      task: 'produce',
      handle: buffer.handle,
      mode: 'typed',
      items: 8,
      seed: 1,
      hold: true,
    });
    expect(await firstMessage(producer)).toBe('produced'); // full now: 0..7, and it holds the producer side
    const second = start({ task: 'try-put', handle: buffer.handle });
    expect(await firstMessage(second)).toEqual({
      name: 'LaneRoleError',
      code: 'ERR_LANE_ROLE_TAKEN',
      role: 'producer',
      owner: producer.threadId,
      message: expect.stringContaining(`its producer is thread ${producer.threadId}`),
    });
    expect(buffer.getManySync(3, { timeout: 0 })).toEqual([0, 1, 2]); // this thread is the consumer now
    const consumer = start({ task: 'try-get', handle: buffer.handle });
    expect(await firstMessage(consumer)).toMatchObject({
      name: 'LaneRoleError',
      role: 'consumer',
      owner: threadId,
    });
    await Promise.all([exitOf(second), exitOf(consumer)]);
    expect(buffer.getManySync(8, { timeout: 0 })).toEqual([3, 4, 5, 6, 7]); // nothing put or taken by either
    await producer.terminate();
  });

  it("close() in the middle of a producer's batch: what was put is got, the rest is in the error, nothing twice", async () => {
    const items = 1_000;
    const buffer = new BoundedBuffer({ capacity: 8, ...LANE });
    const producer = start({ task: 'put-all', handle: buffer.handle, items });
    const outcome = firstMessage<{ name: string; notPut: number[] }>(producer);
    const got: number[] = [];
    while (got.length < 100) got.push(await buffer.get({ timeout: 10_000 }));
    buffer.close(); // the producer is waiting for room in its batch of 1000
    while (buffer.size > 0) got.push(buffer.getSync({ timeout: 0 }));
    const { name, notPut } = await outcome;
    await exitOf(producer);
    expect(name).toBe('QueueClosedError');
    expect(() => buffer.tryGet()).toThrow(QueueClosedError);
    expect([...got, ...notPut].join()).toBe(upTo(items).join());
  });

  it('close({ immediate: true }) from the consumer discards and returns what is buffered, and wakes a waiting producer', async () => {
    const buffer = new BoundedBuffer({ capacity: 4, ...LANE });
    expect(buffer.tryGet()).toEqual({ ok: false }); // this view is the consumer
    const producer = start({ task: 'produce', handle: buffer.handle, mode: 'typed', items: 100, seed: 2 });
    await until(() => buffer.size === 4, 'the lane is full');
    const discarded = buffer.close({ immediate: true });
    expect(discarded).toEqual([0, 1, 2, 3]);
    await expect(exitOf(producer)).rejects.toThrow(/closed/); // its putManySync failed: QueueClosedError
    expect(buffer.size).toBe(0);
    expect(buffer.unfinished).toBe(0);
    expect(() => buffer.tryGet()).toThrow(QueueClosedError);
  });

  it('close({ immediate: true }) from another view discards only while no view holds the consumer side', () => {
    const first = new BoundedBuffer({ capacity: 4, ...LANE });
    first.putManySync([1, 2, 3]); // the producer's view; no consumer yet
    expect(first.close({ immediate: true })).toEqual([1, 2, 3]); // borrowed the free consumer side
    const consumer = BoundedBuffer.from(first.handle);
    expect(() => consumer.tryGet()).toThrow(QueueClosedError); // the side was given back: it attaches
    expect(first.unfinished).toBe(0);

    const second = new BoundedBuffer({ capacity: 4, ...LANE });
    second.putManySync([1, 2, 3]);
    const holder = BoundedBuffer.from(second.handle);
    expect(holder.getSync({ timeout: 0 })).toBe(1); // holds the consumer side now
    expect(second.close({ immediate: true })).toEqual([]); // cannot take from under it
    expect(holder.getManySync(4, { timeout: 0 })).toEqual([2, 3]);
    expect(() => holder.tryGet()).toThrow(QueueClosedError);
  });

  it('drops the unpublished batch of a producer terminated mid-batch, keeps what it published, and lets another producer take over', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 8, codec: int32Codec(), ...LANE });
    const producer = start({ task: 'stall-put', handle: buffer.handle });
    const reports: RecoveryReport<number>[] = [];
    buffer.watch(producer, (report) => reports.push(report));
    expect(await firstMessage(producer)).toBe('first');
    await until(() => buffer.size === 1, 'the producer has published 10');
    expect(buffer.getSync({ timeout: 1_000 })).toBe(10);
    // Its batch [1, 2, 3, 4]: 1 and 2 written, stalled writing 3; none of it published.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(buffer.size).toBe(0);
    const early = BoundedBuffer.from<number>(buffer.handle, { codec: int32Codec() });
    expect(() => early.putSync(5)).toThrow(LaneRoleError); // the stalled producer still holds the side
    const waiting = buffer.get({ timeout: 5_000 });
    await producer.terminate();
    expect(reports).toEqual([{ threadId: expect.any(Number), droppedPuts: 0, returned: [], undecided: 0 }]);
    early.putSync(20, { timeout: 1_000 }); // the side is free again: this view takes it over
    await expect(waiting).resolves.toBe(20);
    expect(buffer.size).toBe(0);
  });

  it('a producer killed at a random moment of a stream of batches leaves whole batches only, every acknowledged one in', async () => {
    const batch = 7;
    const buffer = new BoundedBuffer({ capacity: 16, ...LANE });
    const acks = new Int32Array(new SharedArrayBuffer(4));
    const producer = start({
      task: 'acked-batches',
      handle: buffer.handle,
      batch,
      acks: acks.buffer as SharedArrayBuffer,
    });
    buffer.watch(producer);
    const got: number[] = [];
    const into = new Int32Array(64);
    // Killed while this thread keeps taking, so that it dies in the middle of its stream.
    let gone = false;
    void exitOf(producer).then(() => (gone = true));
    let kill: NodeJS.Timeout | undefined;
    while (!gone) {
      // Once the stream flows, a kill within the next 30 ms.
      if (kill === undefined && got.length > 2_000) {
        kill = setTimeout(() => void producer.terminate(), Math.random() * 30);
      }
      try {
        const n = await buffer.getMany(64, { into, timeout: 20 });
        for (let j = 0; j < n; j++) got.push(into[j]!);
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
      }
    }
    clearTimeout(kill);
    const acked = Atomics.load(acks, 0);
    while (buffer.size > 0) {
      const n = buffer.getManySync(64, { into, timeout: 0 });
      for (let j = 0; j < n; j++) got.push(into[j]!);
    }
    expect(got.length).toBeGreaterThan(0);
    expect(got.join()).toBe(upTo(got.length).join());
    expect(got.length % batch).toBe(0);
    expect(got.length / batch - acked).toBeGreaterThanOrEqual(0); // every acknowledged batch
    expect(got.length / batch - acked).toBeLessThanOrEqual(1); // and at most the one it was acknowledging
  }, 30_000);

  it('a consumer terminated mid-stream frees its side for another, which gets the rest in order', async () => {
    const items = 5_000;
    const buffer = new BoundedBuffer({ capacity: 16, ...LANE });
    const log = new Int32Array(new SharedArrayBuffer(4 * (items + 1)));
    const consumer = start({
      task: 'logged-consume',
      handle: buffer.handle,
      log: log.buffer as SharedArrayBuffer,
    });
    const reports: RecoveryReport<number>[] = [];
    buffer.watch(consumer, (report) => reports.push(report));
    let put = 0;
    while (Atomics.load(log, 0) < items / 2) {
      await buffer.putMany(
        Int32Array.from({ length: 10 }, (_, j) => put + j),
        { timeout: 10_000 },
      );
      put += 10;
    }
    expect(() => buffer.tryGet()).toThrow(LaneRoleError); // the consumer is the worker's
    await consumer.terminate();
    await until(() => reports.length === 1, 'the consumer is recovered');
    const logged = Array.from(log.subarray(1, 1 + Atomics.load(log, 0)));
    // This thread takes the consumer side over; it gets what the dead one had not taken.
    const rest = buffer.size > 0 ? buffer.getManySync(items, { timeout: 0 }) : [];
    while (put < items) {
      buffer.putManySync(
        Int32Array.from({ length: 10 }, (_, j) => put + j),
        { timeout: 0 },
      );
      put += 10;
      rest.push(...buffer.getManySync(10, { timeout: 0 }));
    }
    expect(logged.join()).toBe(upTo(logged.length).join());
    // Between them: at most one batch (of 5 at most) that the dead consumer took and had not logged.
    const gap = rest[0]! - logged.length;
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThanOrEqual(5);
    expect(rest.join()).toBe(
      upTo(items)
        .slice(logged.length + gap)
        .join(),
    );
  }, 30_000);

  it('a lane whose TAIL or HEAD was overwritten throws BufferCorruptedError instead of handing out garbage', () => {
    const tail = new BoundedBuffer({ capacity: 4, ...LANE });
    new Int32Array(tail.handle.memory)[TAIL] = 3 + 8 * 5; // five laps ahead of HEAD
    expect(() => tail.tryGet()).toThrow(BufferCorruptedError);
    const head = new BoundedBuffer({ capacity: 4, ...LANE });
    head.putSync(1);
    new Int32Array(head.handle.memory)[HEAD] = 6; // slot 6 of a ring of 4
    expect(() => head.putManySync([2, 3, 4, 5])).toThrow(BufferCorruptedError);
  });

  it('times out a put on a full lane and a get on an empty one, and aborts with the signal', async () => {
    const buffer = new BoundedBuffer({ capacity: 2, ...LANE });
    buffer.putManySync([1, 2]);
    expect(() => buffer.putSync(3, { timeout: 10 })).toThrow(TimeoutError);
    const controller = new AbortController();
    const put = buffer.put(3, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(put).rejects.toThrow('stop');
    expect(buffer.getManySync(4, { timeout: 0 })).toEqual([1, 2]);
    await expect(buffer.get({ timeout: 10 })).rejects.toThrow(TimeoutError);
  });
});
