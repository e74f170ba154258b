// A/B of two builds of conveyor between two workers: a producer putSyncs ints, a consumer
// getSyncs them (capacity 1024), or in typed batches with --batch K (putManySync of an Int32Array
// of K, getManySync(K, { into })), runs alternating between the builds,
// fresh workers each run, both builds loaded in this one process. Prints each build's rates, the
// ratio of medians and the median of paired ratios. Used for issue 10's speed bound against the
// code before the split (build the old commit in a worktree first).
//   node bench/ab-builds.js OLD/dist/index.js NEW/dist/index.js [--items N] [--runs R] [--literal] [--steady] [--batch K]
// --literal passes a { timeout: 60000 } literal on every call (as `npm run bench` does); --steady
// times only the second half of each run, past V8's warm-up.

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    items: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '30' },
    literal: { type: 'boolean', default: false },
    steady: { type: 'boolean', default: false },
    batch: { type: 'string', default: '0' },
  },
});
if (positionals.length !== 2)
  throw new Error('usage: node bench/ab-builds.js A/dist/index.js B/dist/index.js [options]');
const builds = positionals.map((path) => pathToFileURL(path).href);
const items = Number(args.items);
const runs = Number(args.runs);
const batch = Number(args.batch);
if (!Number.isInteger(batch) || batch < 0 || batch > 1024 || (batch > 0 && items % batch !== 0))
  throw new RangeError(`--batch must be an integer in [0, 1024] that divides --items, got ${args.batch}`);

const PEER = `
const { workerData: job, parentPort } = require('node:worker_threads');
import(job.build).then(({ BoundedBuffer }) => {
  const buffer = BoundedBuffer.from(job.handle);
  const half = job.n >> 1;
  let sum = 0;
  let start = performance.now();
  if (job.batch > 0) {
    const items = new Int32Array(job.batch);
    const options = { timeout: 60000 };
    for (let i = 0; i < job.n; i += job.batch) {
      if (job.steady && i === half) start = performance.now();
      if (job.role === 'producer') {
        for (let k = 0; k < job.batch; k++) items[k] = i + k;
        buffer.putManySync(items, options);
      } else {
        for (let got = 0; got < job.batch; ) {
          const n = buffer.getManySync(job.batch - got, { into: items.subarray(got), ...options });
          got += n;
        }
        for (let k = 0; k < job.batch; k++) sum += items[k];
      }
    }
  } else {
    for (let i = 0; i < job.n; i++) {
      if (job.steady && i === half) start = performance.now();
      if (job.role === 'producer') job.literal ? buffer.putSync(i, { timeout: 60000 }) : buffer.putSync(i);
      else sum += job.literal ? buffer.getSync({ timeout: 60000 }) : buffer.getSync();
    }
  }
  parentPort.postMessage({ ms: performance.now() - start, sum });
});`;

/** Items per second (millions) of one run of `build`; throws if the consumer's sum is wrong. */
async function once(build) {
  const { BoundedBuffer } = await import(build);
  const buffer = new BoundedBuffer({ capacity: 1024 });
  const start = (role) =>
    new Promise((resolve, reject) => {
      const job = {
        build,
        handle: buffer.handle,
        role,
        n: items,
        literal: args.literal,
        steady: args.steady,
        batch,
      };
      const worker = new Worker(PEER, { eval: true, workerData: job });
      worker.once('message', (result) => {
        resolve(result);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
  const [producer, consumer] = await Promise.all([start('producer'), start('consumer')]);
  if (consumer.sum !== (items * (items - 1)) / 2)
    throw new Error(`items lost or doubled: sum ${consumer.sum}`);
  const timed = args.steady ? items - (items >> 1) : items;
  return timed / (Math.max(producer.ms, consumer.ms) / 1000) / 1e6;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rates = [[], []];
for (let r = 0; r < runs; r++) {
  for (const k of r % 2 ? [1, 0] : [0, 1]) rates[k].push(await once(builds[k]));
}
for (const [k, xs] of rates.entries()) {
  console.log(
    `${'AB'[k]} ${positionals[k]}: median ${median(xs).toFixed(2)} M/s (${xs.map((x) => x.toFixed(2)).join(' ')})`,
  );
}
const paired = rates[1].map((b, i) => b / rates[0][i]);
console.log(
  `B/A: ratio of medians ${(median(rates[1]) / median(rates[0])).toFixed(3)}, median of paired ratios ${median(paired).toFixed(3)}`,
);
