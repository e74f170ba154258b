// What conveyor needs from the runtime under it, found without importing any node: module, so that
// a browser loads dist/ as it is: this thread's id, whether it may block, shared memory, the
// structured serializer, Atomics.waitAsync and a way to warn. Node, Bun and Deno answer through their node:
// builtins, fetched at run time (process.getBuiltinModule); a browser through its globals.
import type * as Fs from 'node:fs';
import type * as V8 from 'node:v8';
import type * as WorkerThreads from 'node:worker_threads';
import { PlatformError } from '../errors.js';

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
  once?(event: 'exit', listener: () => void): unknown;
  emitWarning?(message: string, options: { code: string }): void;
  env?: Record<string, string | undefined>;
  execArgv?: string[];
}
/** Node's `process` (Bun and Deno have one too); undefined in a browser. */
export const nodeProcess = (globalThis as { process?: NodeProcess }).process;
const fs = nodeProcess?.getBuiltinModule?.('node:fs') as typeof Fs | undefined;
const threads = nodeProcess?.getBuiltinModule?.('node:worker_threads') as typeof WorkerThreads | undefined;
const v8 = nodeProcess?.getBuiltinModule?.('node:v8') as typeof V8 | undefined;

/** True in a Web Worker (a browser's, or Deno's and Bun's `new Worker(url, { type: 'module' })`). */
const inWebWorker =
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function' &&
  globalThis instanceof (globalThis as unknown as { WorkerGlobalScope: new () => object }).WorkerGlobalScope;

/**
 * A Web Worker that node:worker_threads does not number (every browser worker; a Deno web worker
 * says threadId 0, like its main thread) gets a random id above 2^24, clear of the small ids that
 * node:worker_threads hands out in order. Two such workers collide with odds of about n²/2^32.
 */
function randomThreadId(): number {
  const [r] = crypto.getRandomValues(new Uint32Array(1));
  return 2 ** 24 + (r! % (0x7ffffffe - 2 ** 24));
}

const numbered = threads !== undefined && !(inWebWorker && threads.isMainThread);

/** This thread's id: Node's `threadId` where there is one, 0 on a browser page, else random. */
export const threadId: number = numbered ? threads!.threadId : inWebWorker ? randomThreadId() : 0;

/** Whether this is the process's (or page's) main thread. */
export const isMainThread: boolean = numbered ? threads!.isMainThread : !inWebWorker;

/** Runs `hook` when this worker ends normally, where the runtime says so (Node, Bun, Deno). */
export function onWorkerExit(hook: () => void): void {
  if (!isMainThread && typeof nodeProcess?.once === 'function') nodeProcess.once('exit', hook);
}

/** Writes to stderr at once where there is one (Node, Bun, Deno), else to the console. */
export function writeStderrSync(text: string): void {
  if (fs !== undefined) fs.writeSync(2, text);
  else console.warn(text.trimEnd());
}

/** process.emitWarning where there is one, else the console. */
export function emitWarning(message: string, code: string): void {
  if (typeof nodeProcess?.emitWarning === 'function') nodeProcess.emitWarning(message, { code });
  else console.warn(`(conveyor) ${code}: ${message}`);
}

let blockingAllowed: boolean | undefined;

/**
 * Throws at once where `Atomics.wait` is forbidden (a browser page's main thread), instead of
 * letting a *Sync call fail deep inside with a TypeError. `what` names the call.
 */
export function checkCanBlock(what: string): void {
  // The fast path stays this small because it is inlined into every *Sync call: inlined whole,
  // the probe and the error cost about 2% of a putSync+getSync pair's instructions.
  if (blockingAllowed !== true) checkCanBlockFirst(what);
}

/** checkCanBlock's first call on this thread (probes Atomics.wait), and every call where blocking is forbidden. */
function checkCanBlockFirst(what: string): void {
  if (blockingAllowed === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // not-equal: returns at once
      blockingAllowed = true;
    } catch {
      blockingAllowed = false;
    }
  }
  if (!blockingAllowed) {
    throw new PlatformError(
      'ERR_CANNOT_BLOCK_HERE',
      `${what}() blocks the thread, and this thread may not block (Atomics.wait is forbidden on a browser page's main thread): use the Promise form (without Sync) here, or call it in a Worker`,
    );
  }
}

/**
 * A new SharedArrayBuffer, or an error naming why there is none: a browser page that is not
 * cross-origin isolated hides the constructor.
 */
export function sharedMemory(bytes: number): SharedArrayBuffer {
  if (typeof SharedArrayBuffer !== 'function') {
    const page = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false;
    throw new PlatformError(
      'ERR_NOT_CROSS_ORIGIN_ISOLATED',
      page
        ? 'SharedArrayBuffer is not available: this page is not cross-origin isolated. Serve the page with the headers "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" (and its scripts same-origin or with "Cross-Origin-Resource-Policy"); see docs/runtimes.md'
        : 'SharedArrayBuffer is not available in this runtime',
    );
  }
  return new SharedArrayBuffer(bytes);
}

/** The structured-clone serializer of codec 'structured': node:v8's, where the runtime has it. */
export function structuredSerializer(): {
  encode(item: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
} {
  if (v8 === undefined) {
    throw new PlatformError(
      'ERR_NO_STRUCTURED_SERIALIZER',
      "codec 'structured' needs node:v8's serialize(), which Node, Bun and Deno have and browsers do not: use codec 'json', 'bytes' or your own { encode, decode } here",
    );
  }
  return { encode: (item) => v8.serialize(item), decode: (bytes) => v8.deserialize(bytes) };
}

type WaitResult = ReturnType<typeof Atomics.waitAsync>;

/** Polls every few milliseconds (1, 2, 4, then 8 ms) while `i32[index]` still holds `value`. */
function pollingWaitAsync(i32: Int32Array, index: number, value: number, timeout = Infinity): WaitResult {
  if (Atomics.load(i32, index) !== value) return { async: false, value: 'not-equal' };
  if (timeout <= 0) return { async: false, value: 'timed-out' };
  const end = performance.now() + timeout;
  const settled = new Promise<'ok' | 'timed-out'>((resolve) => {
    let nap = 1;
    const poll = () => {
      if (Atomics.load(i32, index) !== value) return resolve('ok');
      const left = end - performance.now();
      if (left <= 0) return resolve('timed-out');
      setTimeout(poll, Math.min(nap, left));
      nap = Math.min(nap * 2, 8);
    };
    setTimeout(poll, nap);
  });
  return { async: true, value: settled };
}

/**
 * `Atomics.waitAsync`, or where a runtime lacks it (Firefox before 145) a polling stand-in: it
 * wakes once the word changes, which every conveyor notify is preceded by, up to 8 ms late.
 */
export const waitAsync: typeof Atomics.waitAsync =
  typeof Atomics.waitAsync === 'function'
    ? Atomics.waitAsync
    : (pollingWaitAsync as unknown as typeof Atomics.waitAsync);

/** Exposed for the tests of the stand-in, which run where waitAsync exists. */
export const pollingWaitAsyncForTests = pollingWaitAsync;
