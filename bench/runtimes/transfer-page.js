// transfer.js in a browser page: the two workers are module Web Workers, sent their job.
import { measure } from './transfer.js';

function startWorker(job) {
  const worker = new Worker(new URL('./transfer-worker.js', import.meta.url), { type: 'module' });
  let isReady;
  const ready = new Promise((resolve) => {
    isReady = resolve;
  });
  const done = new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (data.ready ? isReady() : resolve(data));
    worker.onerror = (event) => reject(new Error(event.message));
  });
  worker.postMessage(job);
  return { ready, done, stop: () => worker.terminate() };
}

export const run = (mode, items) => measure(mode, items, startWorker);
