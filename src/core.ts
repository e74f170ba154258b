// conveyor's core without its Node-only parts (WorkerPool, startWorker, ByteRing's Node streams,
// `conveyor check`): what a browser loads, as `dist/core.js` or through the package's "browser"
// export condition. It imports no node: module (test/platform/thread.test.ts walks its imports).
// Re-exports only; src/index.ts re-exports all of it and adds the Node-only parts.

export {
  BufferCorruptedError,
  ItemTooLargeError,
  LaneRoleError,
  LockOwnershipError,
  PlatformError,
  QueueClosedError,
  TaskDoneError,
  TimeoutError,
} from './errors.js';
export {
  BoundedBuffer,
  type BoundedBufferConstructor,
  type BoundedBufferHandle,
  type BoundedBufferOptions,
  type GetManyIntoOptions,
  type JsonValue,
  MAX_CAPACITY,
  type RecoveryReport,
} from './queue/bounded-buffer.js';
export { Channel, type ChannelOptions, MAX_CHANNEL_CAPACITY } from './queue/channel.js';
export type { Codec, CodecName } from './queue/codec.js';
export { type ConsumeOptions, consume } from './queue/consume.js';
export type { BlockingQueue, CloseOptions, Queue, TryGetResult } from './queue/queue.js';
export { Mutex, type MutexGuard, type MutexHandle, type MutexRecoveryReport } from './sync/mutex.js';
export {
  type AcquireOptions,
  Semaphore,
  type SemaphoreHandle,
  type SemaphoreRecoveryReport,
} from './sync/semaphore.js';
export type { WaitOptions } from './sync/wait/deadline.js';
