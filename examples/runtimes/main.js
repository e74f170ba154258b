// Bun and Deno: start a Web Worker, pass it a BoundedBuffer's handle, and put 100 items through.
import { BoundedBuffer } from 'conveyor';

const buffer = new BoundedBuffer({ capacity: 4 });
const worker = new Worker(new URL('./consumer.js', import.meta.url), { type: 'module' });
const report = new Promise((resolve) => {
  worker.onmessage = (event) => resolve(event.data);
});
worker.postMessage(buffer.handle); // plain data around a SharedArrayBuffer: it is shared, not copied

for (let item = 1; item <= 100; item++) await buffer.put(item, { timeout: 10_000 });
buffer.close(); // the consumer drains what is left, then its getSync throws QueueClosedError
const { count, sum } = await report;
console.log(`the worker got ${count} items, summing to ${sum}`);
worker.terminate();
