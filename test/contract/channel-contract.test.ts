import { Channel } from '../../src/queue/channel.js';
import { describeQueueContract } from './queue-contract.js';

describeQueueContract('Channel', (capacity) => new Channel<number>({ capacity }));
