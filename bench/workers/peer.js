// One side of a cross-thread case. workerData: { kind, role, n, ... }. The worker sets up, posts
// 'ready', waits for 'go', runs, and posts { count, sum } (consumers) or { latency } (pingers).
import { parentPort, workerData } from 'node:worker_threads';

const { kind, role } = workerData;
const PAYLOAD = 'x'.repeat(32);

async function conveyor() {
  return import('../../dist/index.js');
}

/** Calls getSync until the buffer is closed and drained; returns what it counted and summed. */
function drain(buffer, value) {
  let count = 0;
  let sum = 0;
  for (;;) {
    let item;
    try {
      item = buffer.getSync({ timeout: 60_000 });
    } catch (error) {
      if (error?.code === 'ERR_QUEUE_CLOSED') return { count, sum };
      throw error;
    }
    sum += value(item);
    count++;
  }
}

function drainMany(buffer, max) {
  let count = 0;
  let sum = 0;
  for (;;) {
    let items;
    try {
      items = buffer.getManySync(max, { timeout: 60_000 });
    } catch (error) {
      if (error?.code === 'ERR_QUEUE_CLOSED') return { count, sum };
      throw error;
    }
    for (let k = 0; k < items.length; k++) sum += items[k];
    count += items.length;
  }
}

const asInt = (item) => item;
const asObject = (item) => item.id;

/** Each kind: async setup returning the function to run once 'go' arrives. */
const kinds = {
  // --- postMessage between two workers over a MessageChannel (no backpressure) ---
  async post() {
    const { port, shape, n } = workerData;
    if (role === 'producer') {
      return () => {
        if (shape === 'int') for (let i = 0; i < n; i++) port.postMessage(i);
        else if (shape === 'object')
          for (let i = 0; i < n; i++) port.postMessage({ id: i, payload: PAYLOAD });
        else {
          for (let i = 0; i < n; i += 1000) {
            const batch = new Array(Math.min(1000, n - i));
            for (let k = 0; k < batch.length; k++) batch[k] = i + k;
            port.postMessage(batch);
          }
        }
        return {};
      };
    }
    let count = 0;
    let sum = 0;
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));
    port.on('message', (message) => {
      if (shape === 'int') {
        sum += message;
        count++;
      } else if (shape === 'object') {
        sum += message.id;
        count++;
      } else {
        for (let k = 0; k < message.length; k++) sum += message[k];
        count += message.length;
      }
      if (count === n) finish();
    });
    return async () => {
      await finished;
      port.close();
      return { count, sum };
    };
  },

  // --- conveyor BoundedBuffer: producers put a range of ints, consumers drain until closed ---
  async buffer() {
    const { BoundedBuffer } = await conveyor();
    const { handle, shape, from, n, batch } = workerData;
    const buffer = BoundedBuffer.from(handle);
    if (role === 'producer') {
      return () => {
        const end = from + n;
        if (shape === 'object') {
          for (let i = from; i < end; i++) buffer.putSync({ id: i, payload: PAYLOAD }, { timeout: 60_000 });
        } else if (batch > 1) {
          for (let i = from; i < end; i += batch) {
            const items = new Array(Math.min(batch, end - i));
            for (let k = 0; k < items.length; k++) items[k] = i + k;
            buffer.putManySync(items, { timeout: 60_000 });
          }
        } else {
          for (let i = from; i < end; i++) buffer.putSync(i, { timeout: 60_000 });
        }
        return {};
      };
    }
    if (batch > 1) return () => drainMany(buffer, batch);
    return () => drain(buffer, shape === 'object' ? asObject : asInt);
  },

  // --- ringbuf.js 0.4: SPSC, no blocking API, so both sides busy-poll ---
  async ringbuf() {
    const { RingBuffer } = await import('ringbuf.js');
    const { storage, n, chunk } = workerData;
    const ring = new RingBuffer(storage, Int32Array);
    const buf = new Int32Array(chunk);
    if (role === 'producer') {
      return () => {
        for (let i = 0; i < n; i += chunk) {
          const size = Math.min(chunk, n - i);
          for (let k = 0; k < size; k++) buf[k] = i + k;
          let offset = 0;
          while (offset < size) offset += ring.push(buf, size - offset, offset);
        }
        return {};
      };
    }
    return () => {
      let count = 0;
      let sum = 0;
      while (count < n) {
        const got = ring.pop(buf);
        for (let k = 0; k < got; k++) sum += buf[k];
        count += got;
      }
      return { count, sum };
    };
  },

  // --- wake-up latency: ping-pong, the pinger times each round trip ---
  async pingpong() {
    const { via, n } = workerData;
    let send;
    let receive;
    if (via === 'atomics') {
      const word = new Int32Array(workerData.memory);
      // word[0]: 1 = ping waiting for the ponger, 2 = pong waiting for the pinger.
      const mine = role === 'pinger' ? 2 : 1;
      send = (i) => {
        Atomics.store(word, 0, role === 'pinger' ? 1 : 2); // publish the turn to the other side
        Atomics.notify(word, 0);
        return i;
      };
      receive = () => {
        for (;;) {
          const value = Atomics.load(word, 0);
          if (value === mine) return 0;
          Atomics.wait(word, 0, value, 60_000);
        }
      };
    } else if (via === 'buffer') {
      const { BoundedBuffer } = await conveyor();
      const ping = BoundedBuffer.from(workerData.ping);
      const pong = BoundedBuffer.from(workerData.pong);
      const out = role === 'pinger' ? ping : pong;
      const inbox = role === 'pinger' ? pong : ping;
      send = (i) => out.putSync(i, { timeout: 60_000 });
      receive = () => inbox.getSync({ timeout: 60_000 });
    } else {
      const { port } = workerData;
      if (role === 'ponger') {
        port.on('message', (i) => port.postMessage(i));
        return async () => {
          await new Promise((resolve) => port.once('close', resolve));
          return {};
        };
      }
      return async () => {
        const times = new Float64Array(n);
        let pending;
        port.on('message', () => pending());
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          await new Promise((resolve) => {
            pending = resolve;
            port.postMessage(i);
          });
          times[i] = performance.now() - t0;
        }
        port.close();
        return { latency: summarize(times) };
      };
    }
    if (role === 'ponger') {
      return () => {
        for (let i = 0; i < n; i++) {
          receive();
          send(i);
        }
        return {};
      };
    }
    return () => {
      const times = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        send(i);
        receive();
        times[i] = performance.now() - t0;
      }
      return { latency: summarize(times) };
    };
  },
};

/** p50 and p99 of round trips, in microseconds, leaving out the first tenth as warm-up. */
function summarize(times) {
  const sorted = Array.from(times.subarray(Math.floor(times.length / 10))).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 1000;
  return { p50: at(0.5), p99: at(0.99), rounds: sorted.length };
}

const run = await kinds[kind]();
parentPort.postMessage({ ready: true });
parentPort.once('message', async () => {
  try {
    parentPort.postMessage({ result: await run() });
  } catch (error) {
    parentPort.postMessage({ error: String(error?.stack ?? error) });
  }
});
