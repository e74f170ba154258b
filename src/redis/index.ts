// conveyor/redis: the bounded buffer on Redis. Importing it loads ioredis; the main entry never does.
export type { AsyncQueue } from '../queue/async-queue.js';
export { ItemDecodeError, QueueMismatchError, RedisConnectError } from './errors.js';
export { type DeadLetter, type Lease, MAX_REDIS_CAPACITY, type RedisBufferOptions } from './options.js';
export { MAX_BATCH, RedisBuffer } from './redis-buffer.js';
