// The browser page: conveyor's dist/ is served at /conveyor/ (a bundler would resolve 'conveyor').
// The page's main thread may not block, so it puts with `await put` (Atomics.waitAsync).
import { BoundedBuffer } from '/conveyor/core.js';

const buffer = new BoundedBuffer({ capacity: 4 });
const worker = new Worker(new URL('./consumer.js', import.meta.url), { type: 'module' });
const report = new Promise((resolve) => {
  worker.onmessage = (event) => resolve(event.data);
});
worker.postMessage(buffer.handle);

for (let item = 1; item <= 100; item++) await buffer.put(item, { timeout: 10_000 });
buffer.close();
const { count, sum } = await report;
document.querySelector('#report').textContent = `the worker got ${count} items, summing to ${sum}`;
worker.terminate();
