// conveyor's public face: re-exports only.

export * from './check/index.js';
export {
  BufferCorruptedError,
  ItemTooLargeError,
  LockOwnershipError,
  PlatformError,
  QueueClosedError,
  TaskDoneError,
  TimeoutError,
} from './errors.js';
export { TaskModuleError, WorkerDiedError } from './pool/errors.js';
export type { MapOptions, RunOptions, WorkerPoolOptions } from './pool/options.js';
export type { PoolStats, WorkerStats } from './pool/stats.js';
export { WorkerPool } from './pool/worker-pool.js';
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
export {
  ByteRing,
  type ByteRingHandle,
  type ByteRingOptions,
  type ByteRingState,
  MAX_RING_CAPACITY,
} from './stream/byte-ring.js';
export { RingBusyError, RingClosedError, RingRoleError, type RingStopped } from './stream/errors.js';
export type { NodeReadableOptions, NodeWritableOptions } from './stream/node-streams.js';
export type { WebStreamOptions } from './stream/web-streams.js';
export { Mutex, type MutexGuard, type MutexHandle, type MutexRecoveryReport } from './sync/mutex.js';
export {
  type AcquireOptions,
  Semaphore,
  type SemaphoreHandle,
  type SemaphoreRecoveryReport,
} from './sync/semaphore.js';
export type { WaitOptions } from './sync/wait/deadline.js';
export { nativeTypeScript, type StartWorkerOptions, startWorker } from './worker/start-worker.js';
