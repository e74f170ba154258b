// startWorker(): starts a worker thread from a user's .js, .mjs or .ts file, so that TypeScript
// workers run on every supported Node: natively where Node strips types, under tsx elsewhere.
//
// Node 20 has no type stripping, and it ignores loaders given in a worker's execArgv
// (nodejs/node#47747): `new Worker(new URL('./w.ts', import.meta.url))` fails there with
// ERR_UNKNOWN_FILE_EXTENSION even when the parent runs under tsx. What works is an eval bootstrap
// that registers tsx inside the worker first and then imports the real entry.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { describe } from '../internal/validate.js';

export interface StartWorkerOptions extends WorkerOptions {
  /**
   * How to load TypeScript in the worker:
   * - `'auto'` (the default): Node's own type stripping where it is on (Node ≥ 22.18, or 22.6+
   *   with `--experimental-strip-types`), tsx otherwise; only when the entry is `.ts`/`.mts`, or
   *   when `typescript` is `true`.
   * - `true`: the entry is JavaScript but imports TypeScript (as a worker pool's entry imports a
   *   `.ts` task module): load TypeScript as `'auto'` would.
   * - `'tsx'`: always register tsx first (for TypeScript that stripping cannot run: enums,
   *   parameter properties, path aliases).
   * - `false`: start the file as it is.
   */
  typescript?: 'auto' | boolean | 'tsx';
}

const TS_FILE = /\.(c|m)?ts$/;

/** How this Node runs TypeScript by itself: 'strip' (or 'transform') when it can, false when not. */
export function nativeTypeScript(): string | false {
  const feature = (process.features as { typescript?: string | false }).typescript;
  return typeof feature === 'string' ? feature : false;
}

/**
 * Starts a worker thread from `file` (a `file:` URL, or a path), whether it is `.js`, `.mjs` or
 * `.ts`. TypeScript runs with Node's type stripping where it is on, and under tsx otherwise (tsx
 * must then be installed: `npm install --save-dev tsx`). Every other option goes to `new Worker`.
 *
 * ```ts
 * const worker = startWorker(new URL('./consumer.ts', import.meta.url), { workerData: buffer.handle });
 * ```
 */
export function startWorker(file: URL | string, options: StartWorkerOptions = {}): Worker {
  if (!(file instanceof URL) && typeof file !== 'string') {
    throw new TypeError(`startWorker() needs a file URL or a path, got ${describe(file)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`startWorker(): options must be an object, got ${describe(options)}`);
  }
  const { typescript = 'auto', ...workerOptions } = options;
  if (typescript !== 'auto' && typescript !== 'tsx' && typeof typescript !== 'boolean') {
    throw new TypeError(
      `startWorker(): typescript must be 'auto', 'tsx', true or false, got ${describe(typescript)}`,
    );
  }
  if ((workerOptions as WorkerOptions).eval) {
    throw new TypeError(
      'startWorker() starts a file; for code in a string use new Worker(code, { eval: true })',
    );
  }
  const url = file instanceof URL ? file : pathToFileURL(resolve(file));
  const isTypeScript = TS_FILE.test(url.pathname);
  const needsLoader =
    typescript === 'tsx' ||
    (typescript === true && nativeTypeScript() === false) ||
    (typescript === 'auto' && isTypeScript && nativeTypeScript() === false);
  if (!needsLoader) return new Worker(url, workerOptions);
  return new Worker(tsxBootstrap(url.href), { ...workerOptions, eval: true });
}

/** The eval source that registers tsx in the new thread, then imports `href`. */
function tsxBootstrap(href: string): string {
  const hint = `startWorker(${href}): TypeScript in a worker needs tsx on this Node (${process.version}): npm install --save-dev tsx, or use Node >= 22.18`;
  return `import('tsx/esm/api').then(
  ({ register }) => { register(); return import(${JSON.stringify(href)}); },
  (error) => { throw error && error.code === 'ERR_MODULE_NOT_FOUND' ? new Error(${JSON.stringify(hint)}, { cause: error }) : error; },
);`;
}
