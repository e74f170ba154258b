// One side of a bulk case (bench/cases/bulk.js): bytes through a ByteRing or a MessagePort, objects
// through a BoundedBuffer with the msgpack codec, ints with and without options. workerData:
// { kind, role, n, ... }. The worker sets up, posts 'ready', waits for 'go', runs, and posts its
// result: { count, sum } from receivers.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';

const { kind, role } = workerData;
const PAYLOAD = 'x'.repeat(32);
const BOUND = { timeout: 60_000 };
/** Bytes per chunk (set by bulk.js); the first byte of chunk k is k & 255, the rest a fixed pattern. */
const CHUNK = workerData.chunk ?? 65536;
/** MessagePort flow control: chunks in flight before the producer waits for an ack. */
const WINDOW = 64;
const ACK_EVERY = 16;

const pattern = new Uint8Array(CHUNK);
for (let i = 0; i < CHUNK; i++) pattern[i] = (i * 31 + 7) & 255;

/** A fresh chunk k, as a file read would give: allocated, then filled. */
function freshChunk(k) {
  const chunk = Buffer.allocUnsafe(CHUNK);
  chunk.set(pattern);
  chunk[0] = k & 255;
  return chunk;
}

/** Counts the bytes of a stream and sums the stamp byte of each chunk, wherever pieces split it. */
function byteCounter() {
  const tally = { count: 0, sum: 0 };
  return {
    tally,
    add(piece, length = piece.length) {
      const offset = tally.count;
      for (let p = Math.ceil(offset / CHUNK) * CHUNK; p < offset + length; p += CHUNK) {
        tally.sum += piece[p - offset];
      }
      tally.count += length;
    },
  };
}

const kinds = {
  // --- bytes: 64 KiB chunks transferred over a MessagePort, with a window of acks ---
  async 'bytes-port'() {
    const { port, n } = workerData;
    if (role === 'producer') {
      return async () => {
        let acked = 0;
        let wake;
        port.on('message', (chunks) => {
          acked = chunks;
          wake?.();
        });
        for (let k = 0; k < n / CHUNK; k++) {
          while (k - acked >= WINDOW) await new Promise((resolve) => (wake = resolve));
          const chunk = freshChunk(k);
          port.postMessage(chunk, [chunk.buffer]);
        }
        return {};
      };
    }
    const { tally, add } = byteCounter();
    let chunks = 0;
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));
    port.on('message', (chunk) => {
      add(chunk);
      if (++chunks % ACK_EVERY === 0) port.postMessage(chunks);
      if (tally.count === n) finish();
    });
    return async () => {
      await finished;
      port.close();
      return tally;
    };
  },

  // --- bytes through a ByteRing with the blocking calls: the same chunk buffer, restamped ---
  async 'bytes-ring-sync'() {
    const { ByteRing } = await import('../../dist/index.js');
    const { ring: handle, n } = workerData;
    const ring = ByteRing.from(handle);
    if (role === 'producer') {
      return () => {
        const chunk = new Uint8Array(pattern);
        for (let k = 0; k < n / CHUNK; k++) {
          chunk[0] = k & 255;
          ring.writeSync(chunk, BOUND);
        }
        ring.close();
        return {};
      };
    }
    return () => {
      const { tally, add } = byteCounter();
      const into = new Uint8Array(CHUNK);
      for (let got; (got = ring.readSync(into, BOUND)) > 0; ) add(into, got);
      return tally;
    };
  },

  // --- bytes through a ByteRing's Node stream adapters: pipeline in, for-await out ---
  async 'bytes-ring-streams'() {
    const { ByteRing } = await import('../../dist/index.js');
    const { ring: handle, n } = workerData;
    const ring = ByteRing.from(handle);
    if (role === 'producer') {
      return async () => {
        function* chunks() {
          for (let k = 0; k < n / CHUNK; k++) yield freshChunk(k);
        }
        await pipeline(Readable.from(chunks()), ring.writable());
        return {};
      };
    }
    return async () => {
      const { tally, add } = byteCounter();
      for await (const chunk of ring.readable()) add(chunk);
      return tally;
    };
  },

  // --- objects through a BoundedBuffer with the msgpack codec ---
  async 'objects-msgpack'() {
    const { BoundedBuffer } = await import('../../dist/index.js');
    const { msgpack } = await import('../../dist/codecs/msgpack.js');
    const { handle, from, n, batch = 1 } = workerData;
    const buffer = BoundedBuffer.from(handle, { codec: msgpack() });
    if (role === 'producer') {
      if (batch > 1) {
        return () => {
          for (let i = from; i < from + n; i += batch) {
            const items = [];
            for (let k = i; k < Math.min(i + batch, from + n); k++) items.push({ id: k, payload: PAYLOAD });
            buffer.putManySync(items, BOUND);
          }
          return {};
        };
      }
      return () => {
        for (let i = from; i < from + n; i++) buffer.putSync({ id: i, payload: PAYLOAD }, BOUND);
        return {};
      };
    }
    if (batch > 1) {
      return () => {
        let count = 0;
        let sum = 0;
        for (;;) {
          let items;
          try {
            items = buffer.getManySync(batch, BOUND);
          } catch (error) {
            if (error?.code === 'ERR_QUEUE_CLOSED') return { count, sum };
            throw error;
          }
          for (const item of items) sum += item.id;
          count += items.length;
        }
      };
    }
    return () => {
      let count = 0;
      let sum = 0;
      for (;;) {
        try {
          sum += buffer.getSync(BOUND).id;
        } catch (error) {
          if (error?.code === 'ERR_QUEUE_CLOSED') return { count, sum };
          throw error;
        }
        count++;
      }
    };
  },

  // --- int32 batches as typed arrays: putManySync(Int32Array), getManySync(max, { into }) ---
  async 'ints-typed'() {
    const { BoundedBuffer } = await import('../../dist/index.js');
    const { handle, from, n, batch } = workerData;
    const buffer = BoundedBuffer.from(handle);
    const items = new Int32Array(batch);
    if (role === 'producer') {
      return () => {
        for (let i = from; i < from + n; i += batch) {
          const size = Math.min(batch, from + n - i);
          for (let k = 0; k < size; k++) items[k] = i + k;
          buffer.putManySync(size === batch ? items : items.subarray(0, size), BOUND);
        }
        return {};
      };
    }
    return () => {
      let count = 0;
      let sum = 0;
      for (;;) {
        let got;
        try {
          got = buffer.getManySync(batch, { into: items, ...BOUND });
        } catch (error) {
          if (error?.code === 'ERR_QUEUE_CLOSED') return { count, sum };
          throw error;
        }
        for (let k = 0; k < got; k++) sum += items[k];
        count += got;
      }
    };
  },

  // --- ints one at a time, with no options, a fresh { timeout } literal per call, or one reused ---
  async 'ints-options'() {
    const { BoundedBuffer } = await import('../../dist/index.js');
    const { handle, from, n, options } = workerData;
    const buffer = BoundedBuffer.from(handle);
    const reused = { timeout: 60_000 };
    if (role === 'producer') {
      return () => {
        const end = from + n;
        if (options === 'none') for (let i = from; i < end; i++) buffer.putSync(i);
        else if (options === 'literal')
          for (let i = from; i < end; i++) buffer.putSync(i, { timeout: 60_000 });
        else for (let i = from; i < end; i++) buffer.putSync(i, reused);
        return {};
      };
    }
    return () => {
      let count = 0;
      let sum = 0;
      for (;;) {
        try {
          if (options === 'none') sum += buffer.getSync();
          else if (options === 'literal') sum += buffer.getSync({ timeout: 60_000 });
          else sum += buffer.getSync(reused);
        } catch (error) {
          if (error?.code === 'ERR_QUEUE_CLOSED') return { count, sum };
          throw error;
        }
        count++;
      }
    };
  },
};

const setup = kinds[kind];
if (setup === undefined) throw new Error(`unknown kind '${kind}'`);
const run = await setup();
parentPort.postMessage({ ready: true });
parentPort.once('message', async () => {
  try {
    parentPort.postMessage({ result: await run() });
  } catch (error) {
    parentPort.postMessage({ error: String(error?.stack ?? error) });
  }
});
