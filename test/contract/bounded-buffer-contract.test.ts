import { BoundedBuffer } from '../../src/index.js';
import { describeQueueContract } from './queue-contract.js';

describeQueueContract('BoundedBuffer', (capacity) => new BoundedBuffer({ capacity }));
describeQueueContract('BoundedBuffer opened from its handle', (capacity) =>
  BoundedBuffer.from(new BoundedBuffer({ capacity }).handle),
);
