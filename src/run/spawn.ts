// Starting a worker from an entry that sits next to the calling module: `.js` under dist/ starts
// directly; `.ts` (tests, tsx) starts under tsx (see ../worker/start-worker.ts): conveyor's own
// sources use TypeScript that Node's type stripping does not run (parameter properties).
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { startWorker as startUserWorker } from '../worker/start-worker.js';

export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  return startUserWorker(entry, { ...options, typescript: entry.pathname.endsWith('.ts') ? 'tsx' : false });
}

/** `./name.js` or `./name.ts` next to `base`, whichever kind `base` itself is. */
export function siblingEntry(name: string, base: string): URL {
  const ext = new URL(base).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
