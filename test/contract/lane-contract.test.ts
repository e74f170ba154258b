// The Queue contract, run against BoundedBuffer's one-producer, one-consumer lane: in one thread,
// one view is both the producer and the consumer.
import { BoundedBuffer } from '../../src/index.js';
import { describeQueueContract } from './queue-contract.js';

describeQueueContract('BoundedBuffer lane ({ producers: 1, consumers: 1 })', (capacity) => {
  return new BoundedBuffer({ capacity, producers: 1, consumers: 1 });
});
describeQueueContract('BoundedBuffer lane opened from its handle', (capacity) =>
  BoundedBuffer.from(new BoundedBuffer({ capacity, producers: 1, consumers: 1 }).handle),
);
