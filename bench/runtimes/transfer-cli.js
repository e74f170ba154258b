// `<runtime> bench/runtimes/transfer-cli.js MODE ITEMS`: one measurement of transfer.js on Node,
// Bun or Deno (node:worker_threads), printed as JSON.
import process from 'node:process';
import { Worker } from 'node:worker_threads';
import { measure } from './transfer.js';

function startWorker(job) {
  const worker = new Worker(new URL('./transfer-worker.js', import.meta.url), { workerData: job });
  let isReady;
  const ready = new Promise((resolve) => {
    isReady = resolve;
  });
  const done = new Promise((resolve, reject) => {
    worker.on('message', (message) => (message.ready ? isReady() : resolve(message)));
    worker.on('error', reject);
  });
  return { ready, done, stop: () => worker.terminate() };
}

const [mode, items] = process.argv.slice(2);
console.log(JSON.stringify(await measure(mode, Number(items), startWorker)));
process.exit(0);
