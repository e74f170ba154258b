// The guard rail for blocking on the main thread: a *Sync call that must wait, with no timeout,
// on Node's main thread freezes the whole process (timers, I/O, the very callbacks that might
// have put the item) and, if nothing else puts or gets, for ever. It stays allowed (a script may
// know a worker will answer), but the first such wait in a process prints one warning, written
// synchronously because the event loop is about to stop.
import { isMainThread, nodeProcess, writeStderrSync } from '../platform/thread.js';

let warned = false;

/** Warns once per process when `what` is about to wait with no timeout on the main thread. */
export function warnMainThreadWait(what: string, timeout: unknown): void {
  if (warned || !isMainThread || (timeout !== undefined && timeout !== Number.POSITIVE_INFINITY)) return;
  warned = true;
  if (nodeProcess?.env?.NODE_NO_WARNINGS === '1' || nodeProcess?.execArgv?.includes('--no-warnings')) return;
  try {
    writeStderrSync(
      `(conveyor) Warning: ${what} is waiting with no timeout on the main thread: the process is frozen ` +
        `(timers and I/O included) until another thread answers. Use the Promise form, pass a ` +
        `{ timeout }, or call it from a worker. (Shown once.)\n`,
    );
  } catch {
    // stderr closed: nothing to tell
  }
}
