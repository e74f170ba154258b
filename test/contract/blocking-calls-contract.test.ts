// The queue contract suite through BoundedBuffer's blocking calls: putSync, getSync, putManySync,
// getManySync, joinSync and the blocking iterator, each made in a real worker thread
// (blocking-calls.ts). Node only (worker_threads), so it is a file of its own: the browser page and
// the other runtimes load bounded-buffer-contract.test.ts. A thread blocked in a *Sync call cannot
// see a signal abort, so the two abort-while-waiting cases do not run here.
import { afterAll, beforeAll } from 'vitest';
import { BlockingCallers } from './blocking-calls.js';
import { describeQueueContract } from './queue-contract.js';

const callers = new BlockingCallers();
beforeAll(() => callers.start(8));
afterAll(() => callers.close());
describeQueueContract(
  'BoundedBuffer, blocking calls from worker threads',
  (capacity) => callers.queue(capacity),
  {
    abortWhileWaiting: false,
  },
);
