// One thread, async code: a producer and a consumer task on one queue of capacity 1024, and
// semaphore acquire/release cycles. Each case returns what the receiving side counted and summed.
import { Semaphore as AsyncMutexSemaphore } from 'async-mutex';
import { Sema } from 'async-sema';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { Channel, Semaphore } from '../lib/conveyor.js';
import { MinimalChannel, MinimalSemaphore } from '../lib/minimal.js';

const CAPACITY = 1024;

/** Producer and consumer awaiting every put and get. */
async function awaitEvery(queue, n) {
  let sum = 0;
  let count = 0;
  const consumer = (async () => {
    for (let i = 0; i < n; i++) {
      sum += await queue.get();
      count++;
    }
  })();
  for (let i = 0; i < n; i++) await queue.put(i);
  await consumer;
  return { count, sum };
}

/** conveyor Channel: tryPut/tryGet, awaiting only when full or empty. */
async function channelFastPaths(n) {
  const channel = new Channel({ capacity: CAPACITY });
  let sum = 0;
  let count = 0;
  const consumer = (async () => {
    while (count < n) {
      const result = channel.tryGet();
      sum += result.ok ? result.value : await channel.get();
      count++;
    }
  })();
  for (let i = 0; i < n; i++) if (!channel.tryPut(i)) await channel.put(i);
  await consumer;
  return { count, sum };
}

async function minimalFastPaths(n) {
  const channel = new MinimalChannel(CAPACITY);
  let sum = 0;
  let count = 0;
  const consumer = (async () => {
    while (count < n) {
      const item = channel.tryGet();
      sum += item !== MinimalChannel.EMPTY ? item : await channel.get();
      count++;
    }
  })();
  for (let i = 0; i < n; i++) if (!channel.tryPut(i)) await channel.put(i);
  await consumer;
  return { count, sum };
}

/** The textbook bounded buffer from async-mutex: `empty` and `full` semaphores around an array. */
class AsyncMutexQueue {
  constructor(capacity) {
    this.empty = new AsyncMutexSemaphore(capacity);
    this.full = new AsyncMutexSemaphore(0);
    this.items = [];
  }
  async put(item) {
    await this.empty.acquire();
    this.items.push(item);
    this.full.release();
  }
  async get() {
    await this.full.acquire();
    const item = this.items.shift();
    this.empty.release();
    return item;
  }
}

/** p-queue as users bound it: the consumer is the task, the producer awaits onSizeLessThan. */
async function pQueueBounded(n) {
  const queue = new PQueue({ concurrency: 1 });
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (queue.size >= CAPACITY) await queue.onSizeLessThan(CAPACITY);
    queue.add(async () => {
      sum += i;
      count++;
    });
  }
  await queue.onIdle();
  return { count, sum };
}

// --- semaphores: uncontended acquire+release cycles, and 100 tasks contending on 4 permits ---

async function cycles(acquire, release, n) {
  let count = 0;
  for (let i = 0; i < n; i++) {
    await acquire();
    count++;
    release();
  }
  return { count, sum: count };
}

async function contended(acquire, release, n) {
  const TASKS = 100;
  let count = 0;
  const per = n / TASKS;
  const task = async () => {
    for (let i = 0; i < per; i++) {
      await acquire();
      count++;
      await null; // hold the permit across a tick, as real work would
      release();
    }
  };
  await Promise.all(Array.from({ length: TASKS }, task));
  return { count, sum: count };
}

function semaphores(permits) {
  const minimal = new MinimalSemaphore(permits);
  const conveyor = new Semaphore(permits);
  const asyncMutex = new AsyncMutexSemaphore(permits);
  const sema = new Sema(permits);
  return {
    minimal: [() => minimal.acquire(), () => minimal.release()],
    conveyor: [() => conveyor.acquire(), () => conveyor.release()],
    'async-mutex': [() => asyncMutex.acquire(), () => asyncMutex.release()],
    'async-sema': [() => sema.acquire(), () => sema.release()],
  };
}

/** p-limit has no acquire/release: a cycle is one limited call of an empty async function. */
async function pLimitCycles(n, concurrency, tasks) {
  const limit = pLimit(concurrency);
  let count = 0;
  const work = async () => {
    count++;
    if (tasks > 1) await null;
  };
  if (tasks === 1) {
    for (let i = 0; i < n; i++) await limit(work);
  } else {
    const per = n / tasks;
    await Promise.all(
      Array.from({ length: tasks }, async () => {
        for (let i = 0; i < per; i++) await limit(work);
      }),
    );
  }
  return { count, sum: count };
}

const sum = (n) => ({ count: n, sum: (n * (n - 1)) / 2 });
const only = (n) => ({ count: n, sum: n });

export const groups = [
  {
    id: 'channel',
    title: 'One thread: producer and consumer tasks, capacity 1024 unless named, awaiting every put and get',
    unit: 'items/s',
    baseline: 'minimal channel',
    items: { quick: 50_000, full: 1_000_000 },
    expect: sum,
    cases: {
      'minimal channel': (n) => awaitEvery(new MinimalChannel(CAPACITY), n),
      'conveyor Channel': (n) => awaitEvery(new Channel({ capacity: CAPACITY }), n),
      'conveyor Channel, capacity 1': (n) => awaitEvery(new Channel({ capacity: 1 }), n),
      'conveyor Channel, capacity 0 (rendezvous)': (n) => awaitEvery(new Channel({ capacity: 0 }), n),
      'async-mutex Semaphore queue': {
        run: (n) => awaitEvery(new AsyncMutexQueue(CAPACITY), n),
        items: [50_000, 200_000],
      },
      'p-queue + onSizeLessThan': { run: pQueueBounded, items: [50_000, 300_000] },
    },
  },
  {
    id: 'channel-try',
    title: 'One thread: tryPut/tryGet fast paths, awaiting only when full or empty',
    unit: 'items/s',
    baseline: 'minimal channel',
    items: { quick: 250_000, full: 5_000_000 },
    expect: sum,
    cases: {
      'minimal channel': minimalFastPaths,
      'conveyor Channel': channelFastPaths,
    },
  },
  {
    id: 'semaphore',
    title: 'One thread: semaphore acquire + release, uncontended',
    unit: 'cycles/s',
    baseline: 'minimal semaphore',
    items: { quick: 100_000, full: 2_000_000 },
    expect: only,
    cases: {
      'minimal semaphore': (n) => cycles(...semaphores(1).minimal, n),
      'conveyor Semaphore': (n) => cycles(...semaphores(1).conveyor, n),
      'async-sema': (n) => cycles(...semaphores(1)['async-sema'], n),
      'async-mutex Semaphore': (n) => cycles(...semaphores(1)['async-mutex'], n),
      'p-limit (limited call)': { run: (n) => pLimitCycles(n, 1, 1), items: [100_000, 500_000] },
    },
  },
  {
    id: 'semaphore-contended',
    title: 'One thread: 100 tasks contending on 4 permits',
    unit: 'cycles/s',
    baseline: 'minimal semaphore',
    items: { quick: 50_000, full: 1_000_000 },
    expect: only,
    cases: {
      'minimal semaphore': (n) => contended(...semaphores(4).minimal, n),
      'conveyor Semaphore': (n) => contended(...semaphores(4).conveyor, n),
      'async-sema': (n) => contended(...semaphores(4)['async-sema'], n),
      'async-mutex Semaphore': (n) => contended(...semaphores(4)['async-mutex'], n),
      'p-limit (limited call)': (n) => pLimitCycles(n, 4, 100),
    },
  },
];
