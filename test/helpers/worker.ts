// Starting worker threads from TypeScript files in tests. Node 20 ignores loaders given in a
// Worker's execArgv, so a `.ts` entry is started through a small eval bootstrap that registers
// tsx first and then imports the real entry. Bun and Deno run `.ts` entries themselves.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const runsTypeScript = 'Bun' in globalThis || 'Deno' in globalThis;
/** Bun's `--preload` does not reach workers: the runtime suite names it again (test/runtimes/bun-dist.ts). */
const bunPreload = process.env.CONVEYOR_BUN_PRELOAD;

export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (bunPreload) return new Worker(entry, { ...options, preload: [bunPreload] } as WorkerOptions);
  if (!entry.pathname.endsWith('.ts') || runsTypeScript) return new Worker(entry, options);
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** Resolves with the worker's exit code; rejects if it throws or outlives `timeoutMs` (then it is terminated). */
export function exited(worker: Worker, timeoutMs = 20_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    const timer = setTimeout(() => {
      failure = new Error(`worker did not exit within ${timeoutMs} ms`);
      void worker.terminate();
    }, timeoutMs);
    worker.once('error', (error) => {
      failure ??= error;
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      if (failure !== undefined) reject(failure);
      else resolve(code);
    });
  });
}

/** Resolves with the first message the worker posts (or rejects on error/exit/timeout). */
export function firstMessage<T>(worker: Worker, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
    worker.once('message', (message: T) => {
      clearTimeout(timer);
      resolve(message);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
