// The page and two module Web Workers share one BoundedBuffer: the page puts with `await put`
// and gets with `await get` (Atomics.waitAsync: the page's main thread may not block), one worker
// puts with putSync and the other gets with getManySync. Reports what was put and what each got.
import { BoundedBuffer, QueueClosedError } from '/dist/core.js';

const BOUND = { timeout: 20_000 };
/** Items from the worker producer start here; the page's start at 0. */
export const WORKER_BASE = 1_000_000;

function start(role, job) {
  const worker = new Worker(new URL('./exactly-once-worker.js', import.meta.url), { type: 'module' });
  const done = new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
    worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
  });
  worker.postMessage({ role, ...job });
  return { worker, done };
}

export async function run({ perProducer = 10_000, capacity = 8 } = {}) {
  const buffer = new BoundedBuffer({ capacity });
  const producer = start('producer', { handle: buffer.handle, base: WORKER_BASE, count: perProducer });
  const consumer = start('consumer', { handle: buffer.handle });
  const pageGot = [];
  const pageConsuming = (async () => {
    try {
      for (;;) pageGot.push(await buffer.get(BOUND));
    } catch (error) {
      if (!(error instanceof QueueClosedError)) throw error;
    }
  })();
  for (let k = 0; k < perProducer; k++) await buffer.put(k, BOUND);
  await producer.done;
  buffer.close();
  const [{ items: workerGot }] = await Promise.all([consumer.done, pageConsuming]);
  producer.worker.terminate();
  consumer.worker.terminate();
  return {
    pagePut: perProducer,
    workerPut: perProducer,
    pageGot,
    workerGot,
    isolated: globalThis.crossOriginIsolated,
    waitAsync: typeof Atomics.waitAsync,
  };
}
