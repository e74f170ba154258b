// Worker side of the Mutex kill stress (test/sync/recovery.test.ts): takes the lock over and over
// and updates two shared counters under it, with a call in between, where worker.terminate() can
// land and leave them inconsistent. A holder told `ownerDied` repairs them and marks the mutex
// consistent, as POSIX's EOWNERDEAD asks.
import { parentPort, workerData } from 'node:worker_threads';
import { Mutex, type MutexHandle } from '../../src/index.js';

export interface MutexKillJob {
  readonly mutex: MutexHandle;
  /** Word 0: the total of increments; word 1: repairs made; word 2: set to 1 to stop. */
  readonly shared: SharedArrayBuffer;
  /** One word per actor ever started: its own increments. */
  readonly counts: SharedArrayBuffer;
  readonly slot: number;
}

const job = workerData as MutexKillJob;
const mutex = Mutex.from(job.mutex);
const shared = new Int32Array(job.shared);
const counts = new Int32Array(job.counts);

/** A little work inside the critical section: a call (an interrupt point) between the two writes. */
function work(): number {
  let x = 0;
  for (let i = 0; i < 200; i++) x += i;
  return x;
}

parentPort!.postMessage('started');
while (Atomics.load(shared, 2) === 0) {
  const guard = mutex.lockSync({ timeout: 5_000 }); // a wedged mutex fails the run, never hangs it
  if (guard.ownerDied) {
    // A holder died between the two writes, maybe: the total is the sum of the actors' counts.
    shared[0] = counts.reduce((sum, n) => sum + n, 0);
    shared[1]++;
    guard.markConsistent();
  }
  shared[0]++;
  work();
  counts[job.slot]++;
  guard.unlock();
}
parentPort!.postMessage('stopped');
