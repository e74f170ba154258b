// conveyor's public face: re-exports only. The core (src/core.ts, what a browser loads) plus the
// Node-only parts: the model checker, WorkerPool, startWorker and ByteRing with its stream adapters.

export * from './check/index.js';
export * from './core.js';
export { TaskModuleError, WorkerDiedError } from './pool/errors.js';
export type { MapOptions, RunOptions, WorkerPoolOptions } from './pool/options.js';
export type { PoolStats, WorkerStats } from './pool/stats.js';
export { WorkerPool } from './pool/worker-pool.js';
export type { RingRecoveryReport } from './stream/byte-ring/roles.js';
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
export { nativeTypeScript, type StartWorkerOptions, startWorker } from './worker/start-worker.js';
