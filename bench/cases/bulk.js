// Bulk between two workers: bytes through a ByteRing (its Node stream adapters and its blocking
// calls) against a MessagePort transferring the same 64 KiB chunks; objects through the msgpack
// codec against postMessage, 'json' and 'structured'; what a { timeout } options literal per call
// costs on the one-at-a-time path, and that path against postMessage. Worker side:
// ../workers/bulk-peer.js.
import { MessageChannel } from 'node:worker_threads';
import { BoundedBuffer, ByteRing } from '../lib/conveyor.js';
import { bufferCase, postMessagePair, ringbufCase, runWorkers } from './threads.js';

const PEER = new URL('../workers/bulk-peer.js', import.meta.url);
/** Bytes per chunk, as fs.createReadStream reads them. */
const CHUNK = 65536;
/** The ByteRing's size: 64 chunks, as many as the MessagePort case lets be in flight. */
const RING_BYTES = 4 << 20;
const CAPACITY = 1024;
/** A BoundedBuffer's options for the one-producer, one-consumer lane. */
const LANE = { producers: 1, consumers: 1 };

/** n bytes in chunks of CHUNK: the receiver counts the bytes and sums each chunk's stamp (k & 255). */
function bytesExpected(n) {
  let sum = 0;
  for (let k = 0; k < n / CHUNK; k++) sum += k & 255;
  return { count: n, sum };
}
const ints = (n) => ({ count: n, sum: (n * (n - 1)) / 2 });

function bytesOverPort(n) {
  const { port1, port2 } = new MessageChannel();
  const data = { kind: 'bytes-port', n, chunk: CHUNK };
  return runWorkers(
    [
      { role: 'consumer', data: { ...data, port: port2 }, transfer: [port2] },
      { role: 'producer', data: { ...data, port: port1 }, transfer: [port1] },
    ],
    undefined,
    PEER,
  );
}

function bytesOverRing(kind) {
  return (n) => {
    const ring = new ByteRing({ capacity: RING_BYTES });
    const data = { kind, n, chunk: CHUNK, ring: ring.handle };
    return runWorkers(
      [
        { role: 'consumer', data },
        { role: 'producer', data },
      ],
      undefined,
      PEER,
    );
  };
}

/** One producer and one consumer on a BoundedBuffer, with a worker kind of bulk-peer.js. */
function bufferPair(kind, options) {
  return (n) => {
    const buffer = new BoundedBuffer({ capacity: CAPACITY, ...options.buffer });
    const data = { kind, handle: buffer.handle, from: 0, n, ...options.data };
    return runWorkers(
      [
        { role: 'consumer', data },
        { role: 'producer', data },
      ],
      () => buffer.close(),
      PEER,
    );
  };
}

const { msgpack } = await import('../../dist/codecs/msgpack.js');

export const groups = [
  {
    id: 'bulk-bytes',
    title: 'Bytes between two workers in 64 KiB chunks (4 MiB in flight at most)',
    unit: 'bytes/s',
    baseline: 'MessagePort, chunks transferred (64 in flight)',
    expect: bytesExpected,
    cases: {
      'MessagePort, chunks transferred (64 in flight)': {
        run: bytesOverPort,
        items: [64 * 2 ** 20, 2 ** 30],
      },
      'ByteRing, Node streams (pipeline → writable(), readable() → for await)': {
        run: bytesOverRing('bytes-ring-streams'),
        items: [64 * 2 ** 20, 2 ** 30],
      },
      'ByteRing writeSync/readSync': {
        run: bytesOverRing('bytes-ring-sync'),
        items: [64 * 2 ** 20, 2 ** 30],
      },
    },
  },
  {
    id: 'bulk-batches',
    title: 'Two workers, int32 in batches of 1024 (capacity 1024)',
    unit: 'items/s',
    baseline: 'ringbuf.js 0.4, chunks of 1024',
    expect: ints,
    cases: {
      'ringbuf.js 0.4, chunks of 1024': { run: ringbufCase(1024), items: [1_000_000, 10_000_000] },
      'postMessage, arrays of 1000': { run: postMessagePair('array'), items: [500_000, 10_000_000] },
      'BoundedBuffer putManySync/getManySync, arrays of 1024': {
        run: bufferCase({ batch: 1024 }),
        items: [1_000_000, 10_000_000],
      },
      'BoundedBuffer putManySync(Int32Array)/getManySync({ into })': {
        run: bufferPair('ints-typed', { data: { batch: 1024 } }),
        items: [1_000_000, 10_000_000],
      },
      'BoundedBuffer lane { producers: 1, consumers: 1 }, putManySync(Int32Array)/getManySync({ into })': {
        run: bufferPair('ints-typed', { buffer: LANE, data: { batch: 1024 } }),
        items: [1_000_000, 10_000_000],
      },
      // A batch is published whole, so with batches as large as the ring the producer waits for it
      // to be empty; ringbuf.js pushes what fits. With room for two batches the sides overlap.
      'BoundedBuffer lane, capacity 2048, putManySync(Int32Array)/getManySync({ into })': {
        run: bufferPair('ints-typed', { buffer: { ...LANE, capacity: 2048 }, data: { batch: 1024 } }),
        items: [1_000_000, 10_000_000],
      },
    },
  },
  {
    id: 'bulk-lane-singles',
    title: 'Two workers, int32 one at a time: the one-producer, one-consumer lane against any number',
    unit: 'items/s',
    baseline: 'BoundedBuffer putSync(i)/getSync()',
    expect: ints,
    cases: {
      'BoundedBuffer putSync(i)/getSync()': {
        run: bufferPair('ints-options', { data: { options: 'none' } }),
        items: [150_000, 2_000_000],
      },
      'BoundedBuffer lane { producers: 1, consumers: 1 }, putSync(i)/getSync()': {
        run: bufferPair('ints-options', { buffer: LANE, data: { options: 'none' } }),
        items: [150_000, 2_000_000],
      },
    },
  },
  {
    id: 'bulk-objects',
    title: "Two workers, objects { id, payload: 'x'.repeat(32) }, by codec",
    unit: 'items/s',
    baseline: 'postMessage, one object per message',
    expect: ints,
    cases: {
      'postMessage, one object per message': { run: postMessagePair('object'), items: [20_000, 300_000] },
      'conveyor BoundedBuffer codec msgpack()': {
        run: bufferPair('objects-msgpack', { buffer: { codec: msgpack(), slotBytes: 128 } }),
        items: [30_000, 300_000],
      },
      'conveyor BoundedBuffer codec msgpack(), putManySync/getManySync of 64': {
        run: bufferPair('objects-msgpack', {
          buffer: { codec: msgpack(), slotBytes: 128 },
          data: { batch: 64 },
        }),
        items: [30_000, 300_000],
      },
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
    id: 'bulk-options',
    title: 'Two workers, int32 one at a time: what a { timeout } literal per call costs',
    unit: 'items/s',
    baseline: 'putSync(i)/getSync(), no options',
    expect: ints,
    cases: {
      'putSync(i)/getSync(), no options': {
        run: bufferPair('ints-options', { data: { options: 'none' } }),
        items: [150_000, 2_000_000],
      },
      'putSync(i, { timeout: 60000 }) literal per call': {
        run: bufferPair('ints-options', { data: { options: 'literal' } }),
        items: [150_000, 2_000_000],
      },
      'one options object reused': {
        run: bufferPair('ints-options', { data: { options: 'reused' } }),
        items: [150_000, 2_000_000],
      },
    },
  },
  {
    // Issue 14's row "one int at a time, options written as a literal in the loop: at least 10x
    // postMessage", for the buffer any number of threads may share and for the declared lane.
    id: 'bulk-one-literal',
    title: 'Two workers, int32 one at a time with a { timeout } literal per call, against postMessage',
    unit: 'items/s',
    baseline: 'postMessage, one int per message',
    expect: ints,
    cases: {
      'postMessage, one int per message': { run: postMessagePair('int'), items: [30_000, 500_000] },
      'BoundedBuffer putSync(i, { timeout: 60000 })/getSync({ timeout: 60000 })': {
        run: bufferPair('ints-options', { data: { options: 'literal' } }),
        items: [150_000, 2_000_000],
      },
      'BoundedBuffer lane { producers: 1, consumers: 1 }, the same calls': {
        run: bufferPair('ints-options', { buffer: LANE, data: { options: 'literal' } }),
        items: [150_000, 2_000_000],
      },
    },
  },
];
