// Between worker threads: producers and consumers in real workers, timed from 'go' until the last
// consumer reports what it counted and summed. Worker side: ../workers/peer.js.
import { MessageChannel, Worker } from 'node:worker_threads';
import { BoundedBuffer } from '../lib/conveyor.js';

const PEER = new URL('../workers/peer.js', import.meta.url);
const CAPACITY = 1024;

/**
 * Starts one worker per spec, waits until all are ready, says go, and times until every one has
 * reported. `afterProducers` runs once all producers have reported (to close a buffer). `peer` is
 * the worker script (bench/cases/bulk.js has its own).
 */
export async function runWorkers(specs, afterProducers, peer = PEER) {
  const workers = specs.map(
    (spec) =>
      new Worker(peer, {
        workerData: { ...spec.data, role: spec.role },
        transferList: spec.transfer ?? [],
      }),
  );
  const message = (worker, key) =>
    new Promise((resolve, reject) => {
      const onMessage = (m) => {
        if (m.error) reject(new Error(m.error));
        else if (key in m) {
          worker.off('message', onMessage);
          resolve(m[key]);
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  try {
    const results = workers.map((w) => message(w, 'result'));
    await Promise.all(workers.map((w) => message(w, 'ready')));
    const t0 = performance.now();
    for (const w of workers) w.postMessage('go');
    const producers = specs.flatMap((s, i) => (s.role === 'producer' ? [results[i]] : []));
    await Promise.all(producers);
    afterProducers?.();
    const all = await Promise.all(results);
    const seconds = (performance.now() - t0) / 1000;
    let count = 0;
    let sum = 0;
    let latency;
    for (const r of all) {
      count += r.count ?? 0;
      sum += r.sum ?? 0;
      latency ??= r.latency;
    }
    return { count, sum, seconds, latency };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export function postMessagePair(shape) {
  return (n) => {
    const { port1, port2 } = new MessageChannel();
    return runWorkers([
      { role: 'consumer', data: { kind: 'post', shape, n, port: port2 }, transfer: [port2] },
      { role: 'producer', data: { kind: 'post', shape, n, port: port1 }, transfer: [port1] },
    ]);
  };
}

/** N producers and N consumers on one BoundedBuffer; the items 0..n-1 split among producers. */
export function bufferCase({
  codec = 'int32',
  shape = 'int',
  batch = 1,
  pairs = 1,
  capacity = CAPACITY,
} = {}) {
  return (n) => {
    const buffer = new BoundedBuffer({ capacity, codec });
    const specs = [];
    const per = Math.ceil(n / pairs);
    for (let p = 0; p < pairs; p++) {
      const data = { kind: 'buffer', handle: buffer.handle, shape, batch };
      specs.push({ role: 'consumer', data });
      specs.push({ role: 'producer', data: { ...data, from: p * per, n: Math.min(per, n - p * per) } });
    }
    return runWorkers(specs, () => buffer.close());
  };
}

export function ringbufCase(chunk) {
  return async (n) => {
    const { RingBuffer } = await import('ringbuf.js');
    const storage = RingBuffer.getStorageForCapacity(CAPACITY, Int32Array);
    const data = { kind: 'ringbuf', storage, n, chunk };
    return runWorkers([
      { role: 'consumer', data },
      { role: 'producer', data },
    ]);
  };
}

/**
 * The `multithreading` package's MPMC channel. It needs `navigator` and `Promise.withResolvers`
 * (Node 22+): on Node 20 this case reports itself as skipped.
 */
async function multithreadingCase(n) {
  if (typeof Promise.withResolvers !== 'function' || typeof globalThis.navigator === 'undefined') {
    return {
      skipped: `needs Node 22+ (navigator, Promise.withResolvers); this is Node ${process.versions.node}`,
    };
  }
  const { spawn, move, channel, shutdown } = await import('multithreading');
  try {
    await spawn(() => 0).join(); // start the pool before timing
    await spawn(() => 0).join();
    const [tx, rx] = channel(CAPACITY);
    const t0 = performance.now();
    const consumer = spawn(move(rx), (receiver) => {
      let count = 0;
      let sum = 0;
      for (;;) {
        const got = receiver.blockingRecv();
        if (!got.ok) break;
        sum += got.value;
        count++;
      }
      return { count, sum };
    });
    const producer = spawn(move(tx, n), (sender, total) => {
      for (let i = 0; i < total; i++) sender.blockingSend(i);
      sender.close();
      return 0;
    });
    await producer.join();
    const result = await consumer.join();
    if (!result.ok) throw result.error;
    return { ...result.value, seconds: (performance.now() - t0) / 1000 };
  } finally {
    shutdown();
  }
}

function pingPong(via) {
  return (n) => {
    const data = { kind: 'pingpong', via, n };
    const specs = [
      { role: 'ponger', data },
      { role: 'pinger', data },
    ];
    if (via === 'atomics') {
      data.memory = new SharedArrayBuffer(64);
    } else if (via === 'buffer') {
      data.ping = new BoundedBuffer({ capacity: 1 }).handle;
      data.pong = new BoundedBuffer({ capacity: 1 }).handle;
    } else {
      const { port1, port2 } = new MessageChannel();
      specs[0] = { role: 'ponger', data: { ...data, port: port2 }, transfer: [port2] };
      specs[1] = { role: 'pinger', data: { ...data, port: port1 }, transfer: [port1] };
    }
    return runWorkers(specs);
  };
}

const ints = (n) => ({ count: n, sum: (n * (n - 1)) / 2 });

export const groups = [
  {
    id: 'threads-one',
    title: 'Two workers, int32 items one at a time (capacity 1024)',
    unit: 'items/s',
    baseline: 'postMessage, one int per message',
    expect: ints,
    cases: {
      'postMessage, one int per message': { run: postMessagePair('int'), items: [30_000, 500_000] },
      'conveyor BoundedBuffer putSync/getSync': { run: bufferCase(), items: [150_000, 2_000_000] },
      'ringbuf.js 0.4, busy-polling': { run: ringbufCase(1), items: [100_000, 500_000] },
      'multithreading 0.3 channel': { run: multithreadingCase, items: [25_000, 500_000] },
    },
  },
  {
    id: 'threads-batch',
    title: 'Two workers (N pairs: 2N workers on one buffer), int32 items in batches of 1000',
    unit: 'items/s',
    baseline: 'postMessage, one int per message',
    expect: ints,
    cases: {
      'postMessage, one int per message': { run: postMessagePair('int'), items: [30_000, 500_000] },
      'postMessage, arrays of 1000': { run: postMessagePair('array'), items: [500_000, 10_000_000] },
      'conveyor BoundedBuffer putManySync/getManySync': {
        run: bufferCase({ batch: 1000 }),
        items: [1_000_000, 10_000_000],
      },
      // Issue 14's many-to-many row: 1, 2 and 4 producer/consumer pairs sharing one buffer.
      'conveyor, N=2 pairs on one buffer': {
        run: bufferCase({ pairs: 2, batch: 1000 }),
        items: [1_000_000, 10_000_000],
      },
      'conveyor, N=4 pairs on one buffer': {
        run: bufferCase({ pairs: 4, batch: 1000 }),
        items: [1_000_000, 10_000_000],
      },
      'ringbuf.js 0.4, chunks of 1000': { run: ringbufCase(1000), items: [1_000_000, 10_000_000] },
    },
  },
  {
    id: 'threads-objects',
    title: "Two workers, objects { id, payload: 'x'.repeat(32) }",
    unit: 'items/s',
    baseline: 'postMessage, one object per message',
    expect: ints,
    cases: {
      'postMessage, one object per message': { run: postMessagePair('object'), items: [20_000, 300_000] },
      "conveyor BoundedBuffer codec 'json'": {
        run: bufferCase({ codec: 'json', shape: 'object' }),
        items: [30_000, 300_000],
      },
      "conveyor BoundedBuffer codec 'structured'": {
        run: bufferCase({ codec: 'structured', shape: 'object' }),
        items: [15_000, 150_000],
      },
    },
  },
  {
    id: 'scaling',
    title: 'N producers and N consumers on one BoundedBuffer (capacity 1024), one at a time',
    unit: 'items/s',
    baseline: 'N=1',
    expect: ints,
    cases: {
      'N=1': { run: bufferCase({ pairs: 1 }), items: [150_000, 1_000_000] },
      'N=2': { run: bufferCase({ pairs: 2 }), items: [150_000, 1_000_000] },
      'N=4': { run: bufferCase({ pairs: 4 }), items: [150_000, 1_000_000] },
      'N=4, batches of 1000': { run: bufferCase({ pairs: 4, batch: 1000 }), items: [1_000_000, 10_000_000] },
    },
  },
  {
    id: 'latency',
    title: 'Wake-up latency: ping-pong between two workers, one int each way',
    unit: 'µs round trip',
    latency: true,
    baseline: 'raw Atomics.wait/notify',
    cases: {
      'raw Atomics.wait/notify': { run: pingPong('atomics'), items: [2_500, 40_000] },
      'conveyor BoundedBuffer, two of capacity 1': { run: pingPong('buffer'), items: [2_500, 40_000] },
      'postMessage over a MessageChannel': { run: pingPong('post'), items: [2_500, 40_000] },
    },
  },
];
