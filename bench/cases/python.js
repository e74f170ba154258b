// The seed's own baseline: its algorithm in CPython, next to BoundedBuffer with the same capacity.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bufferCase } from './threads.js';

const dir = fileURLToPath(new URL('../python/', import.meta.url));

function python(script, ...args) {
  return (n) => {
    let out;
    try {
      out = execFileSync('python3', [`${dir}${script}`, String(n), ...args.map(String)], {
        encoding: 'utf8',
      });
    } catch (error) {
      if (error.code === 'ENOENT') return { skipped: 'python3 is not on this machine' };
      throw error;
    }
    return JSON.parse(out);
  };
}

export const groups = [
  {
    id: 'seed',
    title: "The seed's algorithm: one producer and one consumer thread, int items",
    unit: 'items/s',
    baseline: 'Python seed program (3 semaphores, capacity 10)',
    expect: (n) => ({ count: n, sum: (n * (n - 1)) / 2 }),
    cases: {
      'Python seed program (3 semaphores, capacity 10)': {
        run: python('seed_bench.py'),
        items: [10_000, 100_000],
      },
      'Python queue.Queue(10)': { run: python('queue_bench.py', 10), items: [10_000, 200_000] },
      'Python queue.Queue(1024)': { run: python('queue_bench.py', 1024), items: [20_000, 400_000] },
      'conveyor BoundedBuffer, capacity 10': {
        run: bufferCase({ capacity: 10 }),
        items: [50_000, 300_000],
      },
      'conveyor BoundedBuffer, capacity 1024': {
        run: bufferCase({ capacity: 1024 }),
        items: [150_000, 1_000_000],
      },
    },
  },
];
