// Worker pools: conveyor's WorkerPool against piscina, tinypool, workerpool and poolifier, two
// threads each, on the tiny task ([a, b]) => a + b (so that what is measured is the pool).
// Each case starts its pool and warms it (WARM tasks through the same calls it is timed on)
// before the clock starts, so that the figures are steady state, not the JIT's first steps. The
// task i is [i, i].
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../lib/conveyor.js';

const THREADS = 2;
const ADD = new URL('../workers/pool-add.js', import.meta.url);
/** map() for the pools without one: a loop keeping this many tasks in flight (memory bounded alike). */
const MAP_WINDOW = 1024;
/** Tasks run through the measured path before timing. */
const WARM = 5_000;

/** Each pool behind one interface: start (warm), run one task, close. */
const POOLS = {
  conveyor: async () => {
    const pool = new WorkerPool(ADD, { threads: THREADS, queue: 1024, slotBytes: 64 });
    await pool.ready;
    await pool.run([0, 0]);
    return { run: (task) => pool.run(task), map: (source) => pool.map(source), close: () => pool.close() };
  },
  piscina: async () => {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({ filename: ADD.href, minThreads: THREADS, maxThreads: THREADS });
    await pool.run([0, 0]);
    return { run: (task) => pool.run(task), close: () => pool.destroy() };
  },
  tinypool: async () => {
    const { Tinypool } = await import('tinypool');
    const pool = new Tinypool({ filename: ADD.href, minThreads: THREADS, maxThreads: THREADS });
    await pool.run([0, 0]);
    return { run: (task) => pool.run(task), close: () => pool.destroy() };
  },
  workerpool: async () => {
    const workerpool = (await import('workerpool')).default;
    const script = new URL('../workers/pool-add-workerpool.js', import.meta.url).pathname;
    const pool = workerpool.pool(script, { minWorkers: THREADS, maxWorkers: THREADS, workerType: 'thread' });
    await pool.exec('add', [[0, 0]]);
    return { run: (task) => pool.exec('add', [task]), close: () => pool.terminate() };
  },
  poolifier: async () => {
    const { FixedThreadPool } = await import('poolifier');
    const script = new URL('../workers/pool-add-poolifier.js', import.meta.url).pathname;
    const pool = new FixedThreadPool(THREADS, script);
    await pool.execute([0, 0]);
    return { run: (task) => pool.execute(task), close: () => pool.destroy() };
  },
};

function* tasks(n) {
  for (let i = 0; i < n; i++) yield [i, i];
}

/** n tasks with `inFlight` run() calls outstanding at a time. */
async function runWindow(pool, n, inFlight) {
  let next = 0;
  let count = 0;
  let sum = 0;
  async function lane() {
    while (next < n) {
      const i = next++;
      const result = await pool.run([i, i]);
      sum += result;
      count++;
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane));
  return { count, sum };
}

/** Runs WARM tasks through the case's own path: map (or its loop) or run() with `inFlight`. */
async function warm(pool, inFlight) {
  if (inFlight === undefined && pool.map !== undefined) {
    for await (const _ of pool.map(tasks(WARM))) {
    }
  } else await runWindow(pool, WARM, inFlight ?? MAP_WINDOW);
}

function mapCase(name) {
  return async (n) => {
    const pool = await POOLS[name]();
    try {
      await warm(pool);
      const t0 = performance.now();
      let count = 0;
      let sum = 0;
      if (pool.map !== undefined) {
        for await (const r of pool.map(tasks(n))) {
          sum += r;
          count++;
        }
      } else {
        ({ count, sum } = await runWindow(pool, n, MAP_WINDOW));
      }
      return { count, sum, seconds: (performance.now() - t0) / 1000 };
    } finally {
      await pool.close();
    }
  };
}

function runCase(name, inFlight) {
  return async (n) => {
    const pool = await POOLS[name]();
    try {
      await warm(pool, inFlight);
      const t0 = performance.now();
      const { count, sum } = await runWindow(pool, n, inFlight);
      return { count, sum, seconds: (performance.now() - t0) / 1000 };
    } finally {
      await pool.close();
    }
  };
}

function latencyCase(name) {
  return async (n) => {
    const pool = await POOLS[name]();
    try {
      await warm(pool, 1);
      const times = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await pool.run([i, 1]);
        times[i] = performance.now() - t0;
      }
      const sorted = Array.from(times.subarray(Math.floor(n / 10))).sort((a, b) => a - b);
      const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 1000;
      return { latency: { p50: at(0.5), p99: at(0.99), rounds: sorted.length } };
    } finally {
      await pool.close();
    }
  };
}

const sums = (n) => ({ count: n, sum: n * (n - 1) });
const others = ['piscina', 'tinypool', 'workerpool', 'poolifier'];
const label = {
  piscina: 'piscina 5',
  tinypool: 'tinypool 2',
  workerpool: 'workerpool 10',
  poolifier: 'poolifier 5',
};

export const groups = [
  {
    id: 'pool-map',
    title: `Worker pools, ${THREADS} threads: tiny tasks through map (others: a loop with ${MAP_WINDOW} in flight)`,
    unit: 'tasks/s',
    baseline: 'piscina 5',
    expect: sums,
    cases: {
      'conveyor WorkerPool.map': { run: mapCase('conveyor'), items: [20_000, 100_000] },
      ...Object.fromEntries(
        others.map((name) => [label[name], { run: mapCase(name), items: [20_000, 100_000] }]),
      ),
    },
  },
  {
    id: 'pool-run',
    title: `Worker pools, ${THREADS} threads: tiny tasks through run(), 64 in flight`,
    unit: 'tasks/s',
    baseline: 'piscina 5',
    expect: sums,
    cases: {
      'conveyor WorkerPool.run': { run: runCase('conveyor', 64), items: [20_000, 100_000] },
      ...Object.fromEntries(
        others.map((name) => [label[name], { run: runCase(name, 64), items: [20_000, 100_000] }]),
      ),
    },
  },
  {
    id: 'pool-latency',
    title: `Worker pools, ${THREADS} threads: one task's round trip, one in flight`,
    unit: 'µs round trip',
    latency: true,
    baseline: 'piscina 5',
    cases: {
      'conveyor WorkerPool.run': { run: latencyCase('conveyor'), items: [2_000, 10_000] },
      ...Object.fromEntries(
        others.map((name) => [label[name], { run: latencyCase(name), items: [2_000, 10_000] }]),
      ),
    },
  },
];

if (availableParallelism() < THREADS) {
  process.stderr.write(`note: ${availableParallelism()} CPUs, fewer than the ${THREADS} pool threads\n`);
}
