import { afterAll, beforeAll } from 'vitest';
import { BoundedBuffer } from '../../src/index.js';
import { BlockingCallers } from './blocking-calls.js';
import { describeQueueContract } from './queue-contract.js';

describeQueueContract('BoundedBuffer', (capacity) => new BoundedBuffer({ capacity }));
describeQueueContract('BoundedBuffer opened from its handle', (capacity) =>
  BoundedBuffer.from(new BoundedBuffer({ capacity }).handle),
);

// The same suite through putSync/getSync/putManySync/getManySync/joinSync and the blocking
// iterator, each call made in a worker thread (blocking-calls.ts). A thread blocked in a *Sync
// call cannot see a signal abort, so the two abort-while-waiting cases do not apply there.
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
