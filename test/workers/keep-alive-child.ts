// A child process for keep-alive.test.ts: starts one pending wait (argv[2] names it) and nothing
// else, then reports on 'exit' whether the wait ever settled. With `release`, an unref'd worker
// (which holds nothing open itself) ends the wait after 300 ms.
import { Worker } from 'node:worker_threads';
import { BoundedBuffer, ByteRing, Channel, Mutex, Semaphore } from '../../src/index.js';

const [kind = '', refArg = 'default', release = ''] = process.argv.slice(2);
const options = refArg === 'default' ? {} : { ref: refArg === 'true' };
let settled = 'never';
process.on('exit', () => console.log(`exit: settled ${settled}`));
const note = (what: string) => () => {
  settled = what;
};

/** Runs `code` in a worker that does not hold this process open, with `handle` as workerData. */
function later(code: string, handle: unknown): void {
  new Worker(`const { workerData } = require('node:worker_threads'); setTimeout(() => { ${code} }, 300);`, {
    eval: true,
    workerData: handle,
  }).unref();
}

if (kind === 'semaphore') {
  const semaphore = new Semaphore(0);
  semaphore.acquire(options).then(note('acquired'), note('rejected'));
  // One permit, added by another thread: the count is word 2 of the semaphore's memory.
  if (release)
    later(
      'Atomics.add(new Int32Array(workerData), 2, 1); Atomics.add(new Int32Array(workerData), 3, 1); Atomics.notify(new Int32Array(workerData), 3);',
      semaphore.handle.memory,
    );
} else if (kind === 'mutex') {
  const mutex = new Mutex();
  mutex.lockSync();
  mutex.lock(options).then(note('locked'), note('rejected'));
} else if (kind === 'buffer') {
  const buffer = new BoundedBuffer({ capacity: 1 });
  buffer.get(options).then(note('got'), note('rejected'));
} else if (kind === 'channel') {
  const channel = new Channel<number>({ capacity: 1 });
  channel.get(options).then(note('got'), note('rejected'));
} else if (kind === 'ring-read') {
  // Nothing is ever written: the read ends only by its 1 s timeout, if the process lives that long.
  new ByteRing({ capacity: 1024 })
    .read(new Uint8Array(8), { ...options, timeout: 1_000 })
    .then(note('read'), note('rejected'));
} else if (kind === 'ring-write') {
  // More than the ring holds, and no reader: the write ends only by its 1 s timeout.
  new ByteRing({ capacity: 1024 })
    .write(new Uint8Array(4096), { ...options, timeout: 1_000 })
    .then(note('written'), note('rejected'));
} else if (kind === 'semaphore-timeout') {
  new Semaphore(0).acquire({ ...options, timeout: 60_000 }).then(note('acquired'), note('rejected'));
} else {
  throw new Error(`unknown case ${kind}`);
}
