// The one place the pool imports BoundedBuffer from: conveyor's public entry, so that the pool
// builds on the buffer's public API only.
export {
  BoundedBuffer,
  type BoundedBufferHandle,
  MAX_CAPACITY,
  QueueClosedError,
  TimeoutError,
} from '../index.js';
