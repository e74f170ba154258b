// Starting a worker from an entry that sits next to the calling module: `.js` under dist/ starts
// directly; `.ts` (tests, tsx) starts through an eval bootstrap that registers tsx first, because
// Node 20 ignores loaders given in a worker's execArgv.
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** `./name.js` or `./name.ts` next to `base`, whichever kind `base` itself is. */
export function siblingEntry(name: string, base: string): URL {
  const ext = new URL(base).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
