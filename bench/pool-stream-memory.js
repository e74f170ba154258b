// Memory of a WorkerPool.map() over an endless source: streams N tiny tasks (default 10 million)
// through 2 threads and reports the process's RSS as it goes. Run it by hand (it takes minutes):
//
//   npm run build && node bench/pool-stream-memory.js [--tasks 10000000] [--json]
//
// The map holds at most queue + a batch per worker tasks in flight, whatever the source's length,
// so RSS should stop growing once the JIT and the heap have settled. Growth is measured from the
// first sample (after 1/10 of the tasks) to the end; the goal is under 50 MB.
import { parseArgs } from 'node:util';
import { WorkerPool } from './lib/conveyor.js';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '10000000' }, json: { type: 'boolean', default: false } },
});
const total = Number(values.tasks);
if (!Number.isInteger(total) || total < 10)
  throw new RangeError(`--tasks must be an integer >= 10, got ${values.tasks}`);

const pool = new WorkerPool(new URL('./workers/pool-add.js', import.meta.url), {
  threads: 2,
  queue: 1024,
  slotBytes: 64,
});
await pool.ready;
const rssStartMB = Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;

function* endless() {
  for (let i = 0; ; i++) yield [i, 1];
}

const mb = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const samples = [];
const every = Math.floor(total / 10);
const t0 = performance.now();
let count = 0;
let sum = 0;
for await (const result of pool.map(endless())) {
  sum += result;
  if (++count % every === 0) {
    const { rss, heapUsed } = process.memoryUsage();
    const sample = {
      tasks: count,
      seconds: (performance.now() - t0) / 1000,
      rssMB: mb(rss),
      heapMB: mb(heapUsed),
    };
    samples.push(sample);
    if (!values.json) process.stderr.write(`  ${JSON.stringify(sample)}\n`);
  }
  if (count === total) break;
}
const seconds = (performance.now() - t0) / 1000;
await pool.close();
const expectedSum = (total * (total - 1)) / 2 + total;
const report = {
  tasks: count,
  correct: sum === expectedSum,
  seconds: Math.round(seconds * 10) / 10,
  tasksPerSecond: Math.round(count / seconds),
  rssStartMB,
  rssFirstMB: samples[0].rssMB,
  rssLastMB: samples.at(-1).rssMB,
  rssMaxMB: Math.max(...samples.map((s) => s.rssMB)),
  rssGrowthMB: Math.round((samples.at(-1).rssMB - samples[0].rssMB) * 10) / 10,
  rssGrowthFromStartMB: Math.round((samples.at(-1).rssMB - rssStartMB) * 10) / 10,
  samples,
};
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  const { samples: _, ...summary } = report;
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
if (!report.correct) process.exitCode = 1;
