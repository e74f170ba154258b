// The old path of three-semaphores.ts, kept only for conveyor-buffer.ts's import of consumerShare
// (that file is being rewritten elsewhere); import from './three-semaphores.js' instead.
/** @deprecated import from './three-semaphores.js'. */
export { consumerShare } from './three-semaphores.js';
