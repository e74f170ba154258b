// The producer or consumer of transfer.js, on node:worker_threads (Node, Bun, Deno) or as a
// module Web Worker (browsers): waits for the go word, then moves its items and reports.
import { BoundedBuffer } from '../../dist/core.js';

const threads = globalThis.process?.getBuiltinModule?.('node:worker_threads');
const port = threads?.parentPort ?? globalThis;

function run(job) {
  const buffer = BoundedBuffer.from(job.handle);
  const go = new Int32Array(job.go);
  port.postMessage({ ready: true });
  while (Atomics.load(go, 0) === 0) Atomics.wait(go, 0, 0, 1_000);
  const bound = { timeout: 30_000 };
  let count = 0;
  let sum = 0;
  if (job.role === 'producer') {
    if (job.mode === 'one') for (let i = 0; i < job.items; i++) buffer.putSync(i, bound);
    else {
      const chunk = [];
      for (let i = 0; i < job.items; i += job.batch) {
        chunk.length = 0;
        for (let k = i; k < Math.min(i + job.batch, job.items); k++) chunk.push(k);
        buffer.putManySync(chunk, bound);
      }
    }
  } else if (job.mode === 'one') {
    for (; count < job.items; count++) sum += buffer.getSync(bound);
  } else {
    while (count < job.items) {
      const got = buffer.getManySync(job.batch, bound);
      count += got.length;
      for (const item of got) sum += item;
    }
  }
  port.postMessage({ done: true, count, sum });
}

const onMessage = (event) => run(event.data);
if (threads?.workerData) run(threads.workerData);
else port.addEventListener('message', onMessage, { once: true });
