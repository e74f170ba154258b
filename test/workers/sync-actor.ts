// Worker side of the Semaphore and Mutex tests.
import { parentPort, workerData } from 'node:worker_threads';
import {
  LockOwnershipError,
  Mutex,
  type MutexHandle,
  Semaphore,
  type SemaphoreHandle,
} from '../../src/index.js';

type Job =
  | { task: 'release'; semaphore: SemaphoreHandle; permits: number; delayMs: number }
  | { task: 'churn'; semaphore: SemaphoreHandle; stop: SharedArrayBuffer }
  | { task: 'increment'; mutex: MutexHandle; counter: SharedArrayBuffer; times: number }
  | { task: 'unlock-foreign'; mutex: MutexHandle }
  | { task: 'lock-and-hang'; mutex: MutexHandle }
  | { task: 'lock-in-line'; mutex: MutexHandle }
  | { task: 'acquire-in-line'; semaphore: SemaphoreHandle };

const job = workerData as Job;
const BOUND = { timeout: 10_000 };

switch (job.task) {
  case 'release': {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, job.delayMs);
    Semaphore.from(job.semaphore).release(job.permits);
    parentPort!.postMessage('released');
    break;
  }
  case 'churn': {
    // Takes and gives back one permit as fast as it can, until told to stop.
    const semaphore = Semaphore.from(job.semaphore);
    const stop = new Int32Array(job.stop);
    let rounds = 0;
    while (Atomics.load(stop, 0) === 0) {
      semaphore.acquireSync(BOUND);
      semaphore.release();
      if (++rounds === 1) parentPort!.postMessage('started');
    }
    parentPort!.postMessage(rounds);
    break;
  }
  case 'increment': {
    // A plain (non-atomic) read-modify-write: correct only under mutual exclusion.
    const mutex = Mutex.from(job.mutex);
    const counter = new Int32Array(job.counter);
    for (let i = 0; i < job.times; i++) {
      mutex.withLockSync(() => {
        const value = counter[0];
        counter[0] = value + 1;
      }, BOUND);
    }
    parentPort!.postMessage('done');
    break;
  }
  case 'lock-and-hang': {
    // Takes the lock and never gives it back: the test terminates this worker.
    Mutex.from(job.mutex).lockSync(BOUND);
    parentPort!.postMessage('locked');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    break;
  }
  case 'lock-in-line': {
    // Waits in the mutex's line (the test may terminate it there), then locks and unlocks.
    const mutex = Mutex.from(job.mutex);
    parentPort!.postMessage('waiting');
    mutex.withLockSync(() => parentPort!.postMessage('locked'), BOUND);
    break;
  }
  case 'acquire-in-line': {
    const semaphore = Semaphore.from(job.semaphore);
    parentPort!.postMessage('waiting');
    semaphore.acquireSync(BOUND);
    parentPort!.postMessage('acquired');
    semaphore.release();
    break;
  }
  case 'unlock-foreign': {
    try {
      Mutex.from(job.mutex).unlock();
      parentPort!.postMessage('unlocked');
    } catch (error) {
      parentPort!.postMessage(error instanceof LockOwnershipError ? error.code : String(error));
    }
    break;
  }
}
